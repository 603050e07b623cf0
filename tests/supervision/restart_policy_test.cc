// Tests supervision/internal/restart_policy.cc: the CAF-free decisions of a supervisor, with
// explicit time points instead of a clock.
#include "supervision/internal/restart_policy.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

namespace warp::supervision::internal {
namespace {

using std::chrono::milliseconds;
using Indexes = std::vector<size_t>;

const std::vector<Restart> kFourPermanent(4, Restart::kPermanent);
const std::vector<bool> kAllRunning(4, true);

std::vector<bool> RunningExcept(size_t failed) {
  std::vector<bool> running = kAllRunning;
  running[failed] = false;
  return running;
}

TEST_CASE("ShouldRestart follows the permanent, transient and temporary rules") {
  CHECK(ShouldRestart(Restart::kPermanent, true));
  CHECK(ShouldRestart(Restart::kPermanent, false));
  CHECK(ShouldRestart(Restart::kTransient, true));
  CHECK_FALSE(ShouldRestart(Restart::kTransient, false));
  CHECK_FALSE(ShouldRestart(Restart::kTemporary, true));
  CHECK_FALSE(ShouldRestart(Restart::kTemporary, false));
}

TEST_CASE("one_for_one plans to restart only the failed child") {
  auto plan = PlanRestart(Strategy::kOneForOne, kFourPermanent, RunningExcept(1), 1);
  CHECK(plan.stop.empty());
  CHECK(plan.start == Indexes{1});
}

TEST_CASE("one_for_all plans to stop the others in reverse order and start all in order") {
  auto plan = PlanRestart(Strategy::kOneForAll, kFourPermanent, RunningExcept(1), 1);
  CHECK(plan.stop == Indexes{3, 2, 0});
  CHECK(plan.start == Indexes{0, 1, 2, 3});
}

TEST_CASE("rest_for_one plans to restart the failed child and the children after it") {
  auto plan = PlanRestart(Strategy::kRestForOne, kFourPermanent, RunningExcept(1), 1);
  CHECK(plan.stop == Indexes{3, 2});
  CHECK(plan.start == Indexes{1, 2, 3});
}

TEST_CASE("a group restart stops a temporary sibling without starting it again") {
  std::vector<Restart> types = {Restart::kPermanent, Restart::kTemporary, Restart::kTransient,
                                Restart::kPermanent};
  auto plan = PlanRestart(Strategy::kOneForAll, types, RunningExcept(3), 3);
  CHECK(plan.stop == Indexes{2, 1, 0});
  CHECK(plan.start == Indexes{0, 2, 3});
}

TEST_CASE("a group restart starts a stopped transient sibling but stops only running ones") {
  std::vector<Restart> types = {Restart::kPermanent, Restart::kTransient, Restart::kPermanent};
  auto plan = PlanRestart(Strategy::kOneForAll, types, {false, false, true}, 0);
  CHECK(plan.stop == Indexes{2});
  CHECK(plan.start == Indexes{0, 1, 2});
}

TEST_CASE("restart intensity allows max_restarts within the period and escalates on one more") {
  RestartIntensity intensity(3, milliseconds(1000));
  RestartIntensity::Clock::time_point t0{};
  CHECK_FALSE(intensity.RecordAndCheckExceeded(t0));
  CHECK_FALSE(intensity.RecordAndCheckExceeded(t0 + milliseconds(10)));
  CHECK_FALSE(intensity.RecordAndCheckExceeded(t0 + milliseconds(20)));
  CHECK(intensity.RecordAndCheckExceeded(t0 + milliseconds(30)));
}

TEST_CASE("restarts older than the period no longer count toward intensity") {
  RestartIntensity intensity(2, milliseconds(1000));
  RestartIntensity::Clock::time_point t0{};
  CHECK_FALSE(intensity.RecordAndCheckExceeded(t0));
  CHECK_FALSE(intensity.RecordAndCheckExceeded(t0 + milliseconds(500)));
  // t0 is now 1001 ms old and drops out of the window.
  CHECK_FALSE(intensity.RecordAndCheckExceeded(t0 + milliseconds(1001)));
  CHECK(intensity.InWindow() == 2);
  CHECK(intensity.RecordAndCheckExceeded(t0 + milliseconds(1400)));
}

TEST_CASE("max_restarts of zero escalates on the first restart") {
  RestartIntensity intensity(0, milliseconds(1000));
  CHECK(intensity.RecordAndCheckExceeded(RestartIntensity::Clock::time_point{}));
}

}  // namespace
}  // namespace warp::supervision::internal
