#include "common/wall_clock.h"

#include <chrono>

namespace warp {

namespace {

class SystemClock final : public WallClock {
 public:
  int64_t NowUnixMillis() const override {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  }
};

}  // namespace

const WallClock* SystemWallClock() {
  static const SystemClock clock;
  return &clock;
}

}  // namespace warp
