#include "tools/inspect.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/data_dir.h"
#include "store/filename.h"
#include "tests/support/temp_dir.h"
#include "wal/wal_writer.h"

namespace warp::tools {

namespace {

nlohmann::json InspectJson(const std::string& dir) {
  std::string out;
  Status s = InspectDataDir(dir, /*json=*/true, &out);
  REQUIRE(s.ok());
  return nlohmann::json::parse(out);
}

}  // namespace

TEST_CASE("inspect summarises the manifest, the slots of each shard and its folder sizes") {
  testing::TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.path(), 2, &dir).ok());
  testing::WriteFileOrDie(filename::ShardWal(tmp.path(), 1) + "/00000000000000000001.log",
                          std::string(1000, 'x'));
  REQUIRE(dir->MarkClosed().ok());
  dir.reset();

  nlohmann::json doc = InspectJson(tmp.path());
  CHECK(doc["shard_count"] == 2);
  CHECK(doc["clean_shutdown"] == true);
  CHECK(doc["lock"] == "not held");
  REQUIRE(doc["shards"].size() == 2);
  CHECK(doc["shards"][0]["slots"] == nlohmann::json::array({"0-511"}));
  CHECK(doc["shards"][1]["slots"] == nlohmann::json::array({"512-1023"}));
  CHECK(doc["shards"][0]["wal"]["files"] == 0);
  CHECK(doc["shards"][1]["wal"]["files"] == 1);
  CHECK(doc["shards"][1]["wal"]["bytes"] == 1000);

  std::string text;
  REQUIRE(InspectDataDir(tmp.path(), /*json=*/false, &text).ok());
  CHECK(text.find("shard-01  slots 512-1023  wal 1 files/1000 B") != std::string::npos);
}

TEST_CASE("inspect shows the LSN range each shard's write-ahead log holds") {
  testing::TempDir tmp;
  std::string data = tmp.Sub("data");
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(data, 1, &dir).ok());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(DefaultFileSystem(), filename::ShardWal(data, 0), 0, 1, 1 << 20, &writer)
              .ok());
  for (uint64_t lsn = 1; lsn <= 7; ++lsn) REQUIRE(writer->AddPut(lsn, "k", "v").ok());
  REQUIRE(writer->Close().ok());
  REQUIRE(dir->MarkClosed().ok());
  dir.reset();
  nlohmann::json doc = InspectJson(data);
  const nlohmann::json& wal = doc["shards"][0]["wal"];
  CHECK(wal["segments"] == 1);
  CHECK(wal["records"] == 7);
  CHECK(wal["first_lsn"] == 1);
  CHECK(wal["last_lsn"] == 7);
  CHECK_FALSE(wal.contains("error"));
  std::string text;
  REQUIRE(InspectDataDir(data, /*json=*/false, &text).ok());
  CHECK(text.find("shard-00  slots 0-1023  wal 1 files/") != std::string::npos);
  CHECK(text.find(" (lsn 1..7)") != std::string::npos);
}

TEST_CASE("inspect names the pid holding a live directory without disturbing it") {
  testing::TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.path(), 1, &dir).ok());
  nlohmann::json doc = InspectJson(tmp.path());
  CHECK(doc["lock"] == "held by pid " + std::to_string(::getpid()));
  CHECK(doc["clean_shutdown"] == false);
  // The owner still holds its lock afterwards: a second opener is refused.
  std::unique_ptr<DataDir> second;
  CHECK(DataDir::Open(tmp.path(), 1, &second).IsBusy());
}

TEST_CASE("inspect of a folder that is not a data directory says so") {
  testing::TempDir tmp;
  std::string out;
  Status s = InspectDataDir(tmp.path(), false, &out);
  CHECK(s.IsNotFound());
  CHECK(s.message() == tmp.path() + " is not a WarpEngine data directory (no universe.json)");
}

}  // namespace warp::tools
