#include "actors/runtime_config.h"

#include <caf/atom.hpp>
#include <caf/timespan.hpp>

namespace warp {

RuntimeConfig::RuntimeConfig(const RuntimeOptions& runtime) {
  set("scheduler.policy", caf::atom("stealing"));
  set("scheduler.max-threads", size_t{runtime.scheduler_threads});
  set("work-stealing.aggressive-poll-attempts", size_t{runtime.aggressive_poll_attempts});
  set("work-stealing.moderate-poll-attempts", size_t{runtime.moderate_poll_attempts});
  set("work-stealing.relaxed-sleep-duration",
      caf::timespan{std::chrono::milliseconds(runtime.relaxed_sleep_ms)});
}

}  // namespace warp
