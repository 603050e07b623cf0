// Key expiry, atomic read-modify-write (Update) and durability callbacks (OnDurable) through
// the public API. The wall clock is a ManualClock (UniverseTestPeer::UseWallClock), so that no
// test waits for real time to pass.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "engine/universe_test_peer.h"
#include "tests/engine/universe_test_util.h"
#include "tests/support/manual_clock.h"
#include "warp/universe.h"

namespace warp {

using testing::ManualClock;
using testing::SmallUniverse;
using testing::TempDir;

namespace {

constexpr int64_t kNow = ManualClock::kStart;

WriteOptions ExpiringAt(int64_t expire_at_ms) {
  WriteOptions options;
  options.expire_at_ms = expire_at_ms;
  return options;
}

// Opens `u` on `options`, judging expiry by `clock`.
void OpenWithClock(Universe& u, const Options& options, const ManualClock& clock) {
  UniverseTestPeer::UseWallClock(u, &clock);
  Status s = u.Open(options);
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// Opens a universe on `options` judged by `clock`, runs `body` on it and closes it.
void Session(const Options& options, const ManualClock& clock,
             const std::function<void(Universe&)>& body) {
  Universe u;
  OpenWithClock(u, options, clock);
  body(u);
  REQUIRE(u.Close().ok());
}

// An update that stores `value` (no expiry).
UpdateFn PutValue(std::string value) {
  return [value](const KeyState&, Mutation* m) {
    m->action = Mutation::Action::kPut;
    m->value = value;
  };
}

UpdateFn SetExpiry(int64_t expire_at_ms) {
  return [expire_at_ms](const KeyState&, Mutation* m) {
    m->action = Mutation::Action::kSetExpiry;
    m->expire_at_ms = expire_at_ms;
  };
}

// Polls Stats() until `done(total)` holds or 10 s pass (the background work has no event to
// wait on); returns the last totals.
template <class Pred>
ShardStats AwaitTotals(Universe& u, const Pred& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  ShardStats total = u.Stats().total;
  while (!done(total) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    total = u.Stats().total;
  }
  return total;
}

// OnDurable as a future, for tests.
std::future<Status> Durable(Universe& u, uint32_t shard, uint64_t lsn) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  u.OnDurable(shard, lsn, [promise](Status s) { promise->set_value(std::move(s)); });
  return future;
}

}  // namespace

TEST_CASE("a put with an expiry is read back with it and is absent once the time passes") {
  TempDir tmp;
  ManualClock clock;
  Universe u;
  OpenWithClock(u, SmallUniverse(tmp), clock);
  WriteResult w = u.Put("session", "token", ExpiringAt(kNow + 1000));
  REQUIRE(w.ok());
  CHECK(w.cosmic.expire_at_ms == kNow + 1000);
  REQUIRE(u.Put("user", "ada").ok());
  GetResult r = u.Get("session");
  REQUIRE(r.ok());
  CHECK(r.value == "token");
  CHECK(r.cosmic.expire_at_ms == kNow + 1000);
  CHECK(u.Get("user").cosmic.expire_at_ms == 0);
  CHECK(u.Stats().total.volatile_keys == 1);

  clock.Advance(1000);
  CHECK(u.Get("session").status.IsNotFound());
  CHECK(u.MultiGet({"session", "user"})[0].status.IsNotFound());
  ScanResult scan = u.Scan(Pattern::All(), 0, 10000);
  CHECK(scan.keys == std::vector<std::string>{"user"});
  CHECK_FALSE(u.Delete("session").existed);
  REQUIRE(u.Close().ok());
}

TEST_CASE("a put whose expiry has passed deletes the key and is logged as a delete") {
  TempDir tmp;
  ManualClock clock;
  Options options = SmallUniverse(tmp, 1);
  Session(options, clock, [](Universe& u) {
    REQUIRE(u.Put("k", "v").ok());
    WriteResult w = u.Put("k", "new", ExpiringAt(kNow));
    REQUIRE(w.ok());
    CHECK(w.cosmic.version == 2);  // the delete's LSN
    CHECK(w.cosmic.expire_at_ms == 0);
    CHECK(u.Get("k").status.IsNotFound());
    WriteResult missing = u.Put("absent", "v", ExpiringAt(kNow - 60000));
    REQUIRE(missing.ok());
    CHECK(missing.cosmic.version == 0);  // nothing to delete: nothing logged
    ShardStats total = u.Stats().total;
    CHECK(total.deletes == 1);
    CHECK(total.keys == 0);
    CHECK(total.last_lsn == 2);
  });
  Universe again;
  OpenWithClock(again, options, clock);
  CHECK(again.Get("k").status.IsNotFound());
  CHECK(again.Stats().total.last_lsn == 2);
}

TEST_CASE("active expiry removes expired keys in the background and stats count them") {
  TempDir tmp;
  ManualClock clock;
  Universe u;
  OpenWithClock(u, SmallUniverse(tmp, 2), clock);
  for (int i = 0; i < 300; ++i) {
    std::string key = "k" + std::to_string(i);
    WriteOptions options = ExpiringAt(i % 3 == 0 ? 0 : (i % 3 == 1 ? kNow + 100 : kNow + 100000));
    REQUIRE(u.Put(key, "v", options).ok());
  }
  ShardStats before = u.Stats().total;
  CHECK(before.volatile_keys == 200);
  CHECK(before.expired == 0);
  clock.Advance(100);
  ShardStats after = AwaitTotals(u, [](const ShardStats& t) { return t.expired >= 100; });
  CHECK(after.expired == 100);
  CHECK(after.keys == 200);
  CHECK(after.volatile_keys == 100);
  CHECK(after.last_lsn == before.last_lsn);  // nothing was logged
  CHECK(after.deletes == 0);
  UniverseStats stats = u.Stats();
  uint64_t per_shard = 0;
  for (const ShardStats& s : stats.shards) per_shard += s.expired;
  CHECK(per_shard == 100);
  REQUIRE(u.Close().ok());
}

TEST_CASE("an update reports what it did and setting the expiry of a missing key is refused") {
  TempDir tmp;
  ManualClock clock;
  Universe u;
  OpenWithClock(u, SmallUniverse(tmp), clock);
  WriteResult refused = u.Update("missing", SetExpiry(kNow + 10));
  CHECK(refused.status.IsInvalidArgument());
  CHECK(refused.cosmic.version == 0);

  WriteResult created = u.Update("k", PutValue("1"));
  REQUIRE(created.ok());
  CHECK_FALSE(created.existed);
  CHECK(created.cosmic.version > 0);
  WriteResult expiring = u.Update("k", SetExpiry(kNow + 5000));
  REQUIRE(expiring.ok());
  CHECK(expiring.existed);
  CHECK(expiring.cosmic.version == created.cosmic.version + 1);
  CHECK(expiring.cosmic.expire_at_ms == kNow + 5000);

  std::string seen;
  int64_t seen_expiry = 0;
  WriteResult kept = u.Update("k", [&](const KeyState& current, Mutation* m) {
    seen.assign(current.value.data(), current.value.size());
    seen_expiry = current.expire_at_ms;
    m->action = Mutation::Action::kKeep;
  });
  REQUIRE(kept.ok());
  CHECK(kept.existed);
  CHECK(kept.cosmic.version == 0);
  CHECK(kept.cosmic.expire_at_ms == kNow + 5000);
  CHECK(seen == "1");
  CHECK(seen_expiry == kNow + 5000);
  CHECK(u.Stats().total.last_lsn == expiring.cosmic.version);

  GetResult r = u.Get("k");
  CHECK(r.cosmic.version == created.cosmic.version);  // an expiry change keeps the value's
  CHECK(r.cosmic.expire_at_ms == kNow + 5000);
  REQUIRE(u.Close().ok());
}

TEST_CASE("concurrent updates incrementing shared counters lose no increment") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);
  options.wal.fsync = FsyncPolicy::kNo;
  Universe u;
  REQUIRE(u.Open(options).ok());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 1000;
  const std::vector<std::string> counters = {"c:a", "c:b", "c:c"};
  auto increment = [](const KeyState& current, Mutation* m) {
    int64_t n = current.exists ? std::stoll(std::string(current.value)) : 0;
    m->action = Mutation::Action::kPut;
    m->value = std::to_string(n + 1);
  };
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        const std::string& key = counters[static_cast<size_t>(i + t) % counters.size()];
        if (!u.Update(key, increment).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(failures == 0);
  int64_t sum = 0;
  for (const std::string& key : counters) {
    GetResult r = u.Get(key);
    REQUIRE(r.ok());
    sum += std::stoll(r.value);
  }
  CHECK(sum == kThreads * kIncrements);
  CHECK(u.Stats().total.writes == static_cast<uint64_t>(kThreads * kIncrements));
  REQUIRE(u.Close().ok());
}

TEST_CASE("recovery drops keys whose expiry passed while closed and keeps live expiries") {
  TempDir tmp;
  ManualClock clock;
  Options options = SmallUniverse(tmp, 2);
  Session(options, clock, [](Universe& u) {
    REQUIRE(u.Put("short", "1", ExpiringAt(kNow + 1000)).ok());
    REQUIRE(u.Put("long", "2", ExpiringAt(kNow + 3600000)).ok());
    REQUIRE(u.Put("plain", "3").ok());
    REQUIRE(u.Checkpoint().ok());  // the snapshot holds the three keys with their expiries
    REQUIRE(u.Put("short-after", "4", ExpiringAt(kNow + 1000)).ok());  // in the log only
    REQUIRE(u.Put("long-after", "5", ExpiringAt(kNow + 3600000)).ok());
  });
  clock.Advance(60000);
  Universe u;
  OpenWithClock(u, options, clock);
  CHECK(u.Get("short").status.IsNotFound());
  CHECK(u.Get("short-after").status.IsNotFound());
  GetResult r = u.Get("long");
  REQUIRE(r.ok());
  CHECK(r.cosmic.expire_at_ms == kNow + 3600000);
  CHECK(u.Get("long-after").cosmic.expire_at_ms == kNow + 3600000);
  CHECK(u.Get("plain").cosmic.expire_at_ms == 0);
  ShardStats total = u.Stats().total;
  CHECK(total.keys == 3);  // dropped, not merely hidden
  CHECK(total.volatile_keys == 2);
  REQUIRE(u.Close().ok());
}

TEST_CASE("a key made persistent after a checkpoint survives a reopen past its old expiry") {
  TempDir tmp;
  ManualClock clock;
  Options options = SmallUniverse(tmp, 1);
  Session(options, clock, [](Universe& u) {
    REQUIRE(u.Put("kept", "v", ExpiringAt(kNow + 1000)).ok());
    REQUIRE(u.Put("extended", "v", ExpiringAt(kNow + 1000)).ok());
    REQUIRE(u.Checkpoint().ok());  // both saved with the old expiry
    REQUIRE(u.Update("kept", SetExpiry(0)).ok());
    REQUIRE(u.Update("extended", SetExpiry(kNow + 3600000)).ok());
  });
  clock.Advance(5000);  // past the old expiry, which the snapshot still holds
  Universe u;
  OpenWithClock(u, options, clock);
  GetResult kept = u.Get("kept");
  REQUIRE(kept.ok());
  CHECK(kept.cosmic.expire_at_ms == 0);
  GetResult extended = u.Get("extended");
  REQUIRE(extended.ok());
  CHECK(extended.cosmic.expire_at_ms == kNow + 3600000);
  REQUIRE(u.Close().ok());
}

TEST_CASE("OnDurable reports a write that did not wait under every fsync policy") {
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kEverySec, FsyncPolicy::kNo}) {
    TempDir tmp;
    Options options = SmallUniverse(tmp, 2);
    options.wal.fsync = policy;
    Universe u;
    REQUIRE(u.Open(options).ok());
    WriteOptions no_wait;
    no_wait.wait_for_sync = false;
    std::vector<std::future<Status>> pending;
    std::vector<Cosmic> written;
    for (int i = 0; i < 50; ++i) {
      std::string key = "k" + std::to_string(i);
      WriteResult w = i % 5 == 4 ? u.Delete("k" + std::to_string(i - 1), no_wait)
                                 : (i % 5 == 3 ? u.Update(key, PutValue("u"), no_wait)
                                               : u.Put(key, "v", no_wait));
      REQUIRE(w.ok());
      pending.push_back(Durable(u, w.cosmic.shard, w.cosmic.version));
      written.push_back(w.cosmic);
    }
    for (auto& f : pending) {
      REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
      CHECK(f.get().ok());
    }
    UniverseStats stats = u.Stats();
    for (const Cosmic& c : written) CHECK(stats.shards[c.shard].durable_lsn >= c.version);
    REQUIRE(u.Close().ok());
  }
}

TEST_CASE("OnDurable completes at Close and answers Unavailable when it cannot be kept") {
  TempDir tmp;
  Universe u;
  REQUIRE(u.Open(SmallUniverse(tmp, 2)).ok());
  CHECK(Durable(u, 0, 0).get().ok());             // LSN 0 counts as durable
  CHECK(Durable(u, 7, 1).get().IsUnavailable());  // no such shard
  WriteResult w = u.Put("k", "v");
  REQUIRE(w.ok());
  std::future<Status> beyond = Durable(u, w.cosmic.shard, w.cosmic.version + 1000);
  CHECK(beyond.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  REQUIRE(u.Close().ok());
  REQUIRE(beyond.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(beyond.get().IsUnavailable());
  CHECK(Durable(u, w.cosmic.shard, w.cosmic.version).get().IsUnavailable());  // closed
}

}  // namespace warp
