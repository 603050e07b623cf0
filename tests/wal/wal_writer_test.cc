#include "wal/wal_writer.h"

#include <catch2/catch.hpp>

#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"
#include "tests/wal/wal_test_util.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::TempDir;

TEST_CASE("records are buffered without touching the file until Flush") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), dir, 3, 1, 1 << 20, &writer).ok());
  std::string path = writer->segment_path();
  CHECK(path == dir + "/00000000000000000001.log");
  REQUIRE(writer->AddPut(1, "k", "v").ok());
  CHECK(writer->buffered_bytes() > 0);
  CHECK(testing::ReadFileOrEmpty(path).size() == wal::kSegmentHeaderSize);
  REQUIRE(writer->Flush().ok());
  CHECK(writer->buffered_bytes() == 0);
  CHECK(testing::ReadFileOrEmpty(path).size() > wal::kSegmentHeaderSize);
}

TEST_CASE("an LSN that does not increase is refused and nothing is buffered") {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), tmp.Sub("wal"), 3, 10, 1 << 20, &writer).ok());
  Status s = writer->AddPut(9, "k", "v");
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "wal shard 3: LSN 9 is not above the last LSN 9");
  REQUIRE(writer->AddPut(10, "k", "v").ok());
  CHECK(writer->AddDelete(10, "k").IsInvalidArgument());
  CHECK(writer->last_lsn() == 10);
  CHECK(writer->status().ok());  // a caller bug is not a sticky I/O error
}

TEST_CASE("the writer rotates to a segment named after the next LSN once the size is reached") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), dir, 3, 1, 150, &writer).ok());
  for (uint64_t lsn = 1; lsn <= 3; ++lsn) REQUIRE(writer->AddPut(lsn, "key", "value").ok());
  REQUIRE(writer->Flush().ok());  // 28 + 3 * 28 = 112 bytes: no rotation yet
  CHECK(testing::SegmentPaths(DefaultFileSystem(), dir).size() == 1);
  for (uint64_t lsn = 4; lsn <= 6; ++lsn) REQUIRE(writer->AddPut(lsn, "key", "value").ok());
  REQUIRE(writer->Flush().ok());  // 196 bytes >= 150: rotate
  auto paths = testing::SegmentPaths(DefaultFileSystem(), dir);
  REQUIRE(paths.size() == 2);
  CHECK(paths[1] == dir + "/00000000000000000007.log");
  CHECK(writer->segment_path() == paths[1]);
  CHECK(testing::ReadFileOrEmpty(paths[0]).size() == 196);
}

TEST_CASE("a failed fsync makes every later call fail with the same error") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(&fs, tmp.Sub("wal"), 3, 1, 1 << 20, &writer).ok());
  REQUIRE(writer->AddPut(1, "k", "v").ok());
  fs.FailNextSync();
  Status s = writer->Sync();
  REQUIRE(s.IsIOError());
  std::string expected = "wal shard 3: fsync of " + writer->segment_path() +
                         " failed: injected fsync failure (Input/output error); the shard "
                         "refuses writes";
  CHECK(s.message() == expected);
  CHECK(writer->AddPut(2, "k", "v").message() == expected);
  CHECK(writer->AddDelete(3, "k").message() == expected);
  CHECK(writer->Flush().message() == expected);
  CHECK(writer->Sync().message() == expected);  // the next fsync would succeed: still refused
  CHECK(writer->status().message() == expected);
}

TEST_CASE("a failed write makes every later call fail with the same error") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(&fs, tmp.Sub("wal"), 7, 1, 1 << 20, &writer).ok());
  REQUIRE(writer->AddPut(1, "k", "v").ok());
  fs.FailNextAppend();
  Status s = writer->Flush();
  REQUIRE(s.IsIOError());
  CHECK(s.message().rfind("wal shard 7: write of ", 0) == 0);
  CHECK(writer->Sync().message() == s.message());
  CHECK(writer->AddPut(2, "k", "v").message() == s.message());
}

TEST_CASE("large compressible values are stored LZ4-compressed and read back intact") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::string big(10000, 'a');
  std::string small = "tiny";
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), dir, 3, 1, 1 << 20, &writer).ok());
  writer->SetCompressMinBytes(256);
  REQUIRE(writer->AddPut(1, "big", big).ok());
  REQUIRE(writer->AddPut(2, "small", small).ok());
  REQUIRE(writer->Sync().ok());
  CHECK(testing::ReadFileOrEmpty(writer->segment_path()).size() < 1000);
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(testing::ReadLog(DefaultFileSystem(), dir, &records, &summary).ok());
  REQUIRE(records.size() == 2);
  CHECK(records[0].value == big);
  CHECK(records[1].value == small);
}

TEST_CASE("incompressible values above the threshold are stored raw") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 16));
  }
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), dir, 3, 1, 1 << 20, &writer).ok());
  writer->SetCompressMinBytes(1);
  REQUIRE(writer->AddPut(1, "noise", noise).ok());
  REQUIRE(writer->Sync().ok());
  std::string file = testing::ReadFileOrEmpty(writer->segment_path());
  CHECK(file[wal::kSegmentHeaderSize + 9] == 0);  // flags: not compressed
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(testing::ReadLog(DefaultFileSystem(), dir, &records, &summary).ok());
  REQUIRE(records.size() == 1);
  CHECK(records[0].value == noise);
}

}  // namespace warp

namespace warp {

TEST_CASE("the writer encodes an expiring put and an expire record as the format describes") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), dir, 3, 19, 1 << 20, &writer).ok());
  REQUIRE(writer->AddPut(19, "user:1", "hello", 1795514460000).ok());
  REQUIRE(writer->AddExpire(20, "user:1", 1795514520000).ok());
  REQUIRE(writer->Close().ok());
  std::string file = testing::ReadFileOrEmpty(dir + "/" + wal::SegmentFileName(19));
  std::string expected;
  std::string put, expire;
  wal::PutVarint32(&put, 6);
  put += "user:1";
  wal::PutFixed64(&put, 1795514460000);
  wal::PutVarint32(&put, 5);
  put += "hello";
  wal::PutVarint32(&expire, 6);
  expire += "user:1";
  wal::PutFixed64(&expire, 1795514520000);
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kPut), wal::kFlagExpiry, 19, put,
                    &expected);
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kExpire), wal::kFlagExpiry, 20, expire,
                    &expected);
  CHECK(file.substr(wal::kSegmentHeaderSize) == expected);
}

}  // namespace warp
