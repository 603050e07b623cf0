#include "common/cycle_clock.h"

#include <mutex>

namespace warp::cycle_clock {

namespace internal {
std::atomic<double> nanos_per_tick{0.0};
}  // namespace internal

void Calibrate() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__x86_64__) || defined(__i386__)
    using Clock = std::chrono::steady_clock;
    // Spin for ~2 ms: long enough that the two clocks' read costs are negligible.
    Clock::time_point start = Clock::now();
    uint64_t first = Now();
    Clock::time_point end = start;
    while (end - start < std::chrono::milliseconds(2)) end = Clock::now();
    uint64_t ticks = Now() - first;
    double nanos = std::chrono::duration<double, std::nano>(end - start).count();
    internal::nanos_per_tick.store(ticks > 0 ? nanos / static_cast<double>(ticks) : 0.0);
#else
    internal::nanos_per_tick.store(1.0);
#endif
  });
}

}  // namespace warp::cycle_clock
