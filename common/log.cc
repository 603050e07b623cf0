#include "common/log.h"

#include <unistd.h>

#include <atomic>

#include "common/file_util.h"

namespace warp::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

const char* LevelTag(Level level) {
  switch (level) {
    case Level::kError:
      return "ERROR";
    case Level::kWarn:
      return "WARN ";
    case Level::kInfo:
      return "INFO ";
    case Level::kDebug:
      return "DEBUG";
  }
  return "?    ";
}
}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level GetLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool ParseLevel(std::string_view name, Level* out) {
  if (name == "error")
    *out = Level::kError;
  else if (name == "warn")
    *out = Level::kWarn;
  else if (name == "info")
    *out = Level::kInfo;
  else if (name == "debug")
    *out = Level::kDebug;
  else
    return false;
  return true;
}

void Write(Level level, std::string_view message) {
  std::string line = UtcNowIso8601();
  line += ' ';
  line += LevelTag(level);
  line += ' ';
  line += message;
  line += '\n';
  // One write(2) per line keeps lines from concurrent threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace warp::log
