#include "config/config.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace warp::config {
namespace {

// Field by field, written out here rather than derived from the schema, so that a field the
// schema forgets shows up as a difference.
void CheckSameOptions(const Options& got, const Options& want) {
  CHECK(got.data_dir == want.data_dir);
  CHECK(got.shards == want.shards);
  CHECK(got.stats_interval_ms == want.stats_interval_ms);
  CHECK(got.log_level == want.log_level);
  CHECK(got.server.bind == want.server.bind);
  CHECK(got.server.port == want.server.port);
  CHECK(got.server.http_port == want.server.http_port);
  CHECK(got.wal.fsync == want.wal.fsync);
  CHECK(got.wal.segment_bytes == want.wal.segment_bytes);
  CHECK(got.wal.compress_min_bytes == want.wal.compress_min_bytes);
  CHECK(got.wal.retain_segments == want.wal.retain_segments);
  CHECK(got.snapshot.interval_s == want.snapshot.interval_s);
  CHECK(got.snapshot.after_writes == want.snapshot.after_writes);
  CHECK(got.tiers.hot.max_bytes == want.tiers.hot.max_bytes);
  CHECK(got.tiers.warm.compress_min_bytes == want.tiers.warm.compress_min_bytes);
  CHECK(got.tiers.warm.max_bytes == want.tiers.warm.max_bytes);
  CHECK(got.tiers.cold.cache_bytes == want.tiers.cold.cache_bytes);
  CHECK(got.tiers.cold.fsync == want.tiers.cold.fsync);
  CHECK(got.runtime.scheduler_threads == want.runtime.scheduler_threads);
  CHECK(got.runtime.aggressive_poll_attempts == want.runtime.aggressive_poll_attempts);
  CHECK(got.runtime.moderate_poll_attempts == want.runtime.moderate_poll_attempts);
  CHECK(got.runtime.relaxed_sleep_ms == want.runtime.relaxed_sleep_ms);
  CHECK(got.supervision.max_restarts == want.supervision.max_restarts);
  CHECK(got.supervision.period_ms == want.supervision.period_ms);
}

// Valid options in which every field differs from its default.
Options AllFieldsChanged() {
  Options o;
  o.data_dir = "/var/lib/warp";
  o.shards = 16;
  o.stats_interval_ms = 250;
  o.log_level = "debug";
  o.server.bind = "0.0.0.0";
  o.server.port = 6379;
  o.server.http_port = 8080;
  o.wal.fsync = FsyncPolicy::kAlways;
  o.wal.segment_bytes = 128ull << 20;
  o.tiers.hot.max_bytes = 1ull << 30;
  o.tiers.warm.compress_min_bytes = 1024;
  o.tiers.warm.max_bytes = 2ull << 30;
  o.tiers.cold.cache_bytes = 32ull << 20;
  o.tiers.cold.fsync = FsyncPolicy::kNo;
  o.runtime.scheduler_threads = 8;
  o.runtime.aggressive_poll_attempts = 0;
  o.runtime.moderate_poll_attempts = 100;
  o.runtime.relaxed_sleep_ms = 1;
  o.supervision.max_restarts = 0;
  o.supervision.period_ms = 60000;
  return o;
}

std::string SourceDir() {
  const char* dir = std::getenv("WARP_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// The message of parsing `yaml` as "app.yaml" on top of the defaults; "" if it parsed.
std::string ParseMessage(const std::string& yaml) {
  Options options;
  Status s = ParseYaml(yaml, "app.yaml", &options);
  if (!s.ok()) CHECK(s.IsInvalidArgument());
  return s.message();
}

std::string OverrideMessage(const std::string& assignment) {
  Options options;
  Status s = ApplyOverride(assignment, &options);
  if (!s.ok()) CHECK(s.IsInvalidArgument());
  return s.message();
}

// The first word of each DescribeKeys line: every schema key, in order.
std::vector<std::string> SchemaKeys() {
  std::vector<std::string> keys;
  std::istringstream lines(DescribeKeys());
  for (std::string line; std::getline(lines, line);) keys.push_back(line.substr(0, line.find(' ')));
  return keys;
}

}  // namespace

TEST_CASE("the embedded default parses to exactly the defaults of Options") {
  // Starting from options where every field differs proves the file sets every key.
  Options options = AllFieldsChanged();
  Status s = ParseYaml(EmbeddedDefaultYaml(), "<embedded default>", &options);
  REQUIRE(s.ok());
  CheckSameOptions(options, Options{});
  CHECK(Validate(options).ok());
}

TEST_CASE("the embedded default is the text of config/warpengine.yaml on disk") {
  std::string on_disk = testing::ReadFileOrEmpty(SourceDir() + "/config/warpengine.yaml");
  REQUIRE_FALSE(on_disk.empty());
  CHECK(EmbeddedDefaultYaml() == on_disk);
}

TEST_CASE("the schema has the thirty-four documented keys and docs/configuration.md names each") {
  std::vector<std::string> want = {"data_dir",
                                   "shards",
                                   "stats_interval_ms",
                                   "log_level",
                                   "server.bind",
                                   "server.port",
                                   "server.http_port",
                                   "server.requirepass",
                                   "server.maxclients",
                                   "server.io_threads",
                                   "server.busy_poll_us",
                                   "server.proto_max_bulk_len",
                                   "server.client_query_buffer_limit",
                                   "server.client_output_buffer_limit",
                                   "server.shutdown_checkpoint",
                                   "wal.fsync",
                                   "wal.segment_bytes",
                                   "wal.compress_min_bytes",
                                   "wal.retain_segments",
                                   "snapshot.interval_s",
                                   "snapshot.after_writes",
                                   "memory.max_bytes",
                                   "tiers.hot.max_bytes",
                                   "tiers.warm.compress_min_bytes",
                                   "tiers.warm.max_bytes",
                                   "tiers.cold.cache_bytes",
                                   "tiers.cold.file_bytes",
                                   "tiers.cold.fsync",
                                   "runtime.scheduler_threads",
                                   "runtime.aggressive_poll_attempts",
                                   "runtime.moderate_poll_attempts",
                                   "runtime.relaxed_sleep_ms",
                                   "supervision.max_restarts",
                                   "supervision.period_ms"};
  CHECK(SchemaKeys() == want);
  std::string docs = testing::ReadFileOrEmpty(SourceDir() + "/docs/configuration.md");
  REQUIRE_FALSE(docs.empty());
  for (const std::string& key : want) {
    INFO(key);
    CHECK(docs.find("`" + key + "`") != std::string::npos);
  }
}

TEST_CASE("an empty document or one holding only comments changes nothing") {
  for (const char* text : {"", "\n\n", "# nothing here\n  # still nothing\n", "---\n"}) {
    INFO(text);
    Options options = AllFieldsChanged();
    REQUIRE(ParseYaml(text, "app.yaml", &options).ok());
    CheckSameOptions(options, AllFieldsChanged());
  }
}

TEST_CASE("a file sets the keys it names and leaves every other field as it was") {
  Options options = AllFieldsChanged();
  Status s = ParseYaml("shards: 8\nwal:\n  fsync: no\ntiers:\n  cold:\n    cache_bytes: 128MiB\n",
                       "app.yaml", &options);
  REQUIRE(s.ok());
  Options want = AllFieldsChanged();
  want.shards = 8;
  want.wal.fsync = FsyncPolicy::kNo;
  want.tiers.cold.cache_bytes = 128ull << 20;
  CheckSameOptions(options, want);
}

TEST_CASE("a section left empty changes nothing") {
  Options options;
  REQUIRE(ParseYaml("wal:\n  # fsync: always\nshards: 2\n", "app.yaml", &options).ok());
  CHECK(options.wal.fsync == FsyncPolicy::kEverySec);
  CHECK(options.shards == 2);
}

TEST_CASE("an unknown key is reported with its line and the keys known in its section") {
  CHECK(ParseMessage("shards: 4\nwal:\n  fsyncc: always\n") ==
        "app.yaml:3: unknown key 'wal.fsyncc' (known keys under 'wal': fsync, segment_bytes, "
        "compress_min_bytes, retain_segments)");
  CHECK(ParseMessage("tiers:\n  hot:\n    max: 1\n") ==
        "app.yaml:3: unknown key 'tiers.hot.max' (known keys under 'tiers.hot': max_bytes)");
  CHECK(ParseMessage("tiers:\n  lukewarm: {}\n") ==
        "app.yaml:2: unknown key 'tiers.lukewarm' (known keys under 'tiers': hot, warm, cold)");
}

TEST_CASE("an unknown top-level key lists the known top-level keys") {
  CHECK(
      ParseMessage("# settings\n\nshard: 4\n") ==
      "app.yaml:3: unknown key 'shard' (known top-level keys: data_dir, shards, "
      "stats_interval_ms, log_level, server, wal, snapshot, memory, tiers, runtime, supervision)");
}

TEST_CASE("a word where a number belongs is reported with the key and line") {
  CHECK(ParseMessage("data_dir: /tmp/x\nshards: four\n") ==
        "app.yaml:2: shards: expected an unsigned integer, got 'four'");
  CHECK(ParseMessage("shards: -1\n") ==
        "app.yaml:1: shards: expected an unsigned integer, got '-1'");
  CHECK(ParseMessage("shards: 4.5\n") ==
        "app.yaml:1: shards: expected an unsigned integer, got '4.5'");
  CHECK(ParseMessage("supervision:\n  period_ms: 5s\n") ==
        "app.yaml:2: supervision.period_ms: expected an unsigned integer, got '5s'");
}

TEST_CASE("a mapping or sequence or nothing where a scalar belongs is named as such") {
  CHECK(ParseMessage("shards:\n  count: 4\n") ==
        "app.yaml:1: shards: expected an unsigned integer, got a mapping");
  CHECK(ParseMessage("log_level: [info, debug]\n") ==
        "app.yaml:1: log_level: expected one of error, warn, info, debug, got a sequence");
  CHECK(ParseMessage("data_dir:\n") ==
        "app.yaml:1: data_dir: expected a non-empty string, got an empty value");
  CHECK(ParseMessage("data_dir: ''\n") ==
        "app.yaml:1: data_dir: expected a non-empty string, got ''");
}

TEST_CASE("a scalar where a section belongs is reported as expecting a mapping") {
  CHECK(ParseMessage("shards: 4\nwal: x\n") ==
        "app.yaml:2: wal: expected a mapping of keys, got 'x'");
  CHECK(ParseMessage("tiers:\n  cold: [1]\n") ==
        "app.yaml:2: tiers.cold: expected a mapping of keys, got a sequence");
}

TEST_CASE("a value outside its range is reported with the range") {
  CHECK(ParseMessage("shards: 0\n").empty());  // 0 = one shard per core
  CHECK(ParseMessage("\nshards: 257\n") == "app.yaml:2: shards: 257 is out of range [0, 256]");
  CHECK(ParseMessage("server:\n  port: 65536\n") ==
        "app.yaml:2: server.port: 65536 is out of range [0, 65535]");
  CHECK(ParseMessage("stats_interval_ms: 5\n") ==
        "app.yaml:1: stats_interval_ms: 5 is out of range [10, 60000]");
  CHECK(ParseMessage("runtime:\n  scheduler_threads: 65\n") ==
        "app.yaml:2: runtime.scheduler_threads: 65 is out of range [1, 64]");
  CHECK(ParseMessage("supervision:\n  max_restarts: 1001\n") ==
        "app.yaml:2: supervision.max_restarts: 1001 is out of range [0, 1000]");
  CHECK(ParseMessage("supervision:\n  period_ms: 0\n") ==
        "app.yaml:2: supervision.period_ms: 0 is out of range [1, 3600000]");
  CHECK(ParseMessage("wal:\n  segment_bytes: 1024\n") ==
        "app.yaml:2: wal.segment_bytes: 1024 is out of range [1MiB, 4GiB]");
  CHECK(ParseMessage("shards: 99999999999999999999\n") ==
        "app.yaml:1: shards: 99999999999999999999 is out of range [0, 256]");
}

TEST_CASE("an unknown enum name lists the accepted names") {
  CHECK(ParseMessage("wal:\n  segment_bytes: 64MiB\n  fsync: sometimes\n") ==
        "app.yaml:3: wal.fsync: expected one of always, everysec, no, got 'sometimes'");
  CHECK(ParseMessage("log_level: INFO\n") ==
        "app.yaml:1: log_level: expected one of error, warn, info, debug, got 'INFO'");
}

TEST_CASE("a YAML syntax error is reported with yaml-cpp's message and a 1-based line") {
  CHECK(ParseMessage("shards: 4\nwal: [always\n") ==
        "app.yaml:3: YAML syntax error: end of sequence flow not found");
  CHECK(ParseMessage("shards: 4: 5\n") == "app.yaml:1: YAML syntax error: illegal map value");
}

TEST_CASE("a duplicate key is rejected with the lines of both occurrences") {
  CHECK(ParseMessage("shards: 4\nlog_level: info\nshards: 8\n") ==
        "app.yaml:3: duplicate key 'shards' (first set on line 1)");
  CHECK(ParseMessage("wal:\n  fsync: no\n  fsync: always\n") ==
        "app.yaml:3: duplicate key 'wal.fsync' (first set on line 2)");
}

TEST_CASE("a dotted name in the file is the same key as the nested form") {
  Options options;
  REQUIRE(ParseYaml("wal.fsync: always\ntiers:\n  cold.fsync: no\n", "app.yaml", &options).ok());
  CHECK(options.wal.fsync == FsyncPolicy::kAlways);
  CHECK(options.tiers.cold.fsync == FsyncPolicy::kNo);
  CHECK(ParseMessage("wal.fsync: always\nwal:\n  fsync: no\n") ==
        "app.yaml:3: duplicate key 'wal.fsync' (first set on line 1)");
  CHECK(ParseMessage("\"\": 1\n") ==
        "app.yaml:1: unknown key '' (known top-level keys: data_dir, shards, stats_interval_ms, "
        "log_level, server, wal, snapshot, memory, tiers, runtime, supervision)");
  CHECK(ParseMessage("wal:\n  \"\": 1\n") ==
        "app.yaml:2: unknown key 'wal.' (known keys under 'wal': fsync, segment_bytes, "
        "compress_min_bytes, retain_segments)");
}

TEST_CASE("a document that is not one mapping of keys is rejected") {
  CHECK(ParseMessage("just words\n") ==
        "app.yaml:1: expected a mapping of keys at the top level, got 'just words'");
  CHECK(ParseMessage("- shards\n") ==
        "app.yaml:1: expected a mapping of keys at the top level, got a sequence");
  CHECK(ParseMessage("shards: 2\n---\nshards: 3\n") ==
        "app.yaml:3: expected one YAML document, found 2");
}

TEST_CASE("a failed parse leaves the options exactly as they were") {
  Options options = AllFieldsChanged();
  Status s = ParseYaml("shards: 2\nlog_level: warn\nwal:\n  fsync: maybe\n", "app.yaml", &options);
  CHECK(s.message() == "app.yaml:4: wal.fsync: expected one of always, everysec, no, got 'maybe'");
  CheckSameOptions(options, AllFieldsChanged());
}

TEST_CASE("byte sizes accept plain integers and B KiB MiB GiB TiB suffixes") {
  Options options;
  REQUIRE(ParseYaml("tiers:\n  hot:\n    max_bytes: 3TiB\n  warm:\n    compress_min_bytes: 2 KiB\n"
                    "    max_bytes: 5GiB\n  cold:\n    cache_bytes: 100MiB\n"
                    "wal:\n  segment_bytes: 1048576B\n",
                    "app.yaml", &options)
              .ok());
  CHECK(options.tiers.hot.max_bytes == 3ull << 40);
  CHECK(options.tiers.warm.compress_min_bytes == 2048);
  CHECK(options.tiers.warm.max_bytes == 5ull << 30);
  CHECK(options.tiers.cold.cache_bytes == 100ull << 20);
  CHECK(options.wal.segment_bytes == 1ull << 20);
  REQUIRE(ApplyOverride("wal.segment_bytes=4GiB", &options).ok());
  CHECK(options.wal.segment_bytes == 4ull << 30);
}

TEST_CASE("malformed or overflowing byte sizes are rejected and suffixes only apply to bytes") {
  CHECK(ParseMessage("wal:\n  segment_bytes: 64MB\n") ==
        "app.yaml:2: wal.segment_bytes: expected a byte size (an unsigned integer, optionally "
        "followed by B, KiB, MiB, GiB or TiB), got '64MB'");
  CHECK(ParseMessage("wal:\n  segment_bytes: MiB\n") ==
        "app.yaml:2: wal.segment_bytes: expected a byte size (an unsigned integer, optionally "
        "followed by B, KiB, MiB, GiB or TiB), got 'MiB'");
  CHECK(ParseMessage("wal:\n  segment_bytes: 5GiB\n") ==
        "app.yaml:2: wal.segment_bytes: 5GiB is out of range [1MiB, 4GiB]");
  CHECK(ParseMessage("tiers:\n  hot:\n    max_bytes: 16777216TiB\n") ==
        "app.yaml:3: tiers.hot.max_bytes: 16777216TiB is out of range [0, 18446744073709551615]");
  CHECK(ParseMessage("shards: 4KiB\n") ==
        "app.yaml:1: shards: expected an unsigned integer, got '4KiB'");
}

TEST_CASE("LoadFile parses a file and names its path in errors") {
  testing::TempDir dir;
  std::string path = dir.Sub("warp.yaml");
  testing::WriteFileOrDie(path, "data_dir: /srv/warp\nshards: 32\n");
  Options options;
  REQUIRE(LoadFile(path, &options).ok());
  CHECK(options.data_dir == "/srv/warp");
  CHECK(options.shards == 32);

  testing::WriteFileOrDie(path, "data_dir: /srv/warp\nshards: 300\n");
  Status s = LoadFile(path, &options);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == path + ":2: shards: 300 is out of range [0, 256]");
  CHECK(options.shards == 32);
}

TEST_CASE("a missing or unreadable file is an IOError naming its path") {
  testing::TempDir dir;
  Options options;
  Status missing = LoadFile(dir.Sub("absent.yaml"), &options);
  CHECK(missing.IsIOError());
  CHECK(missing.message() ==
        dir.Sub("absent.yaml") + ": cannot open configuration file: No such file or directory");
  Status directory = LoadFile(dir.path(), &options);
  CHECK(directory.IsIOError());
  CHECK(directory.message() == dir.path() + ": cannot read configuration file: Is a directory");
}

TEST_CASE("an override sets one dotted key") {
  Options options;
  REQUIRE(ApplyOverride("wal.fsync=always", &options).ok());
  CHECK(options.wal.fsync == FsyncPolicy::kAlways);
  REQUIRE(ApplyOverride("server.port=0", &options).ok());
  CHECK(options.server.port == 0);
  REQUIRE(ApplyOverride(" shards = 12 ", &options).ok());
  CHECK(options.shards == 12);
  REQUIRE(ApplyOverride("data_dir=/data/a=b", &options).ok());
  CHECK(options.data_dir == "/data/a=b");
  REQUIRE(ApplyOverride("log_level=debug", &options).ok());
  CHECK(options.log_level == "debug");
}

TEST_CASE("an invalid override names the assignment and what was wrong") {
  CHECK(OverrideMessage("wal.fsync=sometimes") ==
        "--set wal.fsync=sometimes: wal.fsync: expected one of always, everysec, no, got "
        "'sometimes'");
  CHECK(OverrideMessage("shards=300") == "--set shards=300: shards: 300 is out of range [0, 256]");
  CHECK(OverrideMessage("wal.fsyncc=always") ==
        "--set wal.fsyncc=always: unknown key 'wal.fsyncc' (known keys under 'wal': fsync, "
        "segment_bytes, compress_min_bytes, retain_segments)");
  CHECK(OverrideMessage("walx.fsync=always") ==
        "--set walx.fsync=always: unknown key 'walx.fsync' (known top-level keys: data_dir, "
        "shards, stats_interval_ms, log_level, server, wal, snapshot, memory, tiers, runtime, "
        "supervision)");
  CHECK(OverrideMessage("data_dir=") ==
        "--set data_dir=: data_dir: expected a non-empty string, got ''");
}

TEST_CASE("an override without '=' or naming a section is rejected clearly") {
  CHECK(OverrideMessage("wal.fsync") ==
        "--set wal.fsync: expected dotted.key=value, e.g. wal.fsync=always");
  CHECK(OverrideMessage("=always") ==
        "--set =always: expected dotted.key=value, e.g. wal.fsync=always");
  CHECK(OverrideMessage("tiers.cold=1") ==
        "--set tiers.cold=1: 'tiers.cold' is a section, not a key (known keys under 'tiers.cold': "
        "cache_bytes, file_bytes, fsync)");
  Options options;
  CHECK_FALSE(ApplyOverride("shards=many", &options).ok());
  CHECK(options.shards == Options{}.shards);
}

TEST_CASE("defaults then a file then overrides: later layers win") {
  testing::TempDir dir;
  std::string path = dir.Sub("warp.yaml");
  testing::WriteFileOrDie(path, "shards: 8\nwal:\n  fsync: no\nlog_level: warn\n");
  Options options;
  REQUIRE(LoadFile(path, &options).ok());
  REQUIRE(ApplyOverride("wal.fsync=always", &options).ok());
  REQUIRE(ApplyOverride("shards=16", &options).ok());
  CHECK(options.shards == 16);                       // --set beats the file
  CHECK(options.wal.fsync == FsyncPolicy::kAlways);  // --set beats the file
  CHECK(options.log_level == "warn");                // the file beats the default
  CHECK(options.data_dir == "./data");               // untouched default
  CHECK(Validate(options).ok());
}

TEST_CASE("ToJson mirrors the YAML sections with numbers as numbers and enums by name") {
  Options options;
  options.wal.fsync = FsyncPolicy::kAlways;
  options.tiers.cold.cache_bytes = 5ull << 40;
  nlohmann::json json = nlohmann::json::parse(ToJson(options));
  CHECK(json["data_dir"] == "./data");
  CHECK(json["shards"] == 0);
  CHECK(json["server"]["port"] == 7379);
  CHECK(json["wal"]["fsync"] == "always");
  CHECK(json["wal"]["segment_bytes"] == 64ull << 20);
  CHECK(json["tiers"]["cold"]["cache_bytes"] == 5ull << 40);
  CHECK(json["tiers"]["cold"]["fsync"] == "everysec");
  CHECK(json["supervision"]["period_ms"] == 5000);
  CHECK(json["memory"]["max_bytes"] == 0);
  CHECK(json.size() == 11);
  CHECK(ToJson(options).find("{\n  \"data_dir\": \"./data\",\n  \"shards\": 0,") == 0);
}

TEST_CASE("the JSON of any options parses back as YAML to the same options") {
  Options original = AllFieldsChanged();
  Options parsed;
  REQUIRE(ParseYaml(ToJson(original), "effective.json", &parsed).ok());
  CheckSameOptions(parsed, original);
}

TEST_CASE("Validate accepts the defaults and rejects out-of-range fields set in C++") {
  CHECK(Validate(Options{}).ok());
  CHECK(Validate(AllFieldsChanged()).ok());
  Options options;
  options.shards = 300;
  CHECK(Validate(options).message() == "shards: 300 is out of range [0, 256]");
  options = Options{};
  options.wal.segment_bytes = 1024;
  CHECK(Validate(options).message() == "wal.segment_bytes: 1024 is out of range [1MiB, 4GiB]");
  options = Options{};
  options.server.http_port = 70000;
  CHECK(Validate(options).message() == "server.http_port: 70000 is out of range [0, 65535]");
  options = Options{};
  options.runtime.relaxed_sleep_ms = 0;
  CHECK(Validate(options).message() == "runtime.relaxed_sleep_ms: 0 is out of range [1, 10000]");
  CHECK(Validate(options).IsInvalidArgument());
}

TEST_CASE("Validate rejects an empty data_dir and names outside an enum") {
  Options options;
  options.data_dir = "";
  CHECK(Validate(options).message() == "data_dir: expected a non-empty string, got ''");
  options = Options{};
  options.log_level = "verbose";
  CHECK(Validate(options).message() ==
        "log_level: expected one of error, warn, info, debug, got 'verbose'");
  options = Options{};
  options.tiers.cold.fsync = static_cast<FsyncPolicy>(7);
  CHECK(Validate(options).message() ==
        "tiers.cold.fsync: expected one of always, everysec, no, got '7'");
}

TEST_CASE("Validate requires distinct front-end ports unless the OS chooses them") {
  Options options;
  options.server.port = 7000;
  options.server.http_port = 7000;
  CHECK(Validate(options).message() ==
        "server.port and server.http_port are both 7000; the RESP and HTTP front-ends need "
        "different ports");
  options.server.port = 0;
  options.server.http_port = 0;
  CHECK(Validate(options).ok());
}

TEST_CASE("DescribeKeys lists every key with its type, range, help and default") {
  std::string text = DescribeKeys();
  CHECK(SchemaKeys().size() == 34);
  CHECK(text.find(
            "wal.fsync                          always|everysec|no     When a write-ahead log") !=
        std::string::npos);
  CHECK(text.find("(default: everysec)\n") != std::string::npos);
  CHECK(text.find(
            "shards                             uint 0..256            Spacetime shard count") !=
        std::string::npos);
  CHECK(text.find("wal.segment_bytes                  bytes 1MiB..4GiB") != std::string::npos);
  CHECK(text.find("rotated at this size. (default: 64MiB)\n") != std::string::npos);
  CHECK(text.find("stats_interval_ms                  uint 10..60000 ms") != std::string::npos);
  CHECK(text.find("(default: ./data)\n") != std::string::npos);
  CHECK(text.find("tiers.cold.cache_bytes             bytes >= 1MiB") != std::string::npos);
  CHECK(text.find("tiers.hot.max_bytes                bytes                  Raw value") !=
        std::string::npos);
  CHECK(
      text.find("memory.max_bytes                   bytes                  Memory for in-memory") !=
      std::string::npos);
}

}  // namespace warp::config
