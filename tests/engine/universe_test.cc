#include "warp/universe.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "store/slot_router.h"
#include "tests/engine/universe_test_util.h"

namespace warp {

using testing::SmallUniverse;
using testing::TempDir;

TEST_CASE("a value put is read back with the shard, slot and version that stored it") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  WriteResult w = u.Put("user:1", "ada");
  REQUIRE(w.ok());
  GetResult r = u.Get("user:1");
  REQUIRE(r.ok());
  CHECK(r.value == "ada");
  uint32_t slot = SlotOfKey("user:1");
  CHECK(r.cosmic.slot == slot);
  CHECK(r.cosmic.shard == SlotTable::Even(4).ShardOf(slot));
  CHECK(w.cosmic.shard == r.cosmic.shard);
  CHECK(r.cosmic.tier == Tier::kHot);
  CHECK(r.cosmic.version == w.cosmic.version);
  CHECK(r.cosmic.latency_ns > 0);
  WriteResult again = u.Put("user:1", "grace");
  CHECK(again.cosmic.version == w.cosmic.version + 1);
  CHECK(u.Get("user:1").value == "grace");
}

TEST_CASE("the buffer form of Get reuses the caller's string and reports the same metadata") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  WriteResult w = u.Put("k", std::string(100, 'x'));
  std::string value(200, 'y');
  const char* buffer = value.data();
  Cosmic cosmic;
  REQUIRE(u.Get("k", &value, &cosmic).ok());
  CHECK(value == std::string(100, 'x'));
  CHECK(value.data() == buffer);
  CHECK(cosmic.version == w.cosmic.version);
  CHECK(cosmic.shard == w.cosmic.shard);
  CHECK(u.Get("missing", &value).IsNotFound());
}

TEST_CASE("getting a missing key is NotFound") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  GetResult r = u.Get("nope");
  CHECK(r.status.IsNotFound());
  CHECK(r.value.empty());
}

TEST_CASE("delete removes a key and tells whether it existed") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  REQUIRE(u.Put("k", "v").ok());
  WriteResult d = u.Delete("k");
  CHECK(d.ok());
  CHECK(d.existed);
  CHECK(d.cosmic.version > 0);
  CHECK(u.Get("k").status.IsNotFound());
  WriteResult again = u.Delete("k");
  CHECK(again.ok());
  CHECK_FALSE(again.existed);
}

TEST_CASE("MultiGet answers one result per key in the order asked") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  REQUIRE(u.Put("a", "1").ok());
  REQUIRE(u.Put("c", "3").ok());
  std::vector<GetResult> results = u.MultiGet({"c", "b", "a"});
  REQUIRE(results.size() == 3);
  CHECK(results[0].value == "3");
  CHECK(results[1].status.IsNotFound());
  CHECK(results[2].value == "1");
}

// Runs a whole cursor iteration and returns every key it produced (duplicates kept).
std::multiset<std::string> ScanAll(Universe& u, const Pattern& pattern, size_t count) {
  std::multiset<std::string> keys;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    ScanResult batch = u.Scan(pattern, cursor, count);
    REQUIRE(batch.ok());
    keys.insert(batch.keys.begin(), batch.keys.end());
    cursor = batch.next_cursor;
    REQUIRE(++calls < 100000);
  } while (cursor != 0);
  return keys;
}

TEST_CASE("prefix and glob scans return every matching key exactly once") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  for (int i = 0; i < 500; ++i) REQUIRE(u.Put("user:" + std::to_string(i), "v").ok());
  for (int i = 0; i < 100; ++i) REQUIRE(u.Put("order:" + std::to_string(i), "v").ok());
  std::multiset<std::string> users = ScanAll(u, Pattern::Prefix("user:"), 7);
  CHECK(users.size() == 500);
  CHECK(std::set<std::string>(users.begin(), users.end()).size() == 500);
  std::multiset<std::string> glob = ScanAll(u, Pattern::Glob("user:1?"), 1000);
  CHECK(glob == std::multiset<std::string>{"user:10", "user:11", "user:12", "user:13", "user:14",
                                           "user:15", "user:16", "user:17", "user:18", "user:19"});
  CHECK(ScanAll(u, Pattern::All(), 50).size() == 600);
}

TEST_CASE("a scan returns keys present throughout exactly once while other keys churn") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  for (int i = 0; i < 2000; ++i) REQUIRE(u.Put("stable:" + std::to_string(i), "v").ok());
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    for (int i = 0; !stop.load() && i < 2000000; ++i) {
      std::string key = "churn:" + std::to_string(i % 3000);
      if (i % 2)
        (void)u.Put(key, "x");
      else
        (void)u.Delete(key);
    }
  });
  std::multiset<std::string> seen = ScanAll(u, Pattern::Prefix("stable:"), 5);
  stop = true;
  churn.join();
  CHECK(seen.size() == 2000);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 2000);
}

TEST_CASE("operations on a closed universe return Unavailable and it can be opened again") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  REQUIRE(u.Put("k", "v").ok());
  REQUIRE(u.Close().ok());
  CHECK_FALSE(u.IsOpen());
  CHECK(u.Get("k").status.IsUnavailable());
  CHECK(u.Put("k", "v").status.IsUnavailable());
  CHECK(u.Delete("k").status.IsUnavailable());
  CHECK(u.Scan(Pattern::All()).status.IsUnavailable());
  CHECK(u.Close().ok());  // idempotent
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  CHECK(u.Put("k2", "v2").ok());
  CHECK(u.Get("k2").value == "v2");
}

TEST_CASE("opening an open universe again is refused") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  Status s = u.Open(SmallUniverse(tmp));
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "the universe is already open");
}

TEST_CASE("a second universe on a directory in use is told which pid holds it") {
  TempDir tmp;
  Universe first, second;
  REQUIRE(first.Open(SmallUniverse(tmp)).ok());
  Status s = second.Open(SmallUniverse(tmp));
  CHECK(s.IsBusy());
  CHECK(s.message() == "data directory " + tmp.Sub("data") + " is locked by pid " +
                           std::to_string(::getpid()) + " (" + tmp.Sub("data") + "/LOCK)");
  REQUIRE(first.Close().ok());
  CHECK(second.Open(SmallUniverse(tmp)).ok());
}

TEST_CASE("reopening a directory with another shard count is refused") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp, 4)).ok());
  REQUIRE(u.Close().ok());
  Status s = u.Open(SmallUniverse(tmp, 2));
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("was created with 4 shards but the configuration asks for 2") !=
        std::string::npos);
}

TEST_CASE("an Open that fails after taking the directory is not reported as a crash") {
  TempDir tmp;
  Options options = SmallUniverse(tmp);
  // A directory where effective.json belongs makes writing the effective config fail.
  std::filesystem::create_directories(options.data_dir + "/configuration/effective.json/x");
  Universe u;
  Status s = u.Open(options);
  CHECK(s.IsIOError());
  CHECK(s.message().find("effective.json") != std::string::npos);
  std::filesystem::remove_all(options.data_dir + "/configuration/effective.json");
  REQUIRE(u.Open(options).ok());
  CHECK_FALSE(u.Health().recovered_from_crash);
}

TEST_CASE("invalid options are rejected before the data directory is created") {
  TempDir tmp;
  Options options = SmallUniverse(tmp);
  options.shards = 257;
  Universe u;
  Status s = u.Open(options);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "shards: 257 is out of range [0, 256]");
  CHECK_FALSE(std::filesystem::exists(options.data_dir));
}

TEST_CASE("opening from a YAML file uses its settings and names the file and line on error") {
  TempDir tmp;
  std::string good = tmp.Sub("good.yaml");
  testing::WriteFileOrDie(good,
                          "data_dir: " + tmp.Sub("yaml-data") + "\nshards: 2\nlog_level: warn\n");
  Universe u;
  REQUIRE(u.Open(good).ok());
  CHECK(u.options().shards == 2);
  CHECK(std::filesystem::exists(tmp.Sub("yaml-data") + "/spacetime/shard-01"));
  CHECK(testing::ReadFileOrEmpty(tmp.Sub("yaml-data") + "/configuration/effective.json")
            .find("\"shards\": 2") != std::string::npos);
  REQUIRE(u.Close().ok());

  std::string bad = tmp.Sub("bad.yaml");
  testing::WriteFileOrDie(bad, "shards: 2\nwal:\n  fsync: sometimes\n");
  Status s = u.Open(bad);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() ==
        bad + ":3: wal.fsync: expected one of always, everysec, no, got 'sometimes'");
}

TEST_CASE("stats count keys, bytes and operations per shard and in total") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());
  std::map<uint32_t, uint64_t> keys_per_shard;
  for (int i = 0; i < 100; ++i) {
    std::string key = "key:" + std::to_string(i);
    WriteResult w = u.Put(key, "0123456789");
    REQUIRE(w.ok());
    keys_per_shard[w.cosmic.shard]++;
  }
  for (int i = 0; i < 50; ++i) REQUIRE(u.Get("key:" + std::to_string(i)).ok());
  for (int i = 0; i < 10; ++i) REQUIRE(u.Delete("key:" + std::to_string(i)).existed);
  UniverseStats stats = u.Stats();
  REQUIRE(stats.shards.size() == 4);
  CHECK(stats.total.keys == 90);
  CHECK(stats.total.writes == 100);
  CHECK(stats.total.reads == 50);
  CHECK(stats.total.deletes == 10);
  CHECK(stats.total.slots == kSlotCount);
  uint64_t bytes = 0;
  for (int i = 10; i < 100; ++i) bytes += ("key:" + std::to_string(i)).size() + 10;
  CHECK(stats.total.bytes == bytes);
  uint64_t writes = 0;
  for (const ShardStats& shard : stats.shards) {
    CHECK(shard.writes == keys_per_shard[shard.shard]);
    CHECK(shard.slots == kSlotCount / 4);
    CHECK(shard.adoptions == 1);
    writes += shard.writes;
  }
  CHECK(writes == 100);
}

TEST_CASE("shard actors sample each shard's load into ops per second") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp)).ok());  // stats_interval_ms = 50
  std::atomic<bool> stop{false};
  std::thread load([&] {
    for (int i = 0; !stop.load() && i < 50000000; ++i)
      (void)u.Put("k" + std::to_string(i % 64), "v");
  });
  // Wait for a sampling tick to publish a rate: bounded by count, driven by the ticks.
  double rate = 0;
  for (int i = 0; i < 200000 && rate == 0; ++i) rate = u.Stats().total.ops_per_sec;
  stop = true;
  load.join();
  CHECK(rate > 0);
}

TEST_CASE("health lists every actor of the supervision tree as running") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp, 2)).ok());
  warp::Health health = u.Health();
  CHECK(health.level == HealthLevel::kHealthy);
  CHECK(health.problems.empty());
  CHECK(health.data_dir == tmp.Sub("data"));
  CHECK(health.shards == 2);
  CHECK_FALSE(health.recovered_from_crash);
  std::vector<std::string> paths;
  for (const ActorStatus& actor : health.actors) {
    paths.push_back(actor.path);
    CHECK(actor.state == "running");
    CHECK(actor.restarts == 0);
  }
  CHECK(paths == std::vector<std::string>{"root/universe", "root/storage", "root/storage/shard-00",
                                          "root/storage/shard-01", "root/storage/wal-00",
                                          "root/storage/wal-01", "root/storage/snapshotter"});
  REQUIRE(u.Close().ok());
  CHECK(u.Health().level == HealthLevel::kDown);
}

}  // namespace warp
