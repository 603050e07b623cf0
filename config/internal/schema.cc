#include "config/internal/schema.h"

#include <cassert>
#include <limits>
#include <utility>

namespace warp::config::internal {

namespace {

constexpr uint64_t kKiB = 1ull << 10;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kTiB = 1ull << 40;
constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

// Byte-size suffixes, largest first so FormatBytes picks the biggest exact unit.
constexpr std::pair<std::string_view, uint64_t> kByteUnits[] = {
    {"TiB", kTiB}, {"GiB", kGiB}, {"MiB", kMiB}, {"KiB", kKiB}, {"B", 1}};

// The table reads more easily with one short constructor per type than with bare aggregates.
KeySpec Str(std::string_view path, std::string_view help, FieldRef (*field)(Options*)) {
  return KeySpec{path, KeyType::kString, 1, 4096, {}, "", help, field};
}
// A string that may be empty (a password that is not set).
KeySpec OptionalStr(std::string_view path, std::string_view help, FieldRef (*field)(Options*)) {
  return KeySpec{path, KeyType::kString, 0, 4096, {}, "", help, field};
}
KeySpec Uint(std::string_view path, uint64_t min, uint64_t max, std::string_view unit,
             std::string_view help, FieldRef (*field)(Options*)) {
  return KeySpec{path, KeyType::kUint, min, max, {}, unit, help, field};
}
KeySpec Bytes(std::string_view path, uint64_t min, uint64_t max, std::string_view help,
              FieldRef (*field)(Options*)) {
  return KeySpec{path, KeyType::kByteSize, min, max, {}, "bytes", help, field};
}
KeySpec Enum(std::string_view path, std::vector<std::string_view> choices, std::string_view help,
             FieldRef (*field)(Options*)) {
  return KeySpec{path, KeyType::kEnum, 0, 0, std::move(choices), "", help, field};
}

std::vector<std::string_view> FsyncChoices() {
  // Choice i must be FsyncPolicy value i: take the names from the enum itself.
  return {FsyncPolicyName(FsyncPolicy::kAlways), FsyncPolicyName(FsyncPolicy::kEverySec),
          FsyncPolicyName(FsyncPolicy::kNo)};
}

// A captureless lambda returning the address of one Options member.
#define WARP_FIELD(member) [](Options* o) -> FieldRef { return &o->member; }

std::vector<KeySpec> BuildSchema() {
  return {
      Str("data_dir", "Directory this universe owns (manifest, WAL, snapshots).",
          WARP_FIELD(data_dir)),
      Uint("shards", 0, 256, "",
           "Spacetime shard count, fixed when the data directory is created; 0 = one per CPU core "
           "(an existing directory keeps its count).",
           WARP_FIELD(shards)),
      Uint("stats_interval_ms", 10, 60000, "ms", "How often each shard samples its load.",
           WARP_FIELD(stats_interval_ms)),
      Enum("log_level", {"error", "warn", "info", "debug"},
           "Most verbose level written to the log (error < warn < info < debug).",
           WARP_FIELD(log_level)),
      Str("server.bind", "Interface address the RESP and HTTP front-ends listen on.",
          WARP_FIELD(server.bind)),
      Uint("server.port", 0, 65535, "", "RESP (Redis protocol) port; 0 = chosen by the OS.",
           WARP_FIELD(server.port)),
      Uint("server.http_port", 0, 65535, "",
           "HTTP port (REST, /metrics, dashboard); 0 = chosen by the OS.",
           WARP_FIELD(server.http_port)),
      OptionalStr("server.requirepass",
                  "Password clients must give with AUTH (or HELLO ... AUTH); empty = none.",
                  WARP_FIELD(server.requirepass)),
      Uint("server.maxclients", 1, 1000000, "",
           "RESP connections served at once; more are refused with an error.",
           WARP_FIELD(server.maxclients)),
      Uint("server.io_threads", 0, 64, "",
           "RESP event-loop threads; 0 = one per two cores (at least 1, at most 8).",
           WARP_FIELD(server.io_threads)),
      Uint("server.busy_poll_us", 0, 10000, "us",
           "How long an idle RESP event loop keeps polling its sockets before it sleeps.",
           WARP_FIELD(server.busy_poll_us)),
      Bytes("server.proto_max_bulk_len", kMiB, 4 * kGiB,
            "Largest argument a client may send (Redis proto-max-bulk-len).",
            WARP_FIELD(server.proto_max_bulk_len)),
      Bytes("server.client_query_buffer_limit", kMiB, 16 * kGiB,
            "Unparsed request bytes buffered per client before it is disconnected.",
            WARP_FIELD(server.client_query_buffer_limit)),
      Bytes("server.client_output_buffer_limit", kMiB, 16 * kGiB,
            "Reply bytes pending to one client before it is disconnected.",
            WARP_FIELD(server.client_output_buffer_limit)),
      Enum("server.shutdown_checkpoint", {"yes", "no"},
           "Whether SIGTERM and SHUTDOWN take a checkpoint before exiting (SHUTDOWN NOSAVE skips "
           "it).",
           WARP_FIELD(server.shutdown_checkpoint)),
      Enum("wal.fsync", FsyncChoices(),
           "When a write-ahead log record is made durable (always, every second, or by the OS).",
           WARP_FIELD(wal.fsync)),
      Bytes("wal.segment_bytes", kMiB, 4 * kGiB, "A WAL segment is rotated at this size.",
            WARP_FIELD(wal.segment_bytes)),
      Bytes("wal.compress_min_bytes", 0, kGiB,
            "Values at least this big are LZ4-compressed in WAL records; 0 = never.",
            WARP_FIELD(wal.compress_min_bytes)),
      Uint("wal.retain_segments", 0, 1000000, "",
           "WAL segments kept below the newest snapshot (replication, point-in-time recovery).",
           WARP_FIELD(wal.retain_segments)),
      Uint("snapshot.interval_s", 0, 86400 * 365, "s",
           "Seconds between a shard's snapshots; 0 = no timed snapshots.",
           WARP_FIELD(snapshot.interval_s)),
      Uint("snapshot.after_writes", 0, 1000000000000ull, "",
           "A shard snapshots after this many writes since its last one; 0 = never by count.",
           WARP_FIELD(snapshot.after_writes)),
      Bytes("memory.max_bytes", 0, kU64Max,
            "Memory for in-memory values (hot and warm) and the cache; beyond it the coldest "
            "values are demoted (warm, then cold on disk); 0 = unbounded.",
            WARP_FIELD(memory.max_bytes)),
      Bytes("tiers.hot.max_bytes", 0, kU64Max,
            "Raw value bytes kept hot; beyond it the coldest are demoted; 0 = only "
            "memory.max_bytes limits them.",
            WARP_FIELD(tiers.hot.max_bytes)),
      Bytes("tiers.warm.compress_min_bytes", 0, kGiB,
            "Warm values at least this big are LZ4-compressed.",
            WARP_FIELD(tiers.warm.compress_min_bytes)),
      Bytes("tiers.warm.max_bytes", 0, kU64Max,
            "Memory budget for compressed warm values; 0 = unbounded.",
            WARP_FIELD(tiers.warm.max_bytes)),
      Bytes("tiers.cold.cache_bytes", kMiB, kU64Max,
            "Size of the event horizon cache in front of the cold value log.",
            WARP_FIELD(tiers.cold.cache_bytes)),
      Bytes("tiers.cold.file_bytes", kMiB, 4 * kGiB,
            "A value-log file is sealed at this size; compaction rewrites sealed files.",
            WARP_FIELD(tiers.cold.file_bytes)),
      Enum("tiers.cold.fsync", FsyncChoices(), "Durability of cold value-log writes.",
           WARP_FIELD(tiers.cold.fsync)),
      Uint("runtime.scheduler_threads", 1, 64, "", "CAF scheduler worker threads.",
           WARP_FIELD(runtime.scheduler_threads)),
      Uint("runtime.aggressive_poll_attempts", 0, 1000000, "",
           "CAF worker: polls without sleeping before moderate polling.",
           WARP_FIELD(runtime.aggressive_poll_attempts)),
      Uint("runtime.moderate_poll_attempts", 0, 1000000, "",
           "CAF worker: polls with short sleeps before relaxed polling.",
           WARP_FIELD(runtime.moderate_poll_attempts)),
      Uint("runtime.relaxed_sleep_ms", 1, 10000, "ms",
           "CAF worker: sleep between polls (and steals) when idle.",
           WARP_FIELD(runtime.relaxed_sleep_ms)),
      Uint("supervision.max_restarts", 0, 1000, "",
           "A supervisor escalates after more child restarts than this within period_ms.",
           WARP_FIELD(supervision.max_restarts)),
      Uint("supervision.period_ms", 1, 3600000, "ms", "The window max_restarts is counted in.",
           WARP_FIELD(supervision.period_ms)),
  };
}

#undef WARP_FIELD

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string_view ParentOf(std::string_view path) {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

std::string BoundText(const KeySpec& key, uint64_t bound) {
  return key.type == KeyType::kByteSize ? FormatBytes(bound) : std::to_string(bound);
}

// Decimal digits, then (byte sizes only) optional spaces and a unit. Returns false if `text`
// is not of that shape; sets *overflow (and returns true) if it is but exceeds 2^64-1.
bool ParseNumber(std::string_view text, bool allow_unit, uint64_t* value, bool* overflow) {
  size_t i = 0;
  uint64_t n = 0;
  *overflow = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (n > (kU64Max - digit) / 10) *overflow = true;
    n = n * 10 + digit;
  }
  if (i == 0) return false;
  std::string_view rest = text.substr(i);
  if (!rest.empty()) {
    if (!allow_unit) return false;
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    uint64_t multiplier = 0;
    for (const auto& [name, size] : kByteUnits) {
      if (rest == name) multiplier = size;
    }
    if (multiplier == 0) return false;
    if (n > kU64Max / multiplier) *overflow = true;
    n *= multiplier;
  }
  *value = n;
  return true;
}

// The field a key stores into, as a T*. A mismatch is a bug in the table (tests cover it).
template <class T>
T* Target(const KeySpec& key, Options* options) {
  FieldRef field = key.field(options);
  T** target = std::get_if<T*>(&field);
  assert(target != nullptr && "schema entry's type does not match its Options field");
  return *target;
}

// Writes a checked number to whichever integer width the key's field has.
void StoreNumber(const KeySpec& key, uint64_t value, Options* options) {
  FieldRef field = key.field(options);
  if (std::holds_alternative<uint32_t*>(field)) {
    assert(key.max <= kU32Max);
    *Target<uint32_t>(key, options) = static_cast<uint32_t>(value);
  } else {
    *Target<uint64_t>(key, options) = value;
  }
}

Status AssignNumber(const KeySpec& key, std::string_view text, Options* options) {
  uint64_t value = 0;
  bool overflow = false;
  if (!ParseNumber(text, key.type == KeyType::kByteSize, &value, &overflow)) {
    return TypeMismatch(key, Quote(text));
  }
  if (overflow || value < key.min || value > key.max) {
    return Status::InvalidArgument(std::string(key.path) + ": " + std::string(text) +
                                   " is out of range [" + BoundText(key, key.min) + ", " +
                                   BoundText(key, key.max) + "]");
  }
  StoreNumber(key, value, options);
  return Status::OK();
}

Status AssignEnum(const KeySpec& key, std::string_view text, Options* options) {
  for (size_t i = 0; i < key.choices.size(); ++i) {
    if (key.choices[i] != text) continue;
    if (std::holds_alternative<FsyncPolicy*>(key.field(options))) {
      *Target<FsyncPolicy>(key, options) = static_cast<FsyncPolicy>(i);
    } else {
      *Target<std::string>(key, options) = std::string(text);
    }
    return Status::OK();
  }
  return TypeMismatch(key, Quote(text));
}

}  // namespace

const std::vector<KeySpec>& Schema() {
  static const std::vector<KeySpec> schema = BuildSchema();
  return schema;
}

const KeySpec* FindKey(std::string_view path) {
  for (const KeySpec& key : Schema()) {
    if (key.path == path) return &key;
  }
  return nullptr;
}

bool IsSection(std::string_view path) {
  if (path.empty()) return true;
  for (const KeySpec& key : Schema()) {
    if (key.path.size() > path.size() && key.path.substr(0, path.size()) == path &&
        key.path[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> ChildNames(std::string_view section) {
  std::string prefix = section.empty() ? "" : std::string(section) + ".";
  std::vector<std::string_view> names;
  for (const KeySpec& key : Schema()) {
    if (key.path.size() <= prefix.size() || key.path.substr(0, prefix.size()) != prefix) continue;
    std::string_view child = key.path.substr(prefix.size());
    child = child.substr(0, child.find('.'));
    bool seen = false;
    for (std::string_view name : names) seen = seen || name == child;
    if (!seen) names.push_back(child);
  }
  return names;
}

std::string KnownKeysPhrase(std::string_view section) {
  std::string out = section.empty() ? "known top-level keys: "
                                    : "known keys under '" + std::string(section) + "': ";
  std::vector<std::string_view> names = ChildNames(section);
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

std::string UnknownKeyMessage(std::string_view path) {
  std::string_view section = ParentOf(path);
  while (!IsSection(section)) section = ParentOf(section);
  return "unknown key " + Quote(path) + " (" + KnownKeysPhrase(section) + ")";
}

std::string Expectation(const KeySpec& key) {
  switch (key.type) {
    case KeyType::kString:
      return key.min > 0 ? "a non-empty string" : "a string";
    case KeyType::kUint:
      return "an unsigned integer";
    case KeyType::kByteSize:
      return "a byte size (an unsigned integer, optionally followed by B, KiB, MiB, GiB or TiB)";
    case KeyType::kEnum: {
      std::string out = "one of ";
      for (size_t i = 0; i < key.choices.size(); ++i) {
        out += (i > 0 ? ", " : "") + std::string(key.choices[i]);
      }
      return out;
    }
  }
  return "a value";
}

Status TypeMismatch(const KeySpec& key, std::string_view got) {
  return Status::InvalidArgument(std::string(key.path) + ": expected " + Expectation(key) +
                                 ", got " + std::string(got));
}

Status AssignText(const KeySpec& key, std::string_view text, Options* options) {
  switch (key.type) {
    case KeyType::kString:
      if (text.size() < key.min || text.size() > key.max) return TypeMismatch(key, Quote(text));
      *Target<std::string>(key, options) = std::string(text);
      return Status::OK();
    case KeyType::kUint:
    case KeyType::kByteSize:
      return AssignNumber(key, text, options);
    case KeyType::kEnum:
      return AssignEnum(key, text, options);
  }
  return TypeMismatch(key, Quote(text));
}

Value ReadValue(const KeySpec& key, const Options& options) {
  // The accessor wants a mutable Options only because the same accessor also writes; nothing
  // is written through this pointer.
  FieldRef field = key.field(const_cast<Options*>(&options));
  if (auto* text = std::get_if<std::string*>(&field)) return **text;
  if (auto* p32 = std::get_if<uint32_t*>(&field)) return uint64_t{**p32};
  if (auto* p64 = std::get_if<uint64_t*>(&field)) return **p64;
  size_t index = static_cast<size_t>(**std::get_if<FsyncPolicy*>(&field));
  if (index < key.choices.size()) return std::string(key.choices[index]);
  return std::to_string(index);
}

std::string RenderText(const KeySpec& key, const Options& options) {
  Value value = ReadValue(key, options);
  if (auto* number = std::get_if<uint64_t>(&value)) return std::to_string(*number);
  return std::get<std::string>(value);
}

std::string TypeSummary(const KeySpec& key) {
  switch (key.type) {
    case KeyType::kString:
      return "string";
    case KeyType::kUint:
      return "uint " + std::to_string(key.min) + ".." + std::to_string(key.max) +
             (key.unit.empty() ? "" : " " + std::string(key.unit));
    case KeyType::kByteSize:
      if (key.max != kU64Max) return "bytes " + FormatBytes(key.min) + ".." + FormatBytes(key.max);
      return key.min == 0 ? "bytes" : "bytes >= " + FormatBytes(key.min);
    case KeyType::kEnum: {
      std::string out;
      for (size_t i = 0; i < key.choices.size(); ++i) {
        out += (i > 0 ? "|" : "") + std::string(key.choices[i]);
      }
      return out;
    }
  }
  return "";
}

std::string FormatBytes(uint64_t bytes) {
  for (const auto& [name, size] : kByteUnits) {
    if (size > 1 && bytes != 0 && bytes % size == 0)
      return std::to_string(bytes / size) + std::string(name);
  }
  return std::to_string(bytes);
}

}  // namespace warp::config::internal
