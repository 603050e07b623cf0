#include "supervision/internal/supervisor_actor.h"

#include <caf/actor_cast.hpp>
#include <caf/default_attachable.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_response_promise.hpp>
#include <exception>
#include <memory>
#include <unordered_set>
#include <utility>

#include "common/log.h"

namespace warp::supervision::internal {

namespace {

const char* RestartName(Restart restart) {
  switch (restart) {
    case Restart::kPermanent:
      return "permanent";
    case Restart::kTransient:
      return "transient";
    case Restart::kTemporary:
      return "temporary";
  }
  return "?";
}

}  // namespace

SupervisorActor::SupervisorActor(caf::actor_config& cfg, SupervisorFlags flags,
                                 std::vector<ChildSpec> specs)
    : caf::event_based_actor(cfg),
      flags_(std::move(flags)),
      intensity_(flags_.max_restarts, flags_.period) {
  if (flags_.name.empty()) flags_.name = "supervisor";
  children_.reserve(specs.size());
  for (auto& spec : specs) {
    children_.emplace_back();
    children_.back().spec = std::move(spec);
  }
}

caf::behavior SupervisorActor::make_behavior() {
  set_exit_handler([this](caf::exit_msg& msg) { OnExit(msg); });
  set_down_handler([this](caf::down_msg& msg) { OnDown(msg); });
  if (auto err = ValidateSpecs()) {
    log::Error("supervisor ", flags_.name, ": invalid child specs: ", Render(err));
    quit(std::move(err));
    return {};
  }
  StartInitialChildren();
  // If the initial start failed, quit() may already have run; CAF then ignores this behavior.
  return {
      [this](which_children_atom) { return WhichChildren(); },
      [this](status_tree_atom) { return StatusTree(flags_.name); },
      [this](status_tree_atom, const std::string& prefix) { return StatusTree(prefix); },
      [this](get_child_atom, const std::string& id) { return GetChild(id); },
      [this](stop_timeout_atom, uint64_t i, uint64_t generation) {
        OnStopTimeout(static_cast<size_t>(i), generation);
      },
      [this](retry_start_atom) {
        if (phase_ == Phase::kRunning) StartPendingChildren();
      },
  };
}

// -- start and restart ----------------------------------------------------------------------------

caf::error SupervisorActor::ValidateSpecs() const {
  std::unordered_set<std::string> seen;
  for (const auto& c : children_) {
    const auto& id = c.spec.id;
    if (id.empty() || id.find('/') != std::string::npos)
      return caf::make_error(caf::sec::invalid_argument,
                             "supervisor " + flags_.name + ": bad child id '" + id + "'");
    if (!seen.insert(id).second)
      return caf::make_error(caf::sec::invalid_argument,
                             "supervisor " + flags_.name + ": duplicate child id '" + id + "'");
    if (!c.spec.start)
      return caf::make_error(caf::sec::invalid_argument,
                             "supervisor " + flags_.name + ": child '" + id + "' has no start");
  }
  return caf::none;
}

void SupervisorActor::StartInitialChildren() {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (StartChild(i)) continue;
    const auto& id = children_[i].spec.id;
    log::Error("supervisor ", flags_.name, ": initial start of child ", id,
               " failed; stopping the children already started");
    BeginShutdown(
        caf::make_error(caf::sec::runtime_error,
                        "supervisor " + flags_.name + ": failed to start child '" + id + "'"));
    return;
  }
}

bool SupervisorActor::StartChild(size_t i) {
  Child& c = children_[i];
  caf::actor child;
  try {
    child = c.spec.start(system());
  } catch (const std::exception& e) {
    log::Error("supervisor ", flags_.name, ": start of child ", c.spec.id, " threw: ", e.what());
  } catch (...) {
    log::Error("supervisor ", flags_.name, ": start of child ", c.spec.id, " threw");
  }
  if (!child) return false;
  // One down_msg per incarnation tells us the child ended (also when it is already dead).
  monitor(child);
  // One-way link: if this supervisor dies abruptly, the child gets exit_msg{this, reason}. A real
  // link would also send *us* exit_msg{child, kill} when the child is killed, which CAF treats
  // as fatal even though we trap exits.
  attach(caf::default_attachable::make_link(address(), child.address()));
  c.handle = std::move(child);
  return true;
}

void SupervisorActor::StartPendingChildren() {
  for (size_t i = 0; i < children_.size() && phase_ == Phase::kRunning; ++i) {
    Child& c = children_[i];
    if (!c.pending_start || c.handle) continue;
    c.pending_start = false;
    if (!StartChild(i)) {
      OnStartFailure(i);
      continue;
    }
    ++c.restarts;
    log::Info("supervisor ", flags_.name, ": restarted child ", c.spec.id, " (reason: ", c.why,
              "), restart count ", c.restarts);
  }
}

void SupervisorActor::OnStartFailure(size_t i) {
  Child& c = children_[i];
  log::Error("supervisor ", flags_.name, ": restart of child ", c.spec.id, " failed");
  if (intensity_.RecordAndCheckExceeded(RestartIntensity::Clock::now())) {
    Escalate(i, caf::make_error(caf::sec::runtime_error, "start of '" + c.spec.id + "' failed"));
    return;
  }
  c.pending_start = true;
  c.why = "previous start failed";
  // Retry from the mailbox rather than in a loop here, so other messages get a turn.
  send(caf::actor_cast<caf::actor>(this), retry_start_atom::value);
}

// -- reacting to children and exit messages -------------------------------------------------------

void SupervisorActor::OnDown(const caf::down_msg& msg) {
  auto found = FindChild(msg.source);
  if (!found) return;  // a former incarnation or someone else's monitor: not ours to act on
  size_t i = *found;
  detach(caf::default_attachable::observe_token{msg.source, caf::default_attachable::link});
  children_[i].handle = nullptr;
  if (stopping_ == i) {  // we stopped it: continue the stop round
    stopping_.reset();
    StopNext();
    return;
  }
  to_stop_.erase(i);
  if (phase_ == Phase::kShuttingDown) {
    StopNext();
    return;
  }
  if (children_[i].pending_start) return;  // it is being restarted with its group anyway
  OnChildEnded(i, msg.reason);
}

void SupervisorActor::OnExit(const caf::exit_msg& msg) {
  if (!msg.reason) return;            // a normal exit is ignored, as CAF's default handler does
  if (FindChild(msg.source)) return;  // children are watched through monitors only
  if (phase_ != Phase::kShuttingDown)
    log::Info("supervisor ", flags_.name, ": shutting down (", Render(msg.reason), ")");
  BeginShutdown(msg.reason);
}

void SupervisorActor::OnChildEnded(size_t i, const caf::error& reason) {
  Child& c = children_[i];
  if (!ShouldRestart(c.spec.restart, static_cast<bool>(reason))) {
    log::Info("supervisor ", flags_.name, ": child ", c.spec.id, " exited (", Render(reason), "); ",
              RestartName(c.spec.restart), ", not restarted");
    return;
  }
  if (intensity_.RecordAndCheckExceeded(RestartIntensity::Clock::now())) {
    Escalate(i, reason);
    return;
  }
  std::vector<Restart> types;
  std::vector<bool> running;
  for (const auto& child : children_) {
    types.push_back(child.spec.restart);
    running.push_back(static_cast<bool>(child.handle));
  }
  auto plan = PlanRestart(flags_.strategy, types, running, i);
  for (size_t j : plan.start) {
    children_[j].pending_start = true;
    children_[j].why =
        j == i ? Render(reason) : "sibling " + c.spec.id + " exited: " + Render(reason);
  }
  to_stop_.insert(plan.stop.begin(), plan.stop.end());
  if (phase_ == Phase::kRunning) phase_ = Phase::kRestarting;
  StopNext();
}

void SupervisorActor::Escalate(size_t i, const caf::error& reason) {
  const Child& c = children_[i];
  log::Error("supervisor ", flags_.name, ": child ", c.spec.id, " exited (", Render(reason),
             "), restart count ", c.restarts, "; more than ", flags_.max_restarts, " restarts in ",
             flags_.period.count(), " ms, escalating");
  BeginShutdown(caf::make_error(caf::sec::runtime_error,
                                "supervisor " + flags_.name + ": restart intensity exceeded"));
}

// -- stop rounds ----------------------------------------------------------------------------------

void SupervisorActor::BeginShutdown(caf::error reason) {
  if (phase_ == Phase::kShuttingDown) return;
  phase_ = Phase::kShuttingDown;
  shutdown_reason_ = std::move(reason);
  for (size_t i = 0; i < children_.size(); ++i) {
    children_[i].pending_start = false;
    to_stop_.insert(i);
  }
  StopNext();
}

void SupervisorActor::StopNext() {
  if (stopping_) return;  // one child at a time; its down_msg calls us again
  while (!to_stop_.empty()) {
    size_t i = *to_stop_.rbegin();
    to_stop_.erase(i);
    Child& c = children_[i];
    if (!c.handle) continue;
    stopping_ = i;
    // The child unlinks from us when it handles this exit_msg; the monitor still reports it.
    if (c.spec.shutdown_timeout.count() <= 0) {
      send_exit(c.handle, caf::exit_reason::kill);
      return;
    }
    send_exit(c.handle, caf::exit_reason::user_shutdown);
    delayed_send(caf::actor_cast<caf::actor>(this), c.spec.shutdown_timeout,
                 stop_timeout_atom::value, static_cast<uint64_t>(i), ++stop_generation_);
    return;
  }
  OnStopRoundDone();
}

void SupervisorActor::OnStopTimeout(size_t i, uint64_t generation) {
  if (stopping_ != i || generation != stop_generation_ || !children_[i].handle) return;
  log::Warn("supervisor ", flags_.name, ": child ", children_[i].spec.id, " did not stop within ",
            children_[i].spec.shutdown_timeout.count(), " ms, killing it");
  send_exit(children_[i].handle, caf::exit_reason::kill);
}

void SupervisorActor::OnStopRoundDone() {
  if (phase_ == Phase::kShuttingDown) {
    quit(shutdown_reason_);
    return;
  }
  phase_ = Phase::kRunning;
  StartPendingChildren();
}

// -- queries --------------------------------------------------------------------------------------

std::optional<size_t> SupervisorActor::FindChild(const caf::actor_addr& addr) const {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (children_[i].handle && children_[i].handle.address() == addr) return i;
  }
  return std::nullopt;
}

std::optional<size_t> SupervisorActor::FindChild(const std::string& id) const {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (children_[i].spec.id == id) return i;
  }
  return std::nullopt;
}

ChildStatus SupervisorActor::StatusOf(size_t i, const std::string& prefix) const {
  const Child& c = children_[i];
  ChildStatus status;
  status.path = prefix + "/" + c.spec.id;
  status.state = c.pending_start ? "restarting" : c.handle ? "running" : "stopped";
  status.restarts = c.restarts;
  status.supervisor = c.spec.supervisor;
  return status;
}

std::vector<ChildStatus> SupervisorActor::WhichChildren() const {
  std::vector<ChildStatus> result;
  for (size_t i = 0; i < children_.size(); ++i) result.push_back(StatusOf(i, flags_.name));
  return result;
}

caf::result<std::vector<ChildStatus>> SupervisorActor::StatusTree(const std::string& prefix) {
  // parts[i] holds child i's own row followed by its subtree; flattened once all answered.
  struct Collector {
    std::vector<std::vector<ChildStatus>> parts;
    size_t outstanding = 0;
    caf::typed_response_promise<std::vector<ChildStatus>> promise;
    void Done() {
      if (--outstanding > 0) return;
      std::vector<ChildStatus> rows;
      for (auto& part : parts) rows.insert(rows.end(), part.begin(), part.end());
      promise.deliver(std::move(rows));
    }
  };
  auto collector = std::make_shared<Collector>();
  collector->promise = make_response_promise<std::vector<ChildStatus>>();
  collector->parts.resize(children_.size());
  collector->outstanding = 1;  // released below, after all requests are out
  for (size_t i = 0; i < children_.size(); ++i) {
    collector->parts[i].push_back(StatusOf(i, prefix));
    const Child& c = children_[i];
    if (!c.spec.supervisor || !c.handle) continue;
    ++collector->outstanding;
    request(c.handle, kStatusTreeTimeout, status_tree_atom::value, collector->parts[i][0].path)
        .then(
            [collector, i](std::vector<ChildStatus>& subtree) {
              auto& part = collector->parts[i];
              part.insert(part.end(), subtree.begin(), subtree.end());
              collector->Done();
            },
            [collector](caf::error&) { collector->Done(); });  // subtree left out
  }
  collector->Done();
  return collector->promise;
}

caf::result<caf::actor> SupervisorActor::GetChild(const std::string& id) const {
  auto i = FindChild(id);
  if (i && children_[*i].handle) return children_[*i].handle;
  return caf::make_error(caf::sec::invalid_argument,
                         "supervisor " + flags_.name + ": no running child '" + id + "'");
}

std::string SupervisorActor::Render(const caf::error& reason) {
  if (!reason) return "normal";
  return system().render(reason);
}

}  // namespace warp::supervision::internal
