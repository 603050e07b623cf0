// WalWriterActor: the group-commit side of one shard's write-ahead log ("wal-NN" under the
// storage supervisor).
//
// Appends never message this actor: client threads write records straight into the log (see
// wal/shard_log.h). The actor owns the fsyncs. It runs detached (a thread of its own), because
// an fdatasync blocks for up to milliseconds and must not hold a scheduler worker.
//  - `sync`: sent by the log when a writer waits for durability (wal.fsync=always, async puts);
//    one message per group of waiters. The actor fsyncs once for everything appended so far.
//  - `tick`, every second: under `everysec`, fsyncs what was appended since the last sync.
// While it runs, the actor is the log's sync-request handler; when it stops, waiters fall back to
// syncing on their own threads, so no waiter is stranded during a restart. The first fsync
// failure is logged; it is sticky in the log, which refuses writes from then on.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>
#include <memory>

#include "actors/shard_actor.h"
#include "wal/shard_log.h"

namespace warp {

using sync_atom = caf::atom_constant<caf::atom("sync")>;

using WalWriterActor = caf::typed_actor<caf::reacts_to<sync_atom>, caf::reacts_to<tick_atom>>;

caf::actor SpawnWalActor(caf::actor_system& system, std::shared_ptr<ShardLog> log);

}  // namespace warp
