#include "tools/wal_dump.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/data_dir.h"
#include "store/filename.h"
#include "tests/support/temp_dir.h"
#include "wal/file.h"
#include "wal/wal_format.h"
#include "wal/wal_writer.h"

namespace warp::tools {

namespace {

// A closed two-shard data directory whose shard-01 log holds three records.
std::string WalPath(const std::string& dir) {
  return filename::ShardWal(dir, 1) + "/" + wal::SegmentFileName(1);
}

void MakeDirWithLog(const std::string& dir) {
  std::unique_ptr<DataDir> data;
  REQUIRE(DataDir::Open(dir, 2, &data).ok());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), filename::ShardWal(dir, 1), 1, 1, 1 << 20, &writer)
              .ok());
  REQUIRE(writer->AddPut(1, "user:1", "ada").ok());
  REQUIRE(writer->AddPut(2, "blob", std::string("a\0b\\", 4)).ok());
  REQUIRE(writer->AddDelete(3, "user:1").ok());
  REQUIRE(writer->Sync().ok());
  REQUIRE(writer->Close().ok());
}

}  // namespace

TEST_CASE("wal dump prints every record of a shard with escaped bytes and a summary") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::string out;
  REQUIRE(DumpWal(tmp.path(), 1u, /*json=*/false, &out).ok());
  CHECK(out.find("shard-01\n"
                 "  lsn 1  put  key=user:1  value=ada\n"
                 "  lsn 2  put  key=blob  value=a\\x00b\\x5c\n"
                 "  lsn 3  delete  key=user:1\n"
                 "  3 records, last lsn 3, 1 segments, ") == 0);
}

TEST_CASE("wal dump as JSON lists every shard with its records and summary") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::string out;
  REQUIRE(DumpWal(tmp.path(), std::nullopt, /*json=*/true, &out).ok());
  nlohmann::json doc = nlohmann::json::parse(out);
  REQUIRE(doc["shards"].size() == 2);
  CHECK(doc["shards"][0]["records"].empty());
  const auto& records = doc["shards"][1]["records"];
  REQUIRE(records.size() == 3);
  CHECK(records[1]["value"] == "a\\x00b\\x5c");
  CHECK(records[2]["type"] == "delete");
  CHECK(doc["shards"][1]["summary"]["last_lsn"] == 3);
}

TEST_CASE("wal dump reports a torn tail with its file and offset") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::string path = WalPath(tmp.path());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  std::string out;
  REQUIRE(DumpWal(tmp.path(), 1u, /*json=*/false, &out).ok());
  CHECK(out.find("  2 records, last lsn 2") != std::string::npos);
  CHECK(out.find("; torn tail in " + path + " at offset ") != std::string::npos);
}

TEST_CASE("wal dump shows the records before a corruption and then the error") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::string path = WalPath(tmp.path());
  std::string bytes = testing::ReadFileOrEmpty(path);
  size_t second = wal::kSegmentHeaderSize + wal::kRecordHeaderSize + 1 + 6 + 1 + 3;
  bytes[second + wal::kRecordHeaderSize] ^= 0x40;  // damage record 2; record 3 stays valid
  testing::WriteFileOrDie(path, bytes);
  std::string out;
  Status s = DumpWal(tmp.path(), 1u, /*json=*/false, &out);
  CHECK(s.IsCorruption());
  CHECK(s.message() == "wal corruption in " + path + " at offset " + std::to_string(second) +
                           ": checksum mismatch; valid records follow, refusing to skip them");
  CHECK(out.find("  lsn 1  put  key=user:1  value=ada\n") != std::string::npos);
  CHECK(out.find("  ERROR: wal corruption") != std::string::npos);
}

TEST_CASE("wal dump of a shard that does not exist names the shard count") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::string out;
  Status s = DumpWal(tmp.path(), 7u, false, &out);
  CHECK(s.message() == "--shard 7 does not exist (2 shards)");
}

}  // namespace warp::tools

namespace warp::tools {

TEST_CASE("wal dump shows a put's expiry and the expire record, persist included") {
  testing::TempDir tmp;
  std::unique_ptr<DataDir> data;
  REQUIRE(DataDir::Open(tmp.path(), 1, &data).ok());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), filename::ShardWal(tmp.path(), 0), 0, 1, 1 << 20,
                          &writer)
              .ok());
  REQUIRE(writer->AddPut(1, "session", "t", 1795514460000).ok());
  REQUIRE(writer->AddExpire(2, "session", 1795514520000).ok());
  REQUIRE(writer->AddExpire(3, "session", 0).ok());
  REQUIRE(writer->AddPut(4, "plain", "v").ok());
  REQUIRE(writer->Close().ok());
  std::string text;
  REQUIRE(DumpWal(tmp.path(), 0u, /*json=*/false, &text).ok());
  CHECK(text.find("shard-00\n"
                  "  lsn 1  put  key=session  expire_at_ms=1795514460000  value=t\n"
                  "  lsn 2  expire  key=session  expire_at_ms=1795514520000\n"
                  "  lsn 3  expire  key=session  expire_at_ms=0\n"
                  "  lsn 4  put  key=plain  value=v\n") == 0);
  std::string out;
  REQUIRE(DumpWal(tmp.path(), 0u, /*json=*/true, &out).ok());
  const auto records = nlohmann::json::parse(out)["shards"][0]["records"];
  REQUIRE(records.size() == 4);
  CHECK(records[0]["expire_at_ms"] == 1795514460000);
  CHECK(records[2]["type"] == "expire");
  CHECK(records[2]["expire_at_ms"] == 0);
  CHECK_FALSE(records[2].contains("value"));
  CHECK_FALSE(records[3].contains("expire_at_ms"));
}

}  // namespace warp::tools
