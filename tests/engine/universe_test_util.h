// Shared set-up for the engine tests: options for a small, quiet universe in a temp dir.
#pragma once

#include "tests/support/temp_dir.h"
#include "warp/universe.h"

namespace warp::testing {

inline Options SmallUniverse(const TempDir& tmp, uint32_t shards = 4) {
  Options options;
  options.data_dir = tmp.Sub("data");
  options.shards = shards;
  options.stats_interval_ms = 50;
  options.log_level = "warn";
  return options;
}

}  // namespace warp::testing
