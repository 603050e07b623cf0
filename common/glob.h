// Glob matching with Redis's KEYS/SCAN MATCH semantics: `*` any run, `?` one byte,
// `[abc]`, `[^abc]`, `[a-z]` classes, `\x` escapes x. Byte-wise, case-sensitive.
// Pure function; thread-safe.
#pragma once

#include <string_view>

namespace warp {

bool GlobMatch(std::string_view pattern, std::string_view text);

// The literal prefix of a glob (the bytes before its first special character), used to skip
// keys quickly: every key the pattern matches starts with it.
std::string_view GlobLiteralPrefix(std::string_view pattern);

}  // namespace warp
