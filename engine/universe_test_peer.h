// Test-only access to an open Universe's actor runtime: the actor system and the root
// supervisor, so tests can crash actors and watch the supervision tree react. Not part of
// the public API and not exported from libwarpengine.
// REQUIRES: the universe is open; the references are valid until Close().
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "warp/universe.h"

namespace warp {

class UniverseTestPeer {
 public:
  static caf::actor_system& System(Universe& universe);
  static caf::actor Root(Universe& universe);
};

}  // namespace warp
