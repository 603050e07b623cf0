// warp::config: fills a warp::Options from YAML text, files and `dotted.key=value` overrides.
//
// Layering: start from Options{} (the compiled-in defaults, equal to config/warpengine.yaml),
// apply a file with LoadFile/ParseYaml, then each warpd --set with ApplyOverride; later layers
// win. Each call checks every key it sets (type and range) and leaves *options untouched when
// it fails. Rules that span several keys are checked only by Validate, which the caller runs
// once on the finished Options (a later layer may fix what an earlier one got wrong).
//
// One schema (config/internal/schema.h) drives parsing, overrides, validation, JSON output and
// DescribeKeys; docs/configuration.md lists every key.
//
// Errors are Status::InvalidArgument (LoadFile: IOError for an unreadable file) whose message
// says where and what: "<source>:<line>: <key path>: <what was wrong>" with a 1-based line, or
// "--set <assignment>: ..." for an override, or "<key path>: ..." from Validate. Examples:
//   warpengine.yaml:7: unknown key 'wal.fsyncc' (known keys under 'wal': fsync, segment_bytes)
//   warpengine.yaml:3: shards: 0 is out of range [1, 256]
//   --set wal.fsync=sometimes: wal.fsync: expected one of always, everysec, no, got 'sometimes'
//
// Thread-safety: every function is safe to call concurrently (no shared mutable state); each
// Options* must be used by one thread at a time. No exception escapes this module.
#pragma once

#include <string>
#include <string_view>

#include "warp/options.h"
#include "warp/status.h"

namespace warp::config {

// Parses YAML text on top of *options (so layering works: defaults -> file -> overrides).
// `source` names the text in error messages (a file path, or "<embedded default>").
// An empty document, or one holding only comments, changes nothing; so does a section whose
// value is empty (`wal:` with no keys under it). A dotted name is the same key as the nested
// form: `wal.fsync: always` at the top level equals `wal: {fsync: always}` (setting both is a
// duplicate key). Unknown keys, duplicate keys, values of the wrong type or out of range, a
// second YAML document and YAML syntax errors are InvalidArgument.
// REQUIRES: options != nullptr. On error *options is unchanged.
Status ParseYaml(std::string_view text, std::string_view source, Options* options);

// Reads and parses a file; a missing/unreadable file is IOError naming the path. Parse errors
// are reported as by ParseYaml with the path as source. On error *options is unchanged.
Status LoadFile(const std::string& path, Options* options);

// Applies one "dotted.key=value" override (warpd --set), validated exactly like the file.
// Whitespace around the key and around the value is ignored; the value is taken literally (no
// YAML quoting). Naming a section ("wal") or an unknown key, or leaving out '=', is
// InvalidArgument. On error *options is unchanged.
Status ApplyOverride(std::string_view assignment, Options* options);

// Cross-field and range validation of a complete Options (also used for Options built in C++
// code). Checks every key's range exactly as parsing does, then the rules that involve several
// keys (server.port and server.http_port must differ unless 0). Returns the first problem.
Status Validate(const Options& options);

// The effective configuration as pretty JSON (written by the engine to
// data/configuration/effective.json): nested objects mirroring the YAML sections, in schema
// order, numbers as JSON numbers, enums by name ("everysec"). JSON is YAML, so ParseYaml reads
// the result back to the same Options.
std::string ToJson(const Options& options);

// The text of config/warpengine.yaml, compiled into the binary (the embedded default).
// The view refers to static storage and stays valid for the life of the process.
std::string_view EmbeddedDefaultYaml();

// Every schema key with its help text, for `warpd --help-config` style listings, one key per
// line in schema order, columns aligned: "wal.fsync  always|everysec|no  <help> (default:
// everysec)".
std::string DescribeKeys();

}  // namespace warp::config
