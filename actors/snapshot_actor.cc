#include "actors/snapshot_actor.h"

#include <caf/actor_cast.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>

namespace warp {

namespace {

constexpr std::chrono::milliseconds kCheckEvery{200};

struct SnapshotterState {
  std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers;
  SnapshotOptions options;
  static inline const char* name = "snapshotter";
};

SnapshotterActor::behavior_type SnapshotterBehavior(
    SnapshotterActor::stateful_pointer<SnapshotterState> self,
    std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers, SnapshotOptions options) {
  self->state.checkpointers = std::move(checkpointers);
  self->state.options = options;
  self->delayed_send(self, kCheckEvery, tick_atom::value);
  return {
      [self](checkpoint_atom) -> std::string {
        std::string errors;
        for (auto& checkpointer : self->state.checkpointers) {
          Status s = checkpointer->Checkpoint();
          if (!s.ok()) errors += (errors.empty() ? "" : "\n") + s.ToString();
        }
        return errors;
      },
      [self](tick_atom) {
        auto& st = self->state;
        for (auto& checkpointer : st.checkpointers) {
          // A failure is logged and kept in the checkpointer's stats; the next tick retries.
          if (checkpointer->Due(st.options)) (void)checkpointer->Checkpoint();
        }
        self->delayed_send(self, kCheckEvery, tick_atom::value);
      },
  };
}

}  // namespace

caf::actor SpawnSnapshotter(caf::actor_system& system,
                            std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers,
                            SnapshotOptions options) {
  return caf::actor_cast<caf::actor>(
      system.spawn<caf::detached>(SnapshotterBehavior, std::move(checkpointers), options));
}

}  // namespace warp
