// The pure decision logic of a supervisor, kept free of CAF so it can be tested directly:
// whether an ended child is restarted, which siblings a strategy drags along, and the sliding
// window that enforces restart intensity.
//
// Thread-safety: free functions are pure; a RestartIntensity object is used by one supervisor
// actor only and needs no locking.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "supervision/supervisor.h"

namespace warp::supervision::internal {

// True if a child of type `restart` whose exit reason was abnormal (`abnormal`, i.e. the reason
// is not exit_reason::normal) must be restarted.
bool ShouldRestart(Restart restart, bool abnormal);

// What a supervisor does when child `failed` ended and ShouldRestart() said yes.
struct RestartPlan {
  std::vector<size_t> stop;   // running siblings to stop first, in stop order (reverse spec)
  std::vector<size_t> start;  // children to start afterwards, in start order (spec order)
};

// REQUIRES: failed < types.size() and running.size() == types.size().
// `running[i]` tells whether child i is alive right now (`failed` itself is not).
// The group is {failed} (one_for_one), all children (one_for_all) or failed..end
// (rest_for_one). Every running group member other than `failed` is stopped; `failed` and every
// non-temporary group member is started again, as OTP does; temporary members end stopped.
RestartPlan PlanRestart(Strategy strategy, const std::vector<Restart>& types,
                        const std::vector<bool>& running, size_t failed);

// Sliding-window restart counter: more than `max_restarts` restarts within `period` means the
// supervisor must escalate. A restart older than `period` (strictly) no longer counts.
class RestartIntensity {
 public:
  using Clock = std::chrono::steady_clock;

  RestartIntensity(uint32_t max_restarts, std::chrono::milliseconds period);

  // Records one restart at `now` (non-decreasing between calls) and returns true if the
  // restarts inside the window now exceed max_restarts.
  bool RecordAndCheckExceeded(Clock::time_point now);

  // Number of restarts inside the window ending at the latest recorded time.
  size_t InWindow() const { return history_.size(); }

 private:
  uint32_t max_restarts_;
  std::chrono::milliseconds period_;
  std::deque<Clock::time_point> history_;  // at most max_restarts_ + 1 entries
};

}  // namespace warp::supervision::internal
