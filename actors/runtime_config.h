// The CAF actor-system configuration of a Universe, built from RuntimeOptions.
//
// CAF 0.17's defaults poll idle workers with sleeps that make one request/response cost
// ~100 us on a 2-core machine; the defaults of RuntimeOptions are the tuned "config G" of
// docs CAF-0.17.md section 1 (2 workers, aggressive polling, no moderate phase).
// The config must outlive the actor_system constructed from it.
#pragma once

#include <caf/actor_system_config.hpp>

#include "warp/options.h"

namespace warp {

class RuntimeConfig : public caf::actor_system_config {
 public:
  explicit RuntimeConfig(const RuntimeOptions& runtime);
};

}  // namespace warp
