// Access to an open Universe's actor system for in-process front-ends (warpd's listeners run
// as actors under their own supervisor beside the engine's tree). Not part of the public API
// and not exported from libwarpengine.
// REQUIRES: the universe is open; the reference is valid until Close().
#pragma once

#include <caf/actor_system.hpp>

#include "warp/universe.h"

namespace warp {

caf::actor_system& ActorSystemOf(Universe& universe);

}  // namespace warp
