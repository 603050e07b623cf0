// SnapshotterActor: takes every shard's snapshots ("snapshotter" under the storage supervisor).
//
// Five times a second it asks each shard's checkpointer whether a snapshot.* trigger has fired
// (writes since the last snapshot, seconds since it) and takes the snapshots that are due, one
// shard at a time. `checkpoint` takes one of every shard now (Universe::Checkpoint) and replies
// with "" on success or the errors, one line per failed shard. Snapshots take seconds on large
// shards, so the actor runs detached (a thread of its own) and never holds a scheduler worker.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/shard_actor.h"
#include "store/shard_checkpoint.h"
#include "warp/options.h"

namespace warp {

using checkpoint_atom = caf::atom_constant<caf::atom("checkpnt")>;

using SnapshotterActor = caf::typed_actor<caf::replies_to<checkpoint_atom>::with<std::string>,
                                          caf::reacts_to<tick_atom>>;

caf::actor SpawnSnapshotter(caf::actor_system& system,
                            std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers,
                            SnapshotOptions options);

}  // namespace warp
