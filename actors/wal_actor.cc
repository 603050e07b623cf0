#include "actors/wal_actor.h"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>

#include "common/log.h"

namespace warp {

namespace {

constexpr std::chrono::seconds kEverySec{1};

struct WalActorState {
  std::shared_ptr<ShardLog> log;
  bool failure_logged = false;
  static inline const char* name = "wal_writer";
};

void Sync(WalActorState& st) {
  Status s = st.log->SyncNow();
  if (!s.ok() && !st.failure_logged) {
    st.failure_logged = true;
    log::Error(s.ToString());
  }
}

WalWriterActor::behavior_type WalBehavior(WalWriterActor::stateful_pointer<WalActorState> self,
                                          std::shared_ptr<ShardLog> log) {
  self->state.log = log;
  // The handler holds the actor weakly: the log must not keep a stopped actor alive.
  caf::actor_addr me = self->address();
  uint64_t token = log->SetSyncRequestHandler([me] {
    if (auto actor = caf::actor_cast<caf::actor>(me)) caf::anon_send(actor, sync_atom::value);
  });
  // On exit, only this incarnation's handler is removed: a successor may have installed its own.
  self->attach_functor([log, token] { log->ClearSyncRequestHandler(token); });
  self->delayed_send(self, kEverySec, tick_atom::value);
  return {
      [self](sync_atom) {
        auto& st = self->state;
        if (st.log->sync_requested() || st.log->HasUnsynced()) Sync(st);
      },
      [self](tick_atom) {
        auto& st = self->state;
        if (st.log->options().fsync == FsyncPolicy::kEverySec && st.log->HasUnsynced()) Sync(st);
        self->delayed_send(self, kEverySec, tick_atom::value);
      },
  };
}

}  // namespace

caf::actor SpawnWalActor(caf::actor_system& system, std::shared_ptr<ShardLog> log) {
  return caf::actor_cast<caf::actor>(system.spawn<caf::detached>(WalBehavior, std::move(log)));
}

}  // namespace warp
