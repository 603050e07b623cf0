// Helpers shared by the dump tools (`warp wal dump`, `warp snapshot dump`): how bytes are shown
// and how a data directory's shards are found. Pure functions (the manifest is only read).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/manifest.h"
#include "warp/status.h"

namespace warp::tools {

// "ada", "a\x00b": printable ASCII kept, backslash and other bytes escaped.
std::string EscapeBytes(std::string_view bytes);

// Reads the manifest of `data_dir` into *m. NotFound "D is not a WarpEngine data directory (no
// universe.json)"; InvalidArgument "--shard 7 does not exist (2 shards)" if `shard` is given
// and out of range; Corruption from a manifest that does not parse.
Status LoadManifestForDump(const std::string& data_dir, std::optional<uint32_t> shard, Manifest* m);

}  // namespace warp::tools
