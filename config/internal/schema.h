// The configuration schema: one KeySpec per YAML key, the single source of truth for parsing,
// --set overrides, validation, JSON output and help listings (config/config.cc walks it; no
// function there names a key).
//
// A key is a dotted path ("tiers.cold.fsync"); every proper prefix of a key's path is a
// section ("tiers", "tiers.cold"), and "" is the top-level section. Values travel as text:
// AssignText parses and range-checks text and stores it in the Options field, RenderText gives
// back text that AssignText accepts, so Validate re-checks a C++-built Options through the very
// same code as the YAML parser.
//
// Error messages produced here have no location; callers prefix "<source>:<line>: " or
// "--set <assignment>: ". Thread-safety: the table is built once (thread-safe static init) and
// is read-only afterwards.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "warp/options.h"
#include "warp/status.h"

namespace warp::config::internal {

enum class KeyType : uint8_t {
  kString,    // any text whose length is in [min, max]
  kUint,      // decimal unsigned integer in [min, max]
  kByteSize,  // kUint that also accepts a B, KiB, MiB, GiB or TiB suffix ("64MiB")
  kEnum,      // one of `choices`
};

// The Options field a key reads and writes. An enum key stores either a FsyncPolicy (choice i
// is enum value i) or the chosen name itself (log_level is a std::string).
using FieldRef = std::variant<std::string*, uint32_t*, uint64_t*, FsyncPolicy*>;

// A key's value, typed: text for kString and kEnum, a number for kUint and kByteSize.
using Value = std::variant<std::string, uint64_t>;

struct KeySpec {
  std::string_view path;                  // "wal.segment_bytes"
  KeyType type;                           //
  uint64_t min;                           // numbers: smallest value; strings: shortest length
  uint64_t max;                           // numbers: largest value; strings: longest length
  std::vector<std::string_view> choices;  // kEnum only: accepted names
  std::string_view unit;                  // "ms", "bytes", "" (shown by DescribeKeys)
  std::string_view help;                  // one sentence
  FieldRef (*field)(Options* options);    // where the value lives in an Options
};

// Every key, in the order of config/warpengine.yaml.
const std::vector<KeySpec>& Schema();

// The key with this exact path, or nullptr.
const KeySpec* FindKey(std::string_view path);
// True if `path` is "" or a proper prefix (ending at a '.') of some key's path.
bool IsSection(std::string_view path);
// The distinct next path components below `section`, in schema order ("wal" -> fsync,
// segment_bytes; "" -> data_dir, shards, ...).
std::vector<std::string_view> ChildNames(std::string_view section);

// "unknown key 'wal.fsyncc' (known keys under 'wal': fsync, segment_bytes)"; the listed
// section is the longest prefix of `path` that is a section.
std::string UnknownKeyMessage(std::string_view path);
// "known keys under 'wal': fsync, segment_bytes" or "known top-level keys: data_dir, ...".
std::string KnownKeysPhrase(std::string_view section);

// What the key accepts, as used after "expected": "an unsigned integer", "one of always,
// everysec, no", "a non-empty string", "a byte size (...)".
std::string Expectation(const KeySpec& key);
// InvalidArgument "<path>: expected <Expectation>, got <got>"; `got` is already phrased
// ("'four'", "a mapping").
Status TypeMismatch(const KeySpec& key, std::string_view got);

// Parses `text` as this key's type, checks its range, and on success stores it in *options.
// Errors (InvalidArgument): "shards: expected an unsigned integer, got 'four'",
// "shards: 0 is out of range [1, 256]". On error *options is unchanged.
Status AssignText(const KeySpec& key, std::string_view text, Options* options);

// The field's current value. For a FsyncPolicy outside the enum, the number as text.
Value ReadValue(const KeySpec& key, const Options& options);
// ReadValue as text AssignText accepts back (numbers in decimal).
std::string RenderText(const KeySpec& key, const Options& options);

// "string", "uint 1..256", "uint 10..60000 ms", "bytes 1MiB..4GiB", "always|everysec|no".
std::string TypeSummary(const KeySpec& key);
// A byte count as "64MiB" when it is an exact multiple of a binary unit, else decimal.
std::string FormatBytes(uint64_t bytes);

}  // namespace warp::config::internal
