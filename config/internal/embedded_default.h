// The bytes of config/warpengine.yaml, compiled in. The definition is generated at build time
// by config/embed_text.cmake (see config/CMakeLists.txt), so editing the YAML file rebuilds it.
// Use warp::config::EmbeddedDefaultYaml() rather than these symbols.
#pragma once

#include <cstddef>

namespace warp::config::internal {

extern const char kEmbeddedDefaultYaml[];           // NUL-terminated
extern const std::size_t kEmbeddedDefaultYamlSize;  // without the terminating NUL

}  // namespace warp::config::internal
