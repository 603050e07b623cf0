// The engine's supervision tree (DESIGN.md section 3), as child specs:
//
//   root (one_for_one)
//   ├── universe            the controller actor
//   └── storage (one_for_one)
//       ├── shard-00 .. shard-NN   one SpacetimeShard actor per table
//       ├── wal-00 .. wal-NN       one WAL writer actor per shard log (group commit, fsyncs)
//       └── snapshotter            every shard's snapshots
//
// Started in that order, stopped in reverse (shards last-to-first, then the controller).
// Restart intensity for every supervisor comes from Options::supervision.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "actors/universe_actor.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp {

// Spawns the root supervisor with the whole tree below it.
caf::actor StartSupervisionTree(caf::actor_system& system, const Options& options,
                                std::shared_ptr<ControllerContext> context);

// Blocks until every shard actor has initialised and adopted its table (CAF spawns
// asynchronously), by asking each one for its incarnation; a reply proves it runs.
// Unavailable naming the shard if one does not answer within `timeout`.
Status AwaitShardsStarted(caf::actor_system& system, const caf::actor& root, uint32_t shards,
                          std::chrono::milliseconds timeout);

}  // namespace warp
