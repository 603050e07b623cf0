#include "actors/universe_actor.h"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>

#include "supervision/supervisor.h"

namespace warp {

namespace {

constexpr std::chrono::seconds kTreeTimeout{5};

ActorStatus ToActorStatus(const supervision::ChildStatus& child) {
  return ActorStatus{child.path, child.state, child.restarts};
}

UniverseControllerActor::behavior_type ControllerBehavior(
    UniverseControllerActor::pointer self, std::shared_ptr<ControllerContext> context) {
  return {
      [self, context](stats_atom) -> caf::result<UniverseStats> {
        UniverseStats stats = CollectTableStats(*context);
        caf::actor root = context->root();
        if (!root) return stats;
        auto promise = self->make_response_promise<UniverseStats>();
        self->request(root, kTreeTimeout, supervision::status_tree_atom::value)
            .then(
                [promise, stats](std::vector<supervision::ChildStatus>& tree) mutable {
                  for (const auto& child : tree) stats.actors.push_back(ToActorStatus(child));
                  promise.deliver(std::move(stats));
                },
                [promise, stats](caf::error&) mutable {
                  // The tree did not answer in time: report the counters without actors, and
                  // Health() shows the missing tree as a problem.
                  promise.deliver(std::move(stats));
                });
        return promise;
      },
  };
}

}  // namespace

void ControllerContext::set_root(const caf::actor& root) {
  std::lock_guard lock(mu_);
  root_ = root.address();
}

caf::actor ControllerContext::root() const {
  std::lock_guard lock(mu_);
  return caf::actor_cast<caf::actor>(root_);
}

UniverseStats CollectTableStats(const ControllerContext& context) {
  UniverseStats stats;
  for (size_t i = 0; i < context.tables().size(); ++i) {
    const SpacetimeTable& table = *context.tables()[i];
    TableCounters c = table.Counters();
    ShardStats s;
    s.shard = static_cast<uint32_t>(i);
    s.slots = context.slots_per_shard()[i];
    s.keys = c.keys;
    s.bytes = c.bytes;
    s.reads = c.reads;
    s.writes = c.writes;
    s.deletes = c.deletes;
    s.last_lsn = c.last_lsn;
    s.ops_per_sec = table.ops_per_sec();
    s.adoptions = table.adoptions();
    ShardLogStats wal = context.logs()[i]->Stats();
    s.durable_lsn = wal.durable_lsn;
    s.wal_bytes = wal.bytes;
    s.wal_syncs = wal.syncs;
    CheckpointStats snapshot = context.checkpointers()[i]->Stats();
    s.snapshot_lsn = snapshot.snapshot_lsn;
    s.snapshot_keys = snapshot.snapshot_keys;
    s.snapshots = snapshot.taken;
    s.volatile_keys = c.volatile_keys;
    s.expired = c.expired;
    stats.shards.push_back(s);
    ShardStats& t = stats.total;
    t.shard += 1;
    t.slots += s.slots;
    t.keys += s.keys;
    t.bytes += s.bytes;
    t.reads += s.reads;
    t.writes += s.writes;
    t.deletes += s.deletes;
    t.last_lsn += s.last_lsn;
    t.ops_per_sec += s.ops_per_sec;
    t.adoptions += s.adoptions;
    t.durable_lsn += s.durable_lsn;
    t.wal_bytes += s.wal_bytes;
    t.wal_syncs += s.wal_syncs;
    t.snapshot_lsn += s.snapshot_lsn;
    t.snapshot_keys += s.snapshot_keys;
    t.snapshots += s.snapshots;
    t.volatile_keys += s.volatile_keys;
    t.expired += s.expired;
  }
  return stats;
}

caf::actor SpawnUniverseController(caf::actor_system& system,
                                   std::shared_ptr<ControllerContext> context) {
  return caf::actor_cast<caf::actor>(system.spawn(ControllerBehavior, std::move(context)));
}

}  // namespace warp
