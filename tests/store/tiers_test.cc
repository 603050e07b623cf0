// Observation (heat) and the promotion threshold of store/tiers.h.
#include "store/tiers.h"

#include <catch2/catch.hpp>
#include <string>

namespace warp {

namespace {

// A hot record of a 4-byte key, heat initialised at `minute`.
TableRecord::Ptr NewRecord(uint16_t minute) {
  TableRecord::Ptr r = TableRecord::Make("key1", "value");
  tiers::InitHeat(*r, minute);
  return r;
}

// The heat after `reads` observations in one minute, averaged over `records` fresh records.
double MeanHeatAfter(int reads, int records) {
  double sum = 0;
  for (int i = 0; i < records; ++i) {
    TableRecord::Ptr r = NewRecord(0);
    uint8_t heat = 0;
    for (int n = 0; n < reads; ++n) heat = tiers::Observe(*r, 0, 1);
    sum += heat;
  }
  return sum / records;
}

}  // namespace

TEST_CASE("a new record starts at the initial heat and its first read raises it by one") {
  TableRecord::Ptr r = NewRecord(7);
  CHECK(tiers::DecayedHeat(*r, 7, 1) == tiers::kInitialHeat);
  CHECK(tiers::Observe(*r, 7, 1) == tiers::kInitialHeat + 1);
}

TEST_CASE("a read reports the heat before it, which the cache's doorkeeper looks at") {
  TableRecord::Ptr r = NewRecord(3);
  uint8_t before = 0;
  tiers::Observe(*r, 3, 1, &before);
  CHECK(before == tiers::kInitialHeat);
  tiers::Observe(*r, 3, 1, &before);
  CHECK(before == tiers::kInitialHeat + 1);
}

TEST_CASE("raising heat marks a key as read before without lowering a hotter one") {
  TableRecord::Ptr fresh = NewRecord(3);
  tiers::RaiseHeat(*fresh, tiers::kCacheHeat, 4, 1);
  CHECK(tiers::DecayedHeat(*fresh, 4, 1) == tiers::kCacheHeat);
  TableRecord::Ptr hot = NewRecord(3);
  for (int n = 0; n < 1000; ++n) tiers::Observe(*hot, 3, 1);
  uint8_t heat = tiers::DecayedHeat(*hot, 3, 1);
  tiers::RaiseHeat(*hot, tiers::kCacheHeat, 3, 1);
  CHECK(tiers::DecayedHeat(*hot, 3, 1) == heat);
}

TEST_CASE("heat grows with about the square root of the reads, so a few reads count") {
  // 4 reads make about 7, 100 about 15, 10,000 about 105 (tiers.h): distinct at the low end,
  // where Redis's log factor of 10 gives 6 to everything read up to a dozen times.
  double after4 = MeanHeatAfter(4, 400);
  double after100 = MeanHeatAfter(100, 200);
  double after10000 = MeanHeatAfter(10000, 20);
  CHECK(after4 > 6.3);
  CHECK(after4 < 7.7);
  CHECK(after100 > 12);
  CHECK(after100 < 18);
  CHECK(after10000 > 90);
  CHECK(after10000 < 120);
}

TEST_CASE("heat decays one step per idle decay period and never below zero") {
  TableRecord::Ptr r = NewRecord(100);
  for (int n = 0; n < 100; ++n) tiers::Observe(*r, 100, 2);
  uint8_t heat = tiers::DecayedHeat(*r, 100, 2);
  CHECK(heat > tiers::kInitialHeat);
  CHECK(tiers::DecayedHeat(*r, 104, 2) == heat - 2);
  CHECK(tiers::DecayedHeat(*r, 100 + 2 * 300, 2) == 0);
  // The heat clock is a 16-bit minute: it wraps, and the distance still counts.
  TableRecord::Ptr wrapped = NewRecord(65535);
  CHECK(tiers::DecayedHeat(*wrapped, 1, 1) == tiers::kInitialHeat - 2);
}

TEST_CASE("with no demotion yet a read promotes at the least promotion heat") {
  tiers::VictimHeat victims;
  CHECK(victims.PromoteThreshold() == tiers::kMinPromoteHeat);
}

TEST_CASE("a read promotes only above the heat of the records demotion has been taking") {
  tiers::VictimHeat victims;
  victims.Add(20);
  CHECK(victims.PromoteThreshold() == 21);
  // Colder windows pull the threshold down gradually (a moving average), not at once.
  victims.Add(6);
  uint8_t after_one = victims.PromoteThreshold();
  CHECK(after_one < 21);
  CHECK(after_one > 7);
  for (int i = 0; i < 100; ++i) victims.Add(6);
  CHECK(victims.PromoteThreshold() == 7);
  // Never below the least promotion heat, even when demotion takes brand-new records.
  for (int i = 0; i < 100; ++i) victims.Add(0);
  CHECK(victims.PromoteThreshold() == tiers::kMinPromoteHeat);
}

}  // namespace warp
