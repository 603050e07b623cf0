#include "store/data_dir.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "store/filename.h"
#include "tests/support/temp_dir.h"

namespace warp {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::TempDir;

TEST_CASE("opening an empty directory lays out every folder with a README") {
  TempDir tmp;
  std::string d = tmp.Sub("data");
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(d, 2, &dir).ok());
  for (const std::string& folder :
       {d, d + "/configuration", d + "/spacetime", d + "/spacetime/shard-00",
        d + "/spacetime/shard-01/wal", d + "/spacetime/shard-01/snapshots",
        d + "/spacetime/shard-01/cold", d + "/spacetime/shard-01/quantum_indices",
        d + "/temporal/live", d + "/temporal/recent", d + "/temporal/historical",
        d + "/temporal/deep_time", d + "/entropy", d + "/wormholes", d + "/backups"}) {
    INFO(folder);
    CHECK(fs::is_directory(folder));
    CHECK_FALSE(ReadFileOrEmpty(folder + "/README.txt").empty());
  }
  CHECK_FALSE(fs::exists(d + "/spacetime/shard-02"));
  CHECK(dir->manifest().shard_count == 2);
  CHECK(dir->manifest().open_count == 1);
  CHECK_FALSE(dir->recovered_from_crash());
}

TEST_CASE("a second opener of a locked directory is told the holder's pid") {
  TempDir tmp;
  std::unique_ptr<DataDir> first, second;
  REQUIRE(DataDir::Open(tmp.path(), 1, &first).ok());
  Status s = DataDir::Open(tmp.path(), 1, &second);
  CHECK(s.IsBusy());
  CHECK(s.message() == "data directory " + tmp.path() + " is locked by pid " +
                           std::to_string(::getpid()) + " (" + tmp.path() + "/LOCK)");
  first.reset();
  CHECK(DataDir::Open(tmp.path(), 1, &second).ok());
}

TEST_CASE("reopening with a different shard count is refused and the directory is untouched") {
  TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.path(), 4, &dir).ok());
  REQUIRE(dir->MarkClosed().ok());
  dir.reset();
  std::string before = ReadFileOrEmpty(filename::Manifest(tmp.path()));
  Status s = DataDir::Open(tmp.path(), 8, &dir);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "data directory " + tmp.path() +
                           " was created with 4 shards but the configuration asks for 8 (key "
                           "'shards'); the shard count is fixed at creation");
  CHECK(ReadFileOrEmpty(filename::Manifest(tmp.path())) == before);
  CHECK_FALSE(fs::exists(tmp.path() + "/spacetime/shard-07"));
}

TEST_CASE("shard count 0 means one per core for a new directory and the recorded one after") {
  TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.Sub("auto"), 0, &dir).ok());
  CHECK(dir->manifest().shard_count == DataDir::DefaultShardCount());
  CHECK(fs::is_directory(tmp.Sub("auto") + "/spacetime/" +
                         filename::ShardName(DataDir::DefaultShardCount() - 1)));
  dir.reset();
  REQUIRE(DataDir::Open(tmp.Sub("three"), 3, &dir).ok());
  REQUIRE(dir->MarkClosed().ok());
  dir.reset();
  REQUIRE(DataDir::Open(tmp.Sub("three"), 0, &dir).ok());
  CHECK(dir->manifest().shard_count == 3);
}

TEST_CASE("a session that never marked itself closed is reported as a crash on reopen") {
  TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.path(), 1, &dir).ok());
  dir.reset();  // no MarkClosed: as after kill -9
  REQUIRE(DataDir::Open(tmp.path(), 1, &dir).ok());
  CHECK(dir->recovered_from_crash());
  CHECK(dir->manifest().open_count == 2);
  REQUIRE(dir->MarkClosed().ok());
  dir.reset();
  REQUIRE(DataDir::Open(tmp.path(), 1, &dir).ok());
  CHECK_FALSE(dir->recovered_from_crash());
  CHECK_FALSE(dir->manifest().closed_at.empty());
}

TEST_CASE("a manifest from a newer format refuses to open") {
  TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.path(), 1, &dir).ok());
  dir.reset();
  std::string path = filename::Manifest(tmp.path());
  std::string text = ReadFileOrEmpty(path);
  text.replace(text.find("\"format_version\": 1"), 19, "\"format_version\": 2");
  testing::WriteFileOrDie(path, text);
  Status s = DataDir::Open(tmp.path(), 1, &dir);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("format_version 2 is newer than this build supports (1)") !=
        std::string::npos);
}

TEST_CASE("the effective configuration is written under configuration/") {
  TempDir tmp;
  std::unique_ptr<DataDir> dir;
  REQUIRE(DataDir::Open(tmp.path(), 1, &dir).ok());
  REQUIRE(dir->WriteEffectiveConfig("{\"shards\": 1}\n").ok());
  CHECK(ReadFileOrEmpty(tmp.path() + "/configuration/effective.json") == "{\"shards\": 1}\n");
}

}  // namespace warp
