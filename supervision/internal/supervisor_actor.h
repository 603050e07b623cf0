// The supervisor actor behind SpawnSupervisor(): a class-based, untyped event-based actor whose
// members are the child table and the restart/shutdown state machine. See supervision/supervisor.h
// for the contract; this header is private to the supervision module.
//
// State machine. `phase_` is kRunning, kRestarting (a stop round for a group restart is under
// way) or kShuttingDown (a stop round that ends with quit()). A stop round stops the children in
// `to_stop_` one at a time, highest spec index first: user_shutdown, then kill when the child's
// shutdown_timeout fires, then wait for its down_msg. When the round is over, children marked
// `pending_start` are started in spec order (kRestarting) or the actor quits (kShuttingDown).
//
// Thread-safety: all members are touched only from the actor's own message handlers.
#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "supervision/internal/restart_policy.h"
#include "supervision/supervisor.h"

namespace warp::supervision::internal {

// Internal messages (self-sent): a stop timer fired; retry a failed restart.
using stop_timeout_atom = caf::atom_constant<caf::atom("sup_stopto")>;
using retry_start_atom = caf::atom_constant<caf::atom("sup_retry")>;

class SupervisorActor : public caf::event_based_actor {
 public:
  SupervisorActor(caf::actor_config& cfg, SupervisorFlags flags, std::vector<ChildSpec> specs);

  caf::behavior make_behavior() override;
  const char* name() const override { return "warp.supervisor"; }

 private:
  enum class Phase : uint8_t { kRunning, kRestarting, kShuttingDown };

  struct Child {
    ChildSpec spec;
    caf::actor handle;           // invalid while the child is not running
    uint32_t restarts = 0;       // successful restarts so far
    bool pending_start = false;  // (re)start when the current stop round is over
    std::string why;             // reason logged with that restart
  };

  // Start and restart.
  caf::error ValidateSpecs() const;
  void StartInitialChildren();
  bool StartChild(size_t i);
  void StartPendingChildren();
  void OnStartFailure(size_t i);

  // Reacting to children and to exit messages.
  void OnDown(const caf::down_msg& msg);
  void OnExit(const caf::exit_msg& msg);
  void OnChildEnded(size_t i, const caf::error& reason);
  void Escalate(size_t i, const caf::error& reason);

  // Stop rounds.
  void BeginShutdown(caf::error reason);
  void StopNext();
  void OnStopTimeout(size_t i, uint64_t generation);
  void OnStopRoundDone();

  // Queries.
  std::optional<size_t> FindChild(const caf::actor_addr& addr) const;
  std::optional<size_t> FindChild(const std::string& id) const;
  ChildStatus StatusOf(size_t i, const std::string& prefix) const;
  std::vector<ChildStatus> WhichChildren() const;
  caf::result<std::vector<ChildStatus>> StatusTree(const std::string& prefix);
  caf::result<caf::actor> GetChild(const std::string& id) const;

  std::string Render(const caf::error& reason);

  SupervisorFlags flags_;
  // Spec order. The handles are strong on purpose and are kept until this object is destroyed,
  // i.e. after CAF's cleanup has sent the one-way-link exit_msgs: a weak link can only reach a
  // child that someone still holds, and an unheld idle child would be destroyed ("unreachable").
  std::vector<Child> children_;
  RestartIntensity intensity_;
  Phase phase_ = Phase::kRunning;
  std::set<size_t> to_stop_;        // children still to stop in this round
  std::optional<size_t> stopping_;  // the child we sent an exit to and wait for
  uint64_t stop_generation_ = 0;    // tells the current stop timer from stale ones
  caf::error shutdown_reason_;
};

}  // namespace warp::supervision::internal
