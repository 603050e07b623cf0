#include "supervision/internal/restart_policy.h"

namespace warp::supervision::internal {

bool ShouldRestart(Restart restart, bool abnormal) {
  switch (restart) {
    case Restart::kPermanent:
      return true;
    case Restart::kTransient:
      return abnormal;
    case Restart::kTemporary:
      return false;
  }
  return false;
}

RestartPlan PlanRestart(Strategy strategy, const std::vector<Restart>& types,
                        const std::vector<bool>& running, size_t failed) {
  size_t first = failed;
  size_t last = failed + 1;  // one past the end of the group
  if (strategy == Strategy::kOneForAll) first = 0;
  if (strategy != Strategy::kOneForOne) last = types.size();
  RestartPlan plan;
  for (size_t i = last; i-- > first;) {
    if (i != failed && running[i]) plan.stop.push_back(i);
  }
  for (size_t i = first; i < last; ++i) {
    if (i == failed || types[i] != Restart::kTemporary) plan.start.push_back(i);
  }
  return plan;
}

RestartIntensity::RestartIntensity(uint32_t max_restarts, std::chrono::milliseconds period)
    : max_restarts_(max_restarts), period_(period) {}

bool RestartIntensity::RecordAndCheckExceeded(Clock::time_point now) {
  history_.push_back(now);
  while (!history_.empty() && now - history_.front() > period_) history_.pop_front();
  // Only the newest max_restarts_ + 1 entries can ever matter; keep the deque bounded.
  while (history_.size() > static_cast<size_t>(max_restarts_) + 1) history_.pop_front();
  return history_.size() > max_restarts_;
}

}  // namespace warp::supervision::internal
