#include "actors/universe_actor.h"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>

#include "store/event_horizon_cache.h"
#include "store/value_log.h"
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
    s.hot_keys = c.tier_keys[0];
    s.warm_keys = c.tier_keys[1];
    s.cold_keys = c.tier_keys[2];
    s.hot_bytes = c.tier_bytes[0];
    s.warm_bytes = c.tier_bytes[1];
    s.cold_bytes = c.tier_bytes[2];
    s.memory_bytes = c.memory_bytes;
    s.memory_budget = table.memory_budget();
    s.demoted_to_warm = c.demoted_to_warm;
    s.demoted_to_cold = c.demoted_to_cold;
    s.promoted = c.promoted;
    s.cold_reads = c.cold_reads;
    if (const ValueLog* values = table.value_log()) {
      ValueLogStats v = values->Stats();
      s.value_log_bytes = v.total_bytes;
      s.value_log_dead_bytes = v.dead_bytes;
      s.value_log_reclaimed_bytes = v.reclaimed_bytes;
      s.value_log_files_compacted = v.files_compacted;
    }
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
    t.hot_keys += s.hot_keys;
    t.warm_keys += s.warm_keys;
    t.cold_keys += s.cold_keys;
    t.hot_bytes += s.hot_bytes;
    t.warm_bytes += s.warm_bytes;
    t.cold_bytes += s.cold_bytes;
    t.memory_bytes += s.memory_bytes;
    t.memory_budget += s.memory_budget;
    t.demoted_to_warm += s.demoted_to_warm;
    t.demoted_to_cold += s.demoted_to_cold;
    t.promoted += s.promoted;
    t.cold_reads += s.cold_reads;
    t.value_log_bytes += s.value_log_bytes;
    t.value_log_dead_bytes += s.value_log_dead_bytes;
    t.value_log_reclaimed_bytes += s.value_log_reclaimed_bytes;
    t.value_log_files_compacted += s.value_log_files_compacted;
  }
  // One cache serves every shard.
  if (!context.tables().empty()) {
    if (const EventHorizonCache* cache = context.tables()[0]->cache()) {
      EventHorizonStats c = cache->Stats();
      stats.cache.capacity_bytes = c.capacity;
      stats.cache.l1_hits = c.l1_hits;
      stats.cache.l2_hits = c.l2_hits;
      stats.cache.misses = c.misses;
      stats.cache.l1_entries = c.l1_entries;
      stats.cache.l2_entries = c.l2_entries;
      stats.cache.l1_bytes = c.l1_bytes;
      stats.cache.l2_bytes = c.l2_bytes;
      stats.cache.evictions = c.l2_evictions;
    }
  }
  return stats;
}

caf::actor SpawnUniverseController(caf::actor_system& system,
                                   std::shared_ptr<ControllerContext> context) {
  return caf::actor_cast<caf::actor>(system.spawn(ControllerBehavior, std::move(context)));
}

}  // namespace warp
