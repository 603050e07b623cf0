// `warp inspect`: a read-only summary of a data directory for operators.
//
// Reads universe.json and walks the shard folders without taking the directory's lock, so it
// works on a live directory; it reports whether a process holds the lock and which pid wrote
// it. Never modifies anything. Errors name the path that could not be read.
#pragma once

#include <string>

#include "warp/status.h"

namespace warp::tools {

// Renders the summary of `data_dir` into *out, as text or as JSON.
Status InspectDataDir(const std::string& data_dir, bool json, std::string* out);

}  // namespace warp::tools
