#include "tools/snapshot_dump.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "store/data_dir.h"
#include "store/filename.h"
#include "store/snapshot.h"
#include "store/snapshot_format.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tools/inspect.h"
#include "wal/file.h"

namespace warp::tools {

namespace {

void WriteSnapshot(const std::string& dir, uint32_t shard, uint64_t lsn,
                   const std::vector<std::tuple<std::string, std::string, uint64_t>>& entries) {
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(DefaultFileSystem(), dir, shard, lsn, &writer).ok());
  for (const auto& [key, value, version] : entries) {
    REQUIRE(writer->Add(key, value, version).ok());
  }
  REQUIRE(writer->Finish(nullptr).ok());
}

// A closed two-shard data directory whose shard-01 has snapshots at LSN 2 and 3.
void MakeDirWithSnapshots(const std::string& dir) {
  std::unique_ptr<DataDir> data;
  REQUIRE(DataDir::Open(dir, 2, &data).ok());
  std::string snapshots = filename::ShardSnapshots(dir, 1);
  WriteSnapshot(snapshots, 1, 2, {{"user:1", "ada", 1}, {"user:2", "bob", 2}});
  WriteSnapshot(snapshots, 1, 3, {{"user:1", "ada", 1}, {"blob", std::string("a\0b\\", 4), 3}});
}

std::string NewestPath(const std::string& dir) { return filename::ShardSnapshot(dir, 1, 3); }

}  // namespace

TEST_CASE("snapshot dump prints each snapshot's header and entries with escaped bytes") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  std::string out;
  REQUIRE(DumpSnapshots(tmp.path(), 1u, /*json=*/false, &out).ok());
  std::string newest = NewestPath(tmp.path());
  std::string older = filename::ShardSnapshot(tmp.path(), 1, 2);
  CHECK(out.find("shard-01\n"
                 "  snapshot " +
                 newest +
                 "\n"
                 "    shard 1, lsn 3, created ") == 0);
  CHECK(out.find("    2 keys, 17 logical bytes, 1 blocks, ") != std::string::npos);
  CHECK(out.find("    version 1  key=user:1  value=ada\n"
                 "    version 3  key=blob  value=a\\x00b\\x5c\n"
                 "  snapshot " +
                 older + "\n") != std::string::npos);
  CHECK(out.find("    version 2  key=user:2  value=bob\n") != std::string::npos);
}

TEST_CASE("snapshot dump as JSON lists every shard with its snapshots newest first") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  std::string out;
  REQUIRE(DumpSnapshots(tmp.path(), std::nullopt, /*json=*/true, &out).ok());
  nlohmann::json doc = nlohmann::json::parse(out);
  REQUIRE(doc["shards"].size() == 2);
  CHECK(doc["shards"][0]["shard"] == "shard-00");
  CHECK(doc["shards"][0]["snapshots"].empty());
  const auto& snapshots = doc["shards"][1]["snapshots"];
  REQUIRE(snapshots.size() == 2);
  CHECK(snapshots[0]["lsn"] == 3);
  CHECK(snapshots[0]["file"] == NewestPath(tmp.path()));
  CHECK(snapshots[0]["keys"] == 2);
  CHECK(snapshots[0]["entries"][1]["value"] == "a\\x00b\\x5c");
  CHECK(snapshots[0]["entries"][1]["version"] == 3);
  CHECK(snapshots[1]["lsn"] == 2);
  CHECK_FALSE(snapshots[0].contains("error"));

  REQUIRE(DumpSnapshots(tmp.path(), 0u, /*json=*/false, &out).ok());
  CHECK(out == "shard-00\n  no snapshots\n");
}

TEST_CASE("snapshot dump of one file reads it whatever its shard") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  std::string out;
  REQUIRE(DumpSnapshotFile(NewestPath(tmp.path()), /*json=*/true, &out).ok());
  nlohmann::json doc = nlohmann::json::parse(out);
  CHECK(doc["shard"] == 1);
  CHECK(doc["entries"].size() == 2);
  REQUIRE(DumpSnapshotFile(NewestPath(tmp.path()), /*json=*/false, &out).ok());
  CHECK(out.find("snapshot " + NewestPath(tmp.path()) + "\n  shard 1, lsn 3, created ") == 0);
  CHECK(DumpSnapshotFile(tmp.Sub("missing.snap"), false, &out).IsNotFound());
}

TEST_CASE("snapshot dump shows a damaged snapshot's error with file and offset, and no entries") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  std::string path = NewestPath(tmp.path());
  std::string bytes = testing::ReadFileOrEmpty(path);
  bytes[snapshot::kHeaderSize + snapshot::kBlockHeaderSize + 3] ^= 0x20;
  testing::WriteFileOrDie(path, bytes);
  std::string out;
  Status s = DumpSnapshots(tmp.path(), 1u, /*json=*/false, &out);
  CHECK(s.IsCorruption());
  CHECK(s.message() == "snapshot corruption in " + path + " at offset 36: block checksum mismatch");
  CHECK(out.find("  ERROR: snapshot corruption in " + path + " at offset 36") != std::string::npos);
  CHECK(out.find("key=blob") == std::string::npos);  // nothing of the damaged file
  CHECK(out.find("    version 2  key=user:2  value=bob\n") != std::string::npos);  // the older one
}

TEST_CASE("snapshot dump of a shard that does not exist names the shard count") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  std::string out;
  CHECK(DumpSnapshots(tmp.path(), 7u, false, &out).message() ==
        "--shard 7 does not exist (2 shards)");
  CHECK(DumpSnapshots(tmp.Sub("nowhere"), std::nullopt, false, &out).IsNotFound());
}

TEST_CASE("warp snapshot dump exits 0 on success, 1 on a damaged file and 2 on a bad command") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  auto run = [&](const std::vector<std::string>& args, std::string* output) {
    std::vector<std::string> argv = {testing::BuiltBinary("warp"), "snapshot", "dump"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = testing::ChildProcess::Start(argv);
    REQUIRE(child != nullptr);
    int code = child->Wait(std::chrono::seconds(60));
    *output = child->output();
    return code;
  };
  std::string output;
  CHECK(run({"--data", tmp.path(), "--shard", "1"}, &output) == 0);
  CHECK(output.find("    version 3  key=blob  value=a\\x00b\\x5c\n") != std::string::npos);
  CHECK(run({"--file", NewestPath(tmp.path()), "--json"}, &output) == 0);
  CHECK(run({"--file", NewestPath(tmp.path()), "--data", tmp.path()}, &output) == 2);
  CHECK(output.find("--file PATH cannot be combined with --data or --shard") != std::string::npos);
  CHECK(run({}, &output) == 2);
  CHECK(output.find("--data DIR is required (or --file PATH)") != std::string::npos);

  std::string path = NewestPath(tmp.path());
  std::string bytes = testing::ReadFileOrEmpty(path);
  testing::WriteFileOrDie(path, bytes.substr(0, bytes.size() - 1));
  CHECK(run({"--file", path}, &output) == 1);
  CHECK(output.find("warp snapshot dump: snapshot corruption in " + path + " at offset " +
                    std::to_string(bytes.size() - 9) + ": missing end magic") != std::string::npos);
}

TEST_CASE("inspect counts each shard's snapshots and names the newest LSN") {
  testing::TempDir tmp;
  MakeDirWithSnapshots(tmp.path());
  testing::WriteFileOrDie(
      filename::ShardSnapshots(tmp.path(), 1) + "/" + filename::SnapshotFileName(9) + ".tmp",
      "unfinished");
  std::string out;
  REQUIRE(InspectDataDir(tmp.path(), /*json=*/true, &out).ok());
  nlohmann::json doc = nlohmann::json::parse(out);
  const auto& none = doc["shards"][0]["snapshots"];
  CHECK(none["count"] == 0);
  CHECK(none["newest_lsn"].is_null());
  const auto& two = doc["shards"][1]["snapshots"];
  CHECK(two["count"] == 2);
  CHECK(two["newest_lsn"] == 3);
  CHECK(two["files"] == 5);  // two snapshots, two sidecars, one tmp file
  REQUIRE(InspectDataDir(tmp.path(), /*json=*/false, &out).ok());
  CHECK(out.find(" files/" + std::to_string(two["bytes"].get<uint64_t>()) +
                 " B (2 snapshots, newest lsn 3)  cold") != std::string::npos);
  CHECK(out.find("snapshots 0 files/0 B (0 snapshots)") != std::string::npos);
}

}  // namespace warp::tools

namespace warp::tools {

TEST_CASE("snapshot dump shows an entry's expiry when it has one") {
  testing::TempDir tmp;
  std::unique_ptr<DataDir> data;
  REQUIRE(DataDir::Open(tmp.path(), 1, &data).ok());
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(DefaultFileSystem(), filename::ShardSnapshots(tmp.path(), 0), 0, 2,
                                 &writer)
              .ok());
  REQUIRE(writer->Add("session", "t", 1, 1795514460000).ok());
  REQUIRE(writer->Add("plain", "v", 2).ok());
  REQUIRE(writer->Finish(nullptr).ok());
  std::string text;
  REQUIRE(DumpSnapshots(tmp.path(), 0u, /*json=*/false, &text).ok());
  CHECK(text.find("    version 1  key=session  expire_at_ms=1795514460000  value=t\n"
                  "    version 2  key=plain  value=v\n") != std::string::npos);
  std::string out;
  REQUIRE(DumpSnapshots(tmp.path(), 0u, /*json=*/true, &out).ok());
  const auto entries = nlohmann::json::parse(out)["shards"][0]["snapshots"][0]["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["expire_at_ms"] == 1795514460000);
  CHECK_FALSE(entries[1].contains("expire_at_ms"));
}

}  // namespace warp::tools
