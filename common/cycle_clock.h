// CycleClock: a cheap timestamp for the per-operation latency in cosmic metadata.
//
// std::chrono::steady_clock::now() reads the TSC through the vDSO with an ordering fence
// (lfence/rdtscp). The fence stops the CPU from overlapping one operation's cache misses with
// the next one's: with 1M keys, two such reads per Get cost far more than their 20 ns in
// cache (bench/store_bench, see bench/README.md). A plain rdtsc is not ordered, so latencies
// measured with it may be off by a few instructions; that is acceptable for metadata.
//
// Ticks are converted to nanoseconds with a ratio measured once against steady_clock
// (Calibrate(), about 2 ms, done by Universe::Open). Before calibration ToNanos returns 0.
// On CPUs without a TSC, ticks are steady_clock nanoseconds. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace warp::cycle_clock {

inline uint64_t Now() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
#endif
}

// Measures nanoseconds per tick once per process; later calls return at once.
void Calibrate();

namespace internal {
extern std::atomic<double> nanos_per_tick;
}  // namespace internal

inline uint64_t ToNanos(uint64_t ticks) {
  return static_cast<uint64_t>(static_cast<double>(ticks) *
                               internal::nanos_per_tick.load(std::memory_order_relaxed));
}

}  // namespace warp::cycle_clock
