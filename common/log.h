// A small process-wide logger: one line per event, "2026-11-24T10:00:00.123Z INFO  msg", to
// stderr. CAF's own logger is compiled out in Debian's build (CAF-0.17.md section 6), so every
// module logs through this. Thread-safe: each line is written with one write(2).
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace warp::log {

enum class Level : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Lines above this level are dropped. Default kInfo.
void SetLevel(Level level);
Level GetLevel();
// Parses "error", "warn", "info", "debug"; returns false for anything else.
bool ParseLevel(std::string_view name, Level* out);

void Write(Level level, std::string_view message);

inline bool Enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(GetLevel()); }

// Streams its arguments into one line: log::Info("opened ", dir, " with ", n, " shards").
template <class... Args>
void Emit(Level level, const Args&... args) {
  if (!Enabled(level)) return;
  std::ostringstream out;
  (out << ... << args);
  Write(level, out.str());
}
template <class... Args>
void Error(const Args&... args) {
  Emit(Level::kError, args...);
}
template <class... Args>
void Warn(const Args&... args) {
  Emit(Level::kWarn, args...);
}
template <class... Args>
void Info(const Args&... args) {
  Emit(Level::kInfo, args...);
}
template <class... Args>
void Debug(const Args&... args) {
  Emit(Level::kDebug, args...);
}

}  // namespace warp::log
