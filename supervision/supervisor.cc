#include "supervision/supervisor.h"

#include <caf/after.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>
#include <utility>

#include "supervision/internal/supervisor_actor.h"

namespace warp::supervision {

caf::actor SpawnSupervisor(caf::actor_system& sys, SupervisorFlags flags,
                           std::vector<ChildSpec> children) {
  return sys.spawn<internal::SupervisorActor>(std::move(flags), std::move(children));
}

ChildSpec SupervisorChild(std::string id, SupervisorFlags flags, std::vector<ChildSpec> children,
                          std::chrono::milliseconds shutdown_timeout) {
  if (flags.name.empty()) flags.name = id;
  ChildSpec spec;
  spec.id = std::move(id);
  // Each incarnation gets fresh copies of the flags and specs.
  spec.start = [flags = std::move(flags), children = std::move(children)](caf::actor_system& sys) {
    return SpawnSupervisor(sys, flags, children);
  };
  spec.restart = Restart::kPermanent;
  spec.shutdown_timeout = shutdown_timeout;
  spec.supervisor = true;
  return spec;
}

bool ShutdownSupervisor(caf::actor_system& sys, const caf::actor& supervisor,
                        std::chrono::milliseconds timeout) {
  if (!supervisor) return true;
  caf::scoped_actor self{sys};
  // Monitoring an actor that is already gone delivers its down_msg at once.
  self->monitor(supervisor);
  self->send_exit(supervisor, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](const caf::down_msg& msg) { down = msg.source == supervisor.address(); },
                caf::after(timeout) >> [] {});
  return down;
}

}  // namespace warp::supervision
