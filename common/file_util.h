// Whole-file helpers for small metadata files (manifest, effective config, READMEs).
// Errors are IOError statuses naming the path and the OS error. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "warp/status.h"

namespace warp {

// Reads the whole file into *contents. NotFound if it does not exist.
Status ReadFile(const std::string& path, std::string* contents);

// Replaces `path` atomically: writes `path`.tmp, fsyncs it, renames it over `path` and fsyncs
// the directory, so a crash leaves either the old or the new contents, never a mix.
Status WriteFileAtomic(const std::string& path, std::string_view contents);

// Creates `path` and its parents if missing.
Status CreateDirs(const std::string& path);

// fsyncs the directory `dir`, making the creation, rename or removal of its entries durable.
Status SyncDir(const std::string& dir);

// Current UTC time as ISO-8601 with milliseconds: "2026-11-24T10:00:00.123Z".
std::string UtcNowIso8601();

}  // namespace warp
