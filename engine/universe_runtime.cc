#include "engine/universe_runtime.h"

#include "engine/universe_test_peer.h"

namespace warp {

// The test peer already reaches into the Universe's internals; the front-ends need only this.
caf::actor_system& ActorSystemOf(Universe& universe) { return UniverseTestPeer::System(universe); }

}  // namespace warp
