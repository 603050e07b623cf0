// SpacetimeShard: the actor that owns one shard's SpacetimeTable.
//
// Client threads read and write the table directly (see store/spacetime_table.h); the actor
// owns the table's lifecycle and background work. Today that work is load observation: every
// `stats_interval` it samples the table's counters and publishes the shard's ops/s into the
// table. (The WAL group commit, snapshots, expiry and tier moves of later issues join here.)
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

// The shard's message interface: `tick` drives load sampling (sent by the actor to itself);
// `get` answers the incarnation number of this actor (1 for the first start, n after n-1
// restarts), taken from the table it adopted.
using ShardActor =
    caf::typed_actor<caf::reacts_to<tick_atom>, caf::replies_to<caf::get_atom>::with<uint32_t>>;

// Spawns an incarnation that adopts `table`.
caf::actor SpawnShardActor(caf::actor_system& system, std::shared_ptr<SpacetimeTable> table,
                           std::chrono::milliseconds stats_interval);

}  // namespace warp
