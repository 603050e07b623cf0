// Persistence through the public API: the WAL, snapshots and recovery of DESIGN.md section 4.
// Process crashes (kill -9) are tested in tests/integration/crash_recovery_test.cc; here a
// fault-injecting file system stands in for power loss and failing disks.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine/universe_test_peer.h"
#include "store/filename.h"
#include "tests/engine/universe_test_util.h"
#include "tests/support/fault_injection.h"
#include "wal/wal_format.h"
#include "warp/universe.h"

namespace warp {

using testing::SmallUniverse;
using testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The WAL segments of one shard, oldest first.
std::vector<std::string> Segments(const Options& options, uint32_t shard) {
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(filename::ShardWal(options.data_dir, shard))) {
    uint64_t first = 0;
    if (wal::ParseSegmentFileName(entry.path().filename().string(), &first)) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

size_t CountSnapshots(const Options& options, uint32_t shard) {
  size_t n = 0;
  for (const auto& entry :
       fs::directory_iterator(filename::ShardSnapshots(options.data_dir, shard))) {
    if (entry.path().extension() == ".snap") ++n;
  }
  return n;
}

std::string Value(int i, int generation) {
  return "value-" + std::to_string(i) + "-" + std::to_string(generation) + std::string(40, 'x');
}

}  // namespace

TEST_CASE("puts and deletes survive a close and reopen with their versions") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);
  std::map<std::string, uint64_t> versions;
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    for (int i = 0; i < 500; ++i) {
      WriteResult w = u.Put("key:" + std::to_string(i), Value(i, 0));
      REQUIRE(w.ok());
      versions["key:" + std::to_string(i)] = w.cosmic.version;
    }
    for (int i = 0; i < 500; i += 5) REQUIRE(u.Delete("key:" + std::to_string(i)).existed);
    REQUIRE(u.Close().ok());
  }
  Universe u;
  REQUIRE(u.Open(options).ok());
  for (int i = 0; i < 500; ++i) {
    std::string key = "key:" + std::to_string(i);
    GetResult r = u.Get(key);
    if (i % 5 == 0) {
      CHECK(r.status.IsNotFound());
    } else {
      REQUIRE(r.ok());
      CHECK(r.value == Value(i, 0));
      CHECK(r.cosmic.version == versions[key]);
    }
  }
  // LSNs continue where the log ended: a new write is numbered above every recovered one.
  UniverseStats before = u.Stats();
  WriteResult w = u.Put("key:1", "new");
  CHECK(w.cosmic.version == before.shards[w.cosmic.shard].last_lsn + 1);
  CHECK(u.Health().notices.empty());
}

TEST_CASE("SyncShard makes a write that did not wait durable on the caller's thread") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);
  options.wal.fsync = FsyncPolicy::kAlways;
  testing::FaultInjectionFileSystem fs(DefaultFileSystem());
  Universe universe;
  UniverseTestPeer::UseFileSystem(universe, &fs);
  REQUIRE(universe.Open(options).ok());
  WriteOptions no_wait;
  no_wait.wait_for_sync = false;
  WriteResult w = universe.Put("k", "v", no_wait);
  REQUIRE(w.ok());
  uint32_t shard = w.cosmic.shard;
  CHECK(universe.Stats().shards[shard].durable_lsn < w.cosmic.version);
  CHECK(universe.SyncShard(shard, w.cosmic.version).ok());
  CHECK(universe.Stats().shards[shard].durable_lsn >= w.cosmic.version);
  // Already durable: no fsync, even one that would fail.
  fs.FailNextSync();
  CHECK(universe.SyncShard(shard, w.cosmic.version).ok());
  // A failing fsync is the shard's sticky error.
  WriteResult w2 = universe.Put("k2", "v2", no_wait);
  REQUIRE(w2.ok());
  Status s = universe.SyncShard(w2.cosmic.shard, w2.cosmic.version);
  CHECK(s.IsIOError());
  CHECK(universe.SyncShard(99, 1).IsUnavailable());
  universe.Close();
}

TEST_CASE("a checkpoint snapshots every shard and reopen loads it plus the log after it") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    for (int i = 0; i < 2000; ++i) REQUIRE(u.Put("k" + std::to_string(i), Value(i, 0)).ok());
    REQUIRE(u.Checkpoint().ok());
    UniverseStats stats = u.Stats();
    CHECK(stats.total.snapshots == 2);
    CHECK(stats.total.snapshot_keys == 2000);
    CHECK(stats.shards[0].snapshot_lsn == stats.shards[0].last_lsn);
    // After the snapshot: overwrite some, delete some, add some.
    for (int i = 0; i < 2000; i += 3) REQUIRE(u.Put("k" + std::to_string(i), Value(i, 1)).ok());
    for (int i = 1; i < 2000; i += 7) REQUIRE(u.Delete("k" + std::to_string(i)).ok());
    for (int i = 2000; i < 2100; ++i) REQUIRE(u.Put("k" + std::to_string(i), Value(i, 0)).ok());
    REQUIRE(u.Close().ok());
  }
  CHECK(CountSnapshots(options, 0) == 1);
  CHECK(CountSnapshots(options, 1) == 1);
  Universe u;
  REQUIRE(u.Open(options).ok());
  for (int i = 0; i < 2100; ++i) {
    GetResult r = u.Get("k" + std::to_string(i));
    INFO("key k" << i);
    if (i < 2000 && i % 7 == 1) {
      CHECK(r.status.IsNotFound());
    } else {
      REQUIRE(r.ok());
      CHECK(r.value == Value(i, i < 2000 && i % 3 == 0 ? 1 : 0));
    }
  }
  UniverseStats stats = u.Stats();
  CHECK(stats.shards[0].snapshot_lsn > 0);  // the recovered snapshot is known
  CHECK(stats.total.keys == 2100 - 286);
}

TEST_CASE("segments wholly below a snapshot are deleted except wal.retain_segments of them") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  options.wal.segment_bytes = 1 << 20;
  options.wal.retain_segments = 1;
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::string value(1000, 'v');
  for (int i = 0; i < 5000; ++i) REQUIRE(u.Put("k" + std::to_string(i % 100), value).ok());
  size_t before = Segments(options, 0).size();
  REQUIRE(before >= 5);  // 5 MB of records in 1 MiB segments
  REQUIRE(u.Checkpoint().ok());
  // The segment being written stays, plus one retained below the snapshot.
  CHECK(Segments(options, 0).size() == 2);
  REQUIRE(u.Close().ok());
  REQUIRE(u.Open(options).ok());
  CHECK(u.Stats().total.keys == 100);
  CHECK(u.Get("k99").value == value);
}

TEST_CASE("a torn record at the end of the log is cut off and reported in health") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    for (int i = 0; i < 10; ++i) REQUIRE(u.Put("k" + std::to_string(i), "v").ok());
    REQUIRE(u.Close().ok());
  }
  std::string last = Segments(options, 0).back();
  uint64_t good_size = fs::file_size(last);
  {
    std::ofstream out(last, std::ios::app | std::ios::binary);
    out << std::string("\x12\x34\x56\x78\x40\x00\x00\x00\x01", 9);  // half a record header
  }
  Universe u;
  REQUIRE(u.Open(options).ok());
  CHECK(u.Stats().total.keys == 10);
  warp::Health health = u.Health();
  CHECK(health.level == HealthLevel::kHealthy);
  REQUIRE(health.notices.size() == 1);
  CHECK(health.notices[0].find("torn WAL tail truncated: " + last + " at offset " +
                               std::to_string(good_size)) != std::string::npos);
  CHECK(fs::file_size(last) == good_size);
}

TEST_CASE("a bad record followed by valid ones refuses to open and names the file and offset") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    for (int i = 0; i < 10; ++i) REQUIRE(u.Put("k" + std::to_string(i), "value").ok());
    REQUIRE(u.Close().ok());
  }
  std::string segment = Segments(options, 0).back();
  uint64_t offset = wal::kSegmentHeaderSize + 3 * (wal::kRecordHeaderSize + 9);
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset + wal::kRecordHeaderSize + 2));
    f.put('#');  // inside the 4th record's key
  }
  Universe u;
  Status s = u.Open(options);
  REQUIRE(s.IsCorruption());
  CHECK(s.message().find(segment + " at offset " + std::to_string(offset)) != std::string::npos);
  CHECK(s.message().find("warp repair --data " + options.data_dir) != std::string::npos);
  CHECK_FALSE(u.IsOpen());
}

TEST_CASE("under fsync always a put returns only after its record is fsynced") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  options.wal.fsync = FsyncPolicy::kAlways;
  testing::FaultInjectionFileSystem faulty(DefaultFileSystem());
  Universe u;
  UniverseTestPeer::UseFileSystem(u, &faulty);
  REQUIRE(u.Open(options).ok());
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!u.Put("t" + std::to_string(t) + ":" + std::to_string(i), Value(i, t)).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  REQUIRE(failures == 0);
  UniverseStats stats = u.Stats();
  CHECK(stats.total.durable_lsn == 400);
  CHECK(stats.total.wal_syncs <= 400);  // group commit: never more fsyncs than writes
  // Power loss: whatever was not fsynced is gone; every acknowledged write was.
  REQUIRE(faulty.DropUnsyncedData().ok());
  REQUIRE(u.Close().ok());
  Universe after;
  REQUIRE(after.Open(options).ok());
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 50; ++i) {
      CHECK(after.Get("t" + std::to_string(t) + ":" + std::to_string(i)).value == Value(i, t));
    }
  }
}

TEST_CASE("under fsync everysec a power loss loses at most the writes of the last second") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  testing::FaultInjectionFileSystem faulty(DefaultFileSystem());
  Universe u;
  UniverseTestPeer::UseFileSystem(u, &faulty);
  REQUIRE(u.Open(options).ok());
  for (int i = 0; i < 200; ++i) REQUIRE(u.Put("old" + std::to_string(i), "v").ok());
  // The WAL writer fsyncs once a second: wait (bounded) until it has covered the old writes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (u.Stats().total.durable_lsn < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(u.Stats().total.durable_lsn >= 200);
  for (int i = 0; i < 200; ++i) REQUIRE(u.Put("new" + std::to_string(i), "v").ok());
  REQUIRE(faulty.DropUnsyncedData().ok());
  REQUIRE(u.Close().ok());
  Universe after;
  REQUIRE(after.Open(options).ok());
  for (int i = 0; i < 200; ++i) CHECK(after.Get("old" + std::to_string(i)).ok());
  // The new writes form a prefix of what was written: no hole in the middle of the log.
  int present = 0;
  while (present < 200 && after.Get("new" + std::to_string(present)).ok()) ++present;
  for (int i = present; i < 200; ++i) CHECK_FALSE(after.Get("new" + std::to_string(i)).ok());
}

TEST_CASE("a failed fsync makes the shard refuse writes and health reports it") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  options.wal.fsync = FsyncPolicy::kAlways;
  testing::FaultInjectionFileSystem faulty(DefaultFileSystem());
  Universe u;
  UniverseTestPeer::UseFileSystem(u, &faulty);
  REQUIRE(u.Open(options).ok());
  REQUIRE(u.Put("before", "v").ok());
  faulty.FailNextSync();
  WriteResult failed = u.Put("during", "v");
  REQUIRE(failed.status.IsIOError());
  CHECK(failed.status.message().find("the shard refuses writes") != std::string::npos);
  WriteResult later = u.Put("after", "v");
  CHECK(later.status.ToString() == failed.status.ToString());  // sticky
  CHECK(u.Get("before").ok());                                 // reads still work
  warp::Health health = u.Health();
  CHECK(health.level == HealthLevel::kDegraded);
  REQUIRE_FALSE(health.problems.empty());
  CHECK(health.problems[0] == failed.status.ToString());
}

TEST_CASE("an async put's future completes once its record is durable") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);
  options.wal.fsync = FsyncPolicy::kNo;  // nothing else syncs: the futures must ask for it
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::vector<std::future<Status>> pending;
  std::vector<Cosmic> cosmics(100);
  for (int i = 0; i < 100; ++i) {
    pending.push_back(u.PutAsync("k" + std::to_string(i), "v", &cosmics[i]));
  }
  for (auto& f : pending) {
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(f.get().ok());
  }
  UniverseStats stats = u.Stats();
  for (const Cosmic& c : cosmics) CHECK(stats.shards[c.shard].durable_lsn >= c.version);
  CHECK(u.Get("k42").value == "v");
  REQUIRE(u.Close().ok());
  std::future<Status> refused = u.PutAsync("k", "v");
  CHECK(refused.get().IsUnavailable());
}

TEST_CASE("snapshots are taken by the after_writes trigger while writers keep writing") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  options.snapshot.after_writes = 1000;
  Universe u;
  REQUIRE(u.Open(options).ok());
  int i = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (u.Stats().total.snapshots == 0 && std::chrono::steady_clock::now() < deadline) {
    for (int n = 0; n < 500; ++n, ++i)
      REQUIRE(u.Put("k" + std::to_string(i % 3000), Value(i, 0)).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(u.Stats().total.snapshots >= 1);
  REQUIRE(u.Close().ok());
  Universe after;
  REQUIRE(after.Open(options).ok());
  CHECK(after.Stats().total.keys == static_cast<uint64_t>(std::min(i, 3000)));
}

}  // namespace warp

namespace warp {

TEST_CASE("a snapshot that fails verification is renamed aside and an older one is used") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  std::string newest;
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    for (int i = 0; i < 100; ++i) REQUIRE(u.Put("k" + std::to_string(i), "one").ok());
    REQUIRE(u.Checkpoint().ok());
    for (int i = 0; i < 100; ++i) REQUIRE(u.Put("k" + std::to_string(i), "two").ok());
    REQUIRE(u.Checkpoint().ok());
    newest = filename::ShardSnapshot(options.data_dir, 0, u.Stats().shards[0].snapshot_lsn);
    for (int i = 0; i < 50; ++i) REQUIRE(u.Put("k" + std::to_string(i), "three").ok());
    REQUIRE(u.Close().ok());
  }
  REQUIRE(CountSnapshots(options, 0) == 2);
  {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);
    f.put('\x7f');  // inside the first block
  }
  Universe u;
  REQUIRE(u.Open(options).ok());  // the older snapshot plus the log after it
  for (int i = 0; i < 100; ++i)
    CHECK(u.Get("k" + std::to_string(i)).value == (i < 50 ? "three" : "two"));
  CHECK_FALSE(fs::exists(newest));
  CHECK(fs::exists(newest + ".rejected"));
  warp::Health health = u.Health();
  REQUIRE(health.notices.size() == 1);
  CHECK(health.notices[0].find("failed verification") != std::string::npos);
}

}  // namespace warp

namespace warp {

TEST_CASE("checkpoints taken while writers run recover to exactly the last written state") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);
  options.wal.segment_bytes = 1 << 20;  // rotations and segment collection during the run
  options.wal.retain_segments = 0;
  constexpr int kThreads = 3;
  constexpr int kKeysPerThread = 300;
  std::vector<std::map<std::string, std::string>> expected(kThreads);  // absent = deleted
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::atomic<uint64_t> writes{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        // Catch2 assertions are not thread-safe: count failures here, check them after join.
        for (int i = 0; !stop && i < 200000; ++i) {
          std::string key = "t" + std::to_string(t) + ":" + std::to_string(i % kKeysPerThread);
          if (i % 11 == 5) {
            if (!u.Delete(key).ok()) ++failures;
            expected[t].erase(key);
          } else {
            std::string value = Value(i, t) + std::string(i % 700, 'p');
            if (!u.Put(key, value).ok()) ++failures;
            expected[t][key] = value;
          }
          ++writes;
        }
      });
    }
    for (int c = 0; c < 5; ++c) {
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      REQUIRE(u.Checkpoint().ok());
    }
    stop = true;
    for (auto& w : writers) w.join();
    REQUIRE(failures == 0);
    INFO(writes << " writes");
    UniverseStats stats = u.Stats();
    CHECK(stats.total.snapshots >= 2);
    CHECK(writes > 10000);  // the checkpoints really ran while writes went on
    REQUIRE(u.Close().ok());
  }
  Universe after;
  REQUIRE(after.Open(options).ok());
  uint64_t present = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kKeysPerThread; ++k) {
      std::string key = "t" + std::to_string(t) + ":" + std::to_string(k);
      GetResult r = after.Get(key);
      auto it = expected[t].find(key);
      INFO(key);
      if (it == expected[t].end()) {
        CHECK(r.status.IsNotFound());
      } else {
        REQUIRE(r.ok());
        CHECK(r.value == it->second);
        ++present;
      }
    }
  }
  CHECK(after.Stats().total.keys == present);
}

}  // namespace warp

namespace warp {

TEST_CASE("a shard with new writes is snapshotted when snapshot.interval_s has passed") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 1);
  options.snapshot.after_writes = 0;  // time only
  options.snapshot.interval_s = 1;
  Universe u;
  REQUIRE(u.Open(options).ok());
  REQUIRE(u.Put("k", "v").ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (u.Stats().total.snapshots == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  UniverseStats stats = u.Stats();
  REQUIRE(stats.total.snapshots == 1);
  CHECK(stats.shards[0].snapshot_lsn == 1);
  // Without new writes the next interval takes no snapshot.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(u.Stats().total.snapshots == 1);
}

}  // namespace warp
