// UniverseController: the actor at the top of the engine ("universe" under the root
// supervisor). It answers administrative requests that need a consistent view across the
// engine: `stats` gathers each shard table's counters and asks the root supervisor for the
// supervision state of every actor (asynchronously, never blocking a worker), then replies
// with a UniverseStats. Manifest, checkpoint and shutdown-order requests join it later.
//
// The context is shared with the engine facade and outlives every incarnation of the actor.
// Thread-safety: ControllerContext::set_root/root are synchronized; the rest is immutable
// after construction.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "store/shard_checkpoint.h"
#include "store/spacetime_table.h"
#include "wal/shard_log.h"
#include "warp/universe.h"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warp::UniverseStats)

namespace warp {

using stats_atom = caf::atom_constant<caf::atom("stats")>;

class ControllerContext {
 public:
  // One entry per shard in each vector.
  ControllerContext(std::vector<std::shared_ptr<SpacetimeTable>> tables,
                    std::vector<uint32_t> slots_per_shard,
                    std::vector<std::shared_ptr<ShardLog>> logs,
                    std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers)
      : tables_(std::move(tables)),
        slots_per_shard_(std::move(slots_per_shard)),
        logs_(std::move(logs)),
        checkpointers_(std::move(checkpointers)) {}

  const std::vector<std::shared_ptr<SpacetimeTable>>& tables() const { return tables_; }
  const std::vector<uint32_t>& slots_per_shard() const { return slots_per_shard_; }
  const std::vector<std::shared_ptr<ShardLog>>& logs() const { return logs_; }
  const std::vector<std::shared_ptr<ShardCheckpointer>>& checkpointers() const {
    return checkpointers_;
  }

  // The root supervisor, held weakly (an address) so that no reference cycle keeps it alive.
  void set_root(const caf::actor& root);
  caf::actor root() const;

 private:
  const std::vector<std::shared_ptr<SpacetimeTable>> tables_;
  const std::vector<uint32_t> slots_per_shard_;
  const std::vector<std::shared_ptr<ShardLog>> logs_;
  const std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers_;
  mutable std::mutex mu_;
  caf::actor_addr root_;
};

using UniverseControllerActor = caf::typed_actor<caf::replies_to<stats_atom>::with<UniverseStats>>;

caf::actor SpawnUniverseController(caf::actor_system& system,
                                   std::shared_ptr<ControllerContext> context);

// Table counters of every shard plus their sum; `actors` left empty. Used by the controller
// and usable without an actor system.
UniverseStats CollectTableStats(const ControllerContext& context);

}  // namespace warp
