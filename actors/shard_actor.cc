#include "actors/shard_actor.h"

#include <caf/actor_cast.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "common/log.h"
#include "store/filename.h"

namespace warp {

namespace {

struct ShardState {
  std::shared_ptr<SpacetimeTable> table;
  std::chrono::milliseconds interval{1000};
  std::chrono::steady_clock::time_point next_tick;
  std::chrono::steady_clock::time_point last_sample;
  uint64_t last_ops = 0;
  uint32_t incarnation = 0;
  static inline const char* name = "spacetime_shard";
};

uint64_t TotalOps(const TableCounters& c) { return c.reads + c.writes + c.deletes; }

// One tick of active expiry (see the header): batches of a few lock holds each, so the time
// check runs often.
void ExpireTick(ShardState& st) {
  constexpr size_t kBatch = 4 * SpacetimeTable::kExpireEntriesPerLock;
  auto start = std::chrono::steady_clock::now();
  size_t examined = 0;
  for (;;) {
    ExpireProgress batch = st.table->ExpireSome(st.table->NowUnixMillis(), kBatch);
    examined += batch.examined;
    // More than a quarter expired: there are likely many more, keep going (as Redis does).
    bool crowded = batch.expired * 4 > batch.examined;
    // Less than the budget examined: the call went round every slot (or none has a key with an
    // expiry), so going on would only look at the same keys again.
    if (batch.examined < kBatch && !crowded) return;
    if (examined >= kExpireKeysPerTick && !crowded) return;
    if (std::chrono::steady_clock::now() - start >= kExpireTimePerTick) return;
  }
}

// Background tier work on each stats tick: the heat clock, demotion when the budget shrank or
// writers left the table over it, and value-log compaction of the file with the most garbage
// once at least half of it is dead (one file per tick bounds the work).
void TierTick(ShardState& st) {
  SpacetimeTable& table = *st.table;
  table.TickHeatClock();
  if (table.value_log() == nullptr) return;
  table.DemoteToBudget();
  size_t removed = 0;
  Status s = table.CompactColdSome(kCompactionDeadRatio, 1, &removed);
  if (!s.ok()) {
    log::Error(filename::ShardName(table.shard_id()),
               ": value-log compaction failed: ", s.ToString());
  }
}

void SampleLoad(ShardState& st) {
  auto now = std::chrono::steady_clock::now();
  uint64_t ops = TotalOps(st.table->Counters());
  double seconds = std::chrono::duration<double>(now - st.last_sample).count();
  if (seconds > 0) st.table->set_ops_per_sec(static_cast<double>(ops - st.last_ops) / seconds);
  st.last_ops = ops;
  st.last_sample = now;
}

ShardActor::behavior_type ShardBehavior(ShardActor::stateful_pointer<ShardState> self,
                                        std::shared_ptr<SpacetimeTable> table,
                                        std::chrono::milliseconds interval) {
  auto& st = self->state;
  st.table = std::move(table);
  st.interval = interval;
  st.last_sample = std::chrono::steady_clock::now();
  st.last_ops = TotalOps(st.table->Counters());
  st.incarnation = st.table->Adopt();
  if (st.incarnation > 1) {
    log::Warn(filename::ShardName(st.table->shard_id()), " restarted (incarnation ", st.incarnation,
              ") and re-adopted its table with ", st.table->Counters().keys, " keys");
  }
  // Drift-free periodic sampling: each tick is scheduled at an absolute time.
  st.next_tick = std::chrono::steady_clock::now() + interval;
  self->scheduled_send(self, st.next_tick, tick_atom::value);
  self->delayed_send(self, kActiveExpiryInterval, expire_atom::value);
  return {
      [self](tick_atom) {
        auto& s = self->state;
        SampleLoad(s);
        TierTick(s);
        s.next_tick += s.interval;
        self->scheduled_send(self, s.next_tick, tick_atom::value);
      },
      [self](expire_atom) {
        ExpireTick(self->state);
        self->delayed_send(self, kActiveExpiryInterval, expire_atom::value);
      },
      [self](caf::get_atom) { return self->state.incarnation; },
  };
}

}  // namespace

caf::actor SpawnShardActor(caf::actor_system& system, std::shared_ptr<SpacetimeTable> table,
                           std::chrono::milliseconds stats_interval) {
  return caf::actor_cast<caf::actor>(system.spawn(ShardBehavior, std::move(table), stats_interval));
}

}  // namespace warp
