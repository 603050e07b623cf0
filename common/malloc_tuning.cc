#include "common/malloc_tuning.h"

#include <malloc.h>

#include <cstdlib>

namespace warp {

bool LimitMallocArenas(int arenas) {
  // glibc reads MALLOC_ARENA_MAX itself at its first allocation; a mallopt would override it.
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return false;
  return ::mallopt(M_ARENA_MAX, arenas) == 1;
}

}  // namespace warp
