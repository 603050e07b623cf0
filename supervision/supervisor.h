// OTP-style supervision trees on CAF 0.17: a supervisor is an ordinary (untyped, event-based)
// actor that starts a list of children, watches them, restarts them by a strategy, and stops them
// in reverse order when it is told to stop.
//
// Mechanism. The supervisor traps exits and *monitors* every child (one down_msg per incarnation
// is the single source of truth that a child ended). It also attaches a one-way link from itself
// to each child, so that if the supervisor itself dies without an orderly shutdown (a `kill`, a
// bug), every child receives an exit_msg{supervisor, reason} exactly as with `link_to`. The link
// is deliberately one-way: with a CAF bidirectional link, a child that dies with
// exit_reason::kill delivers exit_msg{child, kill} to the supervisor, and CAF 0.17 treats an
// exit_msg with reason kill as fatal even for actors that trap exits -- the supervisor would
// die with its child (see docs/supervision.md).
//
// Semantics (Erlang/OTP supervisor):
//   - Children are spawned one after another in spec order. Spawning is asynchronous in CAF, so
//     the children's behaviours may *initialise* in any order; a class-based child's constructor
//     does run in spec order.
//   - A child is restarted according to its Restart type: kPermanent always, kTransient only when
//     its exit reason is not exit_reason::normal, kTemporary never (its state becomes "stopped").
//   - Strategy picks which children restart together: kOneForOne only the one that ended,
//     kOneForAll all of them, kRestForOne the one that ended and every child after it in spec
//     order. Affected siblings that are still running are stopped first (one at a time, reverse
//     spec order, each with user_shutdown and then kill after its shutdown_timeout); then the
//     affected children are started again in spec order. A temporary sibling stopped this way is
//     not restarted. Each child (re)started adds one to that child's restart counter.
//   - Intensity: each restart decision counts once (a one_for_all restart of 5 children is one
//     restart). More than `max_restarts` within `period` escalates: the supervisor stops its
//     remaining children in reverse spec order and quits with sec::runtime_error ("restart
//     intensity exceeded ..."), which its parent treats like any other child crash.
//   - Orderly shutdown: an exit_msg with a non-normal reason from anyone who is not a current
//     child (the parent, ShutdownSupervisor, anon_send_exit) makes the supervisor stop all
//     children one at a time in reverse spec order, then quit with that same reason. exit_msgs
//     with reason normal are ignored, as CAF does by default.
//   - If a child's `start` fails (returns an invalid handle or throws) during the initial start,
//     the children already started are stopped in reverse order and the supervisor quits with
//     sec::runtime_error naming the child. During a restart, a failed start counts as one more
//     restart for intensity and is retried (state "restarting") until intensity escalates.
//   - Invalid specs (empty or duplicate id, empty `start`) make the supervisor quit right away
//     with sec::invalid_argument naming the id.
//   - Every restart is logged at INFO and every escalation at ERROR through warp::log, one line
//     each naming the supervisor, the child id, the reason and the restart count.
//
// Lifetime: a supervisor lives until it escalates or is shut down (ShutdownSupervisor, or an
// exit_msg from its parent). ~actor_system waits for all actors, so shut the root down before
// the actor_system goes out of scope. Children must not link themselves to their supervisor.
//
// Thread-safety: the free functions are thread-safe; ShutdownSupervisor blocks the calling thread
// and must not be called from inside an actor's message handler (it would block a worker).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace warp::supervision {

enum class Restart : uint8_t { kPermanent = 0, kTransient = 1, kTemporary = 2 };
enum class Strategy : uint8_t { kOneForOne = 0, kOneForAll = 1, kRestForOne = 2 };

struct SupervisorFlags {
  std::string name;  // e.g. "root", "storage"; used in status paths and logs
  Strategy strategy = Strategy::kOneForOne;
  uint32_t max_restarts = 3;  // more than this many restarts within `period` => escalate
  std::chrono::milliseconds period{5000};
};

struct ChildSpec {
  std::string id;  // unique among siblings, e.g. "shard-03"
  // Spawns the child (NOT linked); the supervisor monitors it and links it one way. Called on the
  // supervisor's own thread: it must not block. Returning an invalid handle or throwing means
  // "start failed".
  std::function<caf::actor(caf::actor_system&)> start;
  Restart restart = Restart::kPermanent;
  std::chrono::milliseconds shutdown_timeout{5000};  // after this, a child that has not stopped
                                                     // is killed; 0 = kill at once
  // True if the child is itself a supervisor (set by SupervisorChild); status_tree then asks it
  // for its subtree. Addition to the original API; defaults keep aggregate init working.
  bool supervisor = false;
};

// Status of one actor in a supervision tree, for Stats()/Health().
struct ChildStatus {
  std::string path;       // "root/storage/shard-03": root name, then child ids
  std::string state;      // "running" | "restarting" | "stopped"
  uint32_t restarts = 0;  // times this child has been restarted by its supervisor
  bool supervisor = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ChildStatus& x) {
  return f(caf::meta::type_name("ChildStatus"), x.path, x.state, x.restarts, x.supervisor);
}

inline bool operator==(const ChildStatus& a, const ChildStatus& b) {
  return a.path == b.path && a.state == b.state && a.restarts == b.restarts &&
         a.supervisor == b.supervisor;
}

// Messages a supervisor answers (untyped actor):
//   (which_children_atom)               -> std::vector<ChildStatus>  direct children only,
//                                          paths "<name>/<id>"
//   (status_tree_atom)                  -> std::vector<ChildStatus>  whole subtree, depth-first
//                                          in spec order; a nested supervisor's entry comes
//                                          right before its own children. Collected without
//                                          blocking; a subtree that does not answer within
//                                          kStatusTreeTimeout is left out.
//   (status_tree_atom, std::string pfx) -> the same with `pfx` instead of the supervisor's name
//                                          as path prefix (used between supervisors)
//   (get_child_atom, std::string id)    -> caf::actor, the current handle of that child, or a
//                                          sec::invalid_argument error naming the id if it is
//                                          unknown or not running
using which_children_atom = caf::atom_constant<caf::atom("sup_which")>;
using status_tree_atom = caf::atom_constant<caf::atom("sup_tree")>;
using get_child_atom = caf::atom_constant<caf::atom("sup_child")>;

// How long a supervisor waits for a nested supervisor's part of status_tree.
constexpr std::chrono::milliseconds kStatusTreeTimeout{2000};

// Spawns a supervisor that starts `children` in order (spawn order = spec order). Never returns
// an invalid handle; problems with the specs or the initial start make the supervisor quit with
// an error reason, which a monitor sees (see the header comment).
caf::actor SpawnSupervisor(caf::actor_system& sys, SupervisorFlags flags,
                           std::vector<ChildSpec> children);

// A ChildSpec whose child is itself a supervisor (for nesting trees). Restart is kPermanent.
// An empty flags.name is replaced by `id`.
ChildSpec SupervisorChild(std::string id, SupervisorFlags flags, std::vector<ChildSpec> children,
                          std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(30));

// Blocking helper for non-actor callers: terminates `supervisor` with
// exit_reason::user_shutdown (an orderly shutdown of its tree) and waits until it is down.
// Returns false if it did not go down within `timeout`. An invalid handle or a supervisor that is
// already down returns true.
bool ShutdownSupervisor(caf::actor_system& sys, const caf::actor& supervisor,
                        std::chrono::milliseconds timeout);

}  // namespace warp::supervision
