// The universe manifest, data/universe.json: what a data directory is and how it is laid out.
//
// JSON, human-readable, rewritten atomically (write temp, fsync, rename). It records the
// format version, the shard count fixed at creation, the slot table (slot -> shard, as
// ranges), and when the directory was created, last opened and last closed cleanly.
// docs/data_directory.md shows an example. A reader refuses a newer format_version, a
// malformed document or a slot table that does not cover every slot with a valid shard.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/slot_router.h"
#include "warp/status.h"

namespace warp {

struct Manifest {
  // Version history: 1 = initial layout (this build).
  static constexpr uint32_t kFormatVersion = 1;

  uint32_t format_version = kFormatVersion;
  uint32_t shard_count = 0;
  SlotTable slot_table;
  std::string engine_version;  // WarpEngine version that last wrote the manifest
  std::string created_at;      // ISO-8601 UTC
  std::string opened_at;       // last Open
  std::string closed_at;       // last clean Close ("" if never)
  uint64_t open_count = 0;
  bool clean_shutdown = false;  // false while open: a crash leaves it false
};

std::string ManifestToJson(const Manifest& manifest);

// Parses and validates. Errors are Corruption statuses naming `path` and the offending field.
Status ManifestFromJson(std::string_view text, const std::string& path, Manifest* manifest);

}  // namespace warp
