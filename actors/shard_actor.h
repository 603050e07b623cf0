// SpacetimeShard: the actor that owns one shard's SpacetimeTable.
//
// Client threads read and write the table directly (see store/spacetime_table.h); the actor
// owns the table's lifecycle and background work:
//  - load observation: every `stats_interval` it samples the table's counters and publishes
//    the shard's ops/s into the table;
//  - active expiry: every kActiveExpiryInterval (100 ms) it removes keys whose expiry has
//    passed (SpacetimeTable::ExpireSome), in the spirit of Redis's active expire cycle:
//    kExpireKeysPerTick entries examined per tick (or one round over every key with an expiry,
//    if there are fewer), more while over a quarter of a batch turns out expired, never longer
//    than kExpireTimePerTick, and never more than SpacetimeTable::kExpireEntriesPerLock
//    entries under one slot lock. Lazy expiry (the table
//    hides expired keys) keeps reads correct whatever this falls behind.
//  - tiers: every `stats_interval` it advances the table's heat clock, demotes while the table
//    is over its memory budget (after CONFIG SET maxmemory shrank it; writers demote for
//    themselves), and compacts the value-log file with the most garbage once at least
//    kCompactionDeadRatio of it is dead (docs/tiered_storage.md).
//
// Heir semantics: the table is created by the engine before the actor and passed in; when the
// actor crashes, its supervisor starts a new incarnation with the same table, which adopts it
// (SpacetimeTable::Adopt) with every key intact.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <memory>

#include "store/spacetime_table.h"

namespace warp {

using tick_atom = caf::atom_constant<caf::atom("tick")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;

inline constexpr std::chrono::milliseconds kActiveExpiryInterval{100};
inline constexpr size_t kExpireKeysPerTick = 2000;
inline constexpr std::chrono::milliseconds kExpireTimePerTick{2};
// Value-log files at least this dead are compacted, one per stats tick.
inline constexpr double kCompactionDeadRatio = 0.5;

// The shard's message interface: `tick` drives load sampling and `expire` active expiry (both
// sent by the actor to itself); `get` answers the incarnation number of this actor (1 for the
// first start, n after n-1 restarts), taken from the table it adopted.
using ShardActor = caf::typed_actor<caf::reacts_to<tick_atom>, caf::reacts_to<expire_atom>,
                                    caf::replies_to<caf::get_atom>::with<uint32_t>>;

// Spawns an incarnation that adopts `table`.
caf::actor SpawnShardActor(caf::actor_system& system, std::shared_ptr<SpacetimeTable> table,
                           std::chrono::milliseconds stats_interval);

}  // namespace warp
