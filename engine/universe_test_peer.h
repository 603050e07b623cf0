// Test-only access to a Universe: the actor runtime of an open one (the actor system and the
// root supervisor, so tests can crash actors and watch the supervision tree react), and the
// file system its logs and snapshots go through (so tests can inject faults). Not part of the
// public API and not exported from libwarpengine.
// REQUIRES for System/Root: the universe is open; the references are valid until Close().
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

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
};

}  // namespace warp
