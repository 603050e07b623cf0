// WallClock: the time of day (Unix milliseconds) as key expiry sees it, behind a small
// interface so that tests can set the time (STYLE.md: "the clock goes through small
// interfaces"). A key's expiry is absolute wall-clock time, as Redis's PEXPIREAT; the steady
// clock cannot express it.
//
// SystemWallClock() is the real clock (std::chrono::system_clock): it may jump when the
// system time is set, and then keys expire early or late accordingly, as in Redis.
// Thread-safety: NowUnixMillis() may be called from any thread; implementations must allow it.
#pragma once

#include <cstdint>

namespace warp {

class WallClock {
 public:
  virtual ~WallClock() = default;
  // Milliseconds since 1970-01-01T00:00:00Z.
  virtual int64_t NowUnixMillis() const = 0;
};

// The process-wide system clock; never freed.
const WallClock* SystemWallClock();

}  // namespace warp
