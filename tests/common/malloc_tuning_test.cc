#include "common/malloc_tuning.h"

#include <catch2/catch.hpp>
#include <cstdlib>

namespace warp {

TEST_CASE("the malloc arena limit is set unless MALLOC_ARENA_MAX already chose one") {
  const char* saved = std::getenv("MALLOC_ARENA_MAX");
  ::unsetenv("MALLOC_ARENA_MAX");
  CHECK(LimitMallocArenas(2));
  ::setenv("MALLOC_ARENA_MAX", "4", 1);
  CHECK_FALSE(LimitMallocArenas(2));
  if (saved != nullptr) {
    ::setenv("MALLOC_ARENA_MAX", saved, 1);
  } else {
    ::unsetenv("MALLOC_ARENA_MAX");
  }
}

}  // namespace warp
