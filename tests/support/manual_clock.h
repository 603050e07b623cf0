// ManualClock: a WallClock whose time the test sets, so that expiry is tested without waiting
// for real time to pass. Thread-safe (the time is an atomic).
#pragma once

#include <atomic>
#include <cstdint>

#include "common/wall_clock.h"

namespace warp::testing {

class ManualClock final : public WallClock {
 public:
  // 2026-11-24T10:00:00.000Z: a plausible present, far from 0 (which means "no expiry").
  static constexpr int64_t kStart = 1795514400000;

  explicit ManualClock(int64_t now_ms = kStart) : now_(now_ms) {}
  int64_t NowUnixMillis() const override { return now_.load(std::memory_order_acquire); }
  void Set(int64_t now_ms) { now_.store(now_ms, std::memory_order_release); }
  void Advance(int64_t ms) { now_.fetch_add(ms, std::memory_order_acq_rel); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace warp::testing
