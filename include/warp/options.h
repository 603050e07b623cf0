// warp::Options: everything a Universe is configured with.
//
// The same structure is filled from three places, in this order of precedence (later wins):
// the defaults below (which equal the documented defaults of config/warpengine.yaml, a test
// checks it), a YAML file (Universe::Open(yaml_path), warpd --config), and dotted overrides
// such as `wal.fsync=always` (warpd --set). Every field names its YAML key.
// A plain value type: copy it freely; validation happens when a Universe opens it.
#pragma once

#include <cstdint>
#include <string>

#include "warp/export.h"

namespace warp {

// How a write-ahead log makes an acknowledged write durable (DESIGN.md section 4).
// Persisted in effective.json by name: "always", "everysec", "no".
enum class FsyncPolicy : uint8_t { kAlways = 0, kEverySec = 1, kNo = 2 };

// Residency tier of a value ("physics laws" regions). Persisted values are append-only.
enum class Tier : uint8_t { kHot = 0, kWarm = 1, kCold = 2 };

struct ServerOptions {
  std::string bind = "127.0.0.1";  // server.bind: interface the front-ends listen on
  uint32_t port = 7379;            // server.port: RESP (Redis protocol) port
  uint32_t http_port = 7380;       // server.http_port: REST, /metrics and dashboard port
  std::string requirepass;         // server.requirepass: AUTH password; empty = none
  uint32_t maxclients = 10000;     // server.maxclients: RESP connections accepted at once
  uint32_t io_threads = 0;         // server.io_threads: RESP event loops; 0 = one per 2 cores
  uint32_t busy_poll_us = 100;     // server.busy_poll_us: a loop polls this long before sleeping
  uint64_t proto_max_bulk_len = 512ull << 20;       // server.proto_max_bulk_len: largest argument
  uint64_t client_query_buffer_limit = 1ull << 30;  // server.client_query_buffer_limit
  uint64_t client_output_buffer_limit = 256ull << 20;  // server.client_output_buffer_limit
  std::string shutdown_checkpoint = "yes";             // server.shutdown_checkpoint: yes | no
};

struct WalOptions {
  FsyncPolicy fsync = FsyncPolicy::kEverySec;  // wal.fsync
  uint64_t segment_bytes = 64ull << 20;        // wal.segment_bytes: rotate segments at this size
  uint64_t compress_min_bytes = 4096;  // wal.compress_min_bytes: LZ4 values this big; 0 = never
  uint32_t retain_segments = 2;  // wal.retain_segments: segments kept below the newest snapshot
};

// Per-shard checkpoints (snapshot.*): taken when either trigger fires; 0 disables a trigger.
struct SnapshotOptions {
  uint32_t interval_s = 300;        // snapshot.interval_s: seconds between snapshots
  uint64_t after_writes = 1000000;  // snapshot.after_writes: writes to a shard since its last one
};

// The memory budget (memory.*): what the tables may hold in memory before demoting.
struct MemoryOptions {
  // memory.max_bytes: bytes of values kept in memory (hot, warm) of all shards, plus the event
  // horizon cache; keys always stay in memory and are not charged. 0 = unbounded (everything
  // stays hot). CONFIG SET maxmemory sets it.
  uint64_t max_bytes = 0;
};

// Physics laws: the policy of each residency tier (tiers.*).
struct HotLaw {
  uint64_t max_bytes = 0;  // tiers.hot.max_bytes: raw in-memory budget; 0 = unbounded
};
struct WarmLaw {
  uint64_t compress_min_bytes = 256;  // tiers.warm.compress_min_bytes: LZ4 values at least this big
  uint64_t max_bytes = 0;  // tiers.warm.max_bytes: compressed in-memory budget; 0 = unbounded
};
struct ColdLaw {
  uint64_t cache_bytes = 64ull << 20;          // tiers.cold.cache_bytes: event horizon cache size
  uint64_t file_bytes = 64ull << 20;           // tiers.cold.file_bytes: value-log file size
  FsyncPolicy fsync = FsyncPolicy::kEverySec;  // tiers.cold.fsync: value-log durability
};
struct TierLaws {
  HotLaw hot;
  WarmLaw warm;
  ColdLaw cold;
};

// CAF scheduler settings (CAF-0.17.md section 1: "config G" is the default).
struct RuntimeOptions {
  uint32_t scheduler_threads = 2;             // runtime.scheduler_threads
  uint32_t aggressive_poll_attempts = 10000;  // runtime.aggressive_poll_attempts
  uint32_t moderate_poll_attempts = 0;        // runtime.moderate_poll_attempts
  uint32_t relaxed_sleep_ms = 10;             // runtime.relaxed_sleep_ms
};

// Restart intensity of every supervisor in the tree (OTP's MaxR within MaxT).
struct SupervisionOptions {
  uint32_t max_restarts = 5;  // supervision.max_restarts
  uint32_t period_ms = 5000;  // supervision.period_ms
};

struct Options {
  std::string data_dir = "./data";  // data_dir: the directory this universe owns
  // shards: spacetime shard count, fixed when the data directory is created. 0 = one per CPU
  // core for a new directory, and whatever an existing directory was created with.
  uint32_t shards = 0;
  uint32_t stats_interval_ms = 1000;  // stats_interval_ms: how often shards sample their load
  std::string log_level = "info";     // log_level: error | warn | info | debug
  ServerOptions server;
  WalOptions wal;
  SnapshotOptions snapshot;
  MemoryOptions memory;
  TierLaws tiers;
  RuntimeOptions runtime;
  SupervisionOptions supervision;
};

// Names used in YAML, JSON and messages ("always", "hot", ...).
WARP_EXPORT const char* FsyncPolicyName(FsyncPolicy policy);
WARP_EXPORT const char* TierName(Tier tier);

}  // namespace warp
