// The engine's supervision tree in action: shard actors crash and come back without losing
// their tables, and the rest of the tree does not notice.

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "engine/universe_test_peer.h"
#include "supervision/supervisor.h"
#include "tests/engine/universe_test_util.h"
#include "warp/universe.h"

namespace warp {

namespace {

constexpr auto kTimeout = std::chrono::seconds(5);

// The current handle of child `id` of `supervisor`, or an invalid handle if it is not running.
caf::actor ChildOf(caf::scoped_actor& self, const caf::actor& supervisor, const std::string& id) {
  caf::actor child;
  self->request(supervisor, kTimeout, supervision::get_child_atom::value, id)
      .receive([&](caf::actor& handle) { child = std::move(handle); }, [](caf::error&) {});
  return child;
}

// Waits (bounded in count) until child `id` runs under a handle other than `old`.
caf::actor AwaitRestarted(caf::scoped_actor& self, const caf::actor& supervisor,
                          const std::string& id, const caf::actor& old) {
  for (int i = 0; i < 20000; ++i) {
    caf::actor now = ChildOf(self, supervisor, id);
    if (now && now != old) return now;
  }
  return caf::actor{};
}

uint32_t IncarnationOf(caf::scoped_actor& self, const caf::actor& shard) {
  uint32_t incarnation = 0;
  self->request(shard, kTimeout, caf::get_atom::value)
      .receive([&](uint32_t n) { incarnation = n; }, [](caf::error&) {});
  return incarnation;
}

// Kills `victim` and waits for its down message.
void Crash(caf::scoped_actor& self, const caf::actor& victim) {
  self->monitor(victim);
  caf::anon_send_exit(victim, caf::exit_reason::kill);
  bool down = false;
  self->receive([&](caf::down_msg& m) { down = m.source == victim.address(); },
                caf::after(kTimeout) >> [] {});
  REQUIRE(down);
}

}  // namespace

TEST_CASE("a crashed shard actor is restarted, re-adopts its table and loses no key") {
  testing::TempDir tmp;
  Universe u;
  REQUIRE(u.Open(testing::SmallUniverse(tmp)).ok());
  for (int i = 0; i < 1000; ++i)
    REQUIRE(u.Put("key:" + std::to_string(i), "v" + std::to_string(i)).ok());

  // A writer keeps going while the shard actor dies: the hot path does not need the actor.
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load() && i < 1000000; ++i) {
      REQUIRE(u.Put("live:" + std::to_string(i), std::to_string(i)).ok());
      acked = i + 1;
    }
  });

  caf::scoped_actor self{UniverseTestPeer::System(u)};
  caf::actor storage = ChildOf(self, UniverseTestPeer::Root(u), "storage");
  REQUIRE(storage);
  caf::actor victim = ChildOf(self, storage, "shard-02");
  REQUIRE(victim);
  CHECK(IncarnationOf(self, victim) == 1);
  Crash(self, victim);
  caf::actor reborn = AwaitRestarted(self, storage, "shard-02", victim);
  REQUIRE(reborn);
  CHECK(IncarnationOf(self, reborn) == 2);
  stop = true;
  writer.join();

  for (int i = 0; i < 1000; ++i) {
    GetResult r = u.Get("key:" + std::to_string(i));
    REQUIRE(r.ok());
    CHECK(r.value == "v" + std::to_string(i));
  }
  for (int i = 0; i < acked.load(); ++i) REQUIRE(u.Get("live:" + std::to_string(i)).ok());

  UniverseStats stats = u.Stats();
  for (const ShardStats& shard : stats.shards)
    CHECK(shard.adoptions == (shard.shard == 2 ? 2u : 1u));
  for (const ActorStatus& actor : u.Health().actors) {
    INFO(actor.path);
    CHECK(actor.state == "running");
    CHECK(actor.restarts == (actor.path == "root/storage/shard-02" ? 1u : 0u));
  }
}

TEST_CASE("a crashed universe controller is restarted and stats keep working") {
  testing::TempDir tmp;
  Universe u;
  REQUIRE(u.Open(testing::SmallUniverse(tmp, 2)).ok());
  REQUIRE(u.Put("k", "v").ok());
  caf::scoped_actor self{UniverseTestPeer::System(u)};
  caf::actor root = UniverseTestPeer::Root(u);
  caf::actor controller = ChildOf(self, root, "universe");
  REQUIRE(controller);
  Crash(self, controller);
  REQUIRE(AwaitRestarted(self, root, "universe", controller));
  UniverseStats stats = u.Stats();
  CHECK(stats.total.keys == 1);
  REQUIRE(stats.actors.size() == 7);  // universe, storage, 2 shards, 2 WAL writers, snapshotter
  CHECK(stats.actors[0].path == "root/universe");
  CHECK(stats.actors[0].restarts == 1);
}

TEST_CASE("shard crashes beyond the restart intensity escalate and the storage tree restarts") {
  testing::TempDir tmp;
  Options options = testing::SmallUniverse(tmp, 2);
  options.supervision.max_restarts = 1;
  options.supervision.period_ms = 60000;
  Universe u;
  REQUIRE(u.Open(options).ok());
  REQUIRE(u.Put("survivor", "yes").ok());
  caf::scoped_actor self{UniverseTestPeer::System(u)};
  caf::actor root = UniverseTestPeer::Root(u);
  caf::actor storage = ChildOf(self, root, "storage");
  REQUIRE(storage);
  caf::actor first = ChildOf(self, storage, "shard-00");
  Crash(self, first);
  caf::actor second = AwaitRestarted(self, storage, "shard-00", first);
  REQUIRE(second);
  // The second crash within the period exceeds max_restarts = 1: storage gives up, the root
  // restarts the whole storage subtree, and every shard adopts its table again.
  self->monitor(storage);
  caf::anon_send_exit(second, caf::exit_reason::kill);
  bool storage_down = false;
  for (int i = 0; i < 10 && !storage_down; ++i) {
    self->receive([&](caf::down_msg& m) { storage_down = m.source == storage.address(); },
                  caf::after(kTimeout) >> [] {});
  }
  REQUIRE(storage_down);
  caf::actor new_storage = AwaitRestarted(self, root, "storage", storage);
  REQUIRE(new_storage);
  REQUIRE(AwaitRestarted(self, new_storage, "shard-01", caf::actor{}));
  CHECK(u.Get("survivor").value == "yes");
  bool storage_restarted = false;
  for (const ActorStatus& actor : u.Health().actors) {
    if (actor.path == "root/storage") storage_restarted = actor.restarts == 1;
  }
  CHECK(storage_restarted);
}

}  // namespace warp
