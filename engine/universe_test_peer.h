// Test-only access to a Universe: the actor runtime of an open one (the actor system and the
// root supervisor, so tests can crash actors and watch the supervision tree react), the
// file system its logs and snapshots go through (so tests can inject faults), and the wall
// clock key expiry is judged by (so tests can set the time). Not part of the public API and not
// exported from libwarpengine.
// REQUIRES for System/Root: the universe is open; the references are valid until Close().
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "common/wall_clock.h"
#include "wal/file.h"
#include "warp/universe.h"

namespace warp {

class UniverseTestPeer {
 public:
  static caf::actor_system& System(Universe& universe);
  static caf::actor Root(Universe& universe);
  // The next Open() writes WAL segments and snapshots through `fs` (null: the default).
  // REQUIRES: the universe is closed; fs outlives its next session.
  static void UseFileSystem(Universe& universe, FileSystem* fs);
  // The next Open() judges expiry by `clock` (null: the system clock): lazy expiry, active
  // expiry and recovery. REQUIRES: the universe is closed; clock outlives its next session.
  static void UseWallClock(Universe& universe, const WallClock* clock);
};

}  // namespace warp
