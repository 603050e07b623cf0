// warp::Universe: the WarpEngine database, embedded.
//
//   warp::Universe universe;
//   warp::Status s = universe.Open("config/warpengine.yaml");  // or Open(warp::Options{...})
//   auto w = universe.Put("user:1", "ada");                     // w.status, w.cosmic.version
//   auto r = universe.Get("user:1");                            // r.value, r.cosmic.shard
//   universe.Close();
//
// A Universe owns one data directory (exclusively: a second opener gets Busy "locked by pid
// N"), an actor system running its supervision tree (universe controller, storage supervisor,
// one actor per spacetime shard), and one concurrent table per shard. Key operations run on
// the calling thread against the shard tables directly; no actor message is sent per
// operation. Every result carries "cosmic metadata": the shard and tier that served it, the
// version (the shard's sequence number of the write that produced the value) and latency.
//
// Thread-safety: every method may be called from many threads at once, including Close():
// operations racing with Close() either complete before it or return Unavailable.
//
// Durability (DESIGN.md section 4): every write is appended to its shard's write-ahead log
// before it is applied. An OK from Put/Delete means, by wal.fsync: `always` the record is
// fsynced (group commit); `everysec` and `no` it is written to the OS. So no acknowledged write
// is lost when the process is killed, in any mode; on power loss `everysec` may lose about the
// last second and `no` what the OS had not flushed. PutAsync lets a caller pipeline writes and
// learn when each is fsynced. Open() recovers the newest snapshot of each shard plus the log
// after it, shards in parallel; Checkpoint() snapshots every shard on demand (they are also
// taken by snapshot.interval_s and snapshot.after_writes). A failed write or fsync of a shard's
// log is sticky: that shard refuses writes with the IOError from then on (Health shows it).
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "warp/export.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp {

// What a call returns besides its value.
struct Cosmic {
  uint32_t shard = 0;        // spacetime shard that owns the key
  uint32_t slot = 0;         // slot of the key (0..1023)
  Tier tier = Tier::kHot;    // residency tier the value was served from
  uint64_t version = 0;      // shard sequence number (LSN) of the write that produced the value
  uint64_t latency_ns = 0;   // time spent inside the call
  int64_t expire_at_ms = 0;  // when the key expires (Unix time, ms); 0 = never (Get, Update)
};

// Options of one write. A key's expiry is absolute wall-clock time, as Redis's PEXPIREAT.
struct WriteOptions {
  int64_t expire_at_ms = 0;  // Put only: Unix time in ms at which the key expires; 0 = never
  // true: return once the write is as durable as wal.fsync promises (fsynced under `always`).
  // false: return once it is logged (survives kill -9); the caller learns when it is fsynced
  // from OnDurable(cosmic.shard, cosmic.version), as a server does to group replies.
  bool wait_for_sync = true;
};

// The state of a key as an Update callback sees it. An expired key is absent.
struct KeyState {
  bool exists = false;
  std::string_view value;    // valid only during the callback
  int64_t expire_at_ms = 0;  // 0 = never
};

// What an Update callback decides to do with the key.
struct Mutation {
  enum class Action : uint8_t {
    kKeep,       // nothing (no LSN is consumed, nothing is logged)
    kPut,        // store `value` with `expire_at_ms`
    kSetExpiry,  // keep the value, set its expiry to `expire_at_ms` (0 = persist); key must exist
    kDelete,     // remove the key (a no-op if it does not exist)
  };
  Action action = Action::kKeep;
  std::string value;
  int64_t expire_at_ms = 0;
};
// Called exactly once per Update, under the key's slot lock: it must be quick, must not block
// and must not call the Universe.
using UpdateFn = std::function<void(const KeyState& current, Mutation* mutation)>;

struct GetResult {
  Status status;  // OK, NotFound, Unavailable
  std::string value;
  Cosmic cosmic;
  bool ok() const { return status.ok(); }
};

struct WriteResult {
  Status status;         // OK, InvalidArgument, Unavailable
  bool existed = false;  // Delete only: whether the key was present
  Cosmic cosmic;         // cosmic.version is the LSN this write was assigned (0 if none)
  bool ok() const { return status.ok(); }
};

// What Scan matches: every key starting with a prefix, or every key matching a Redis-style
// glob (`*`, `?`, `[a-z]`, `\` escapes).
struct Pattern {
  enum class Kind : uint8_t { kPrefix, kGlob };
  static Pattern Prefix(std::string prefix) { return {Kind::kPrefix, std::move(prefix)}; }
  static Pattern Glob(std::string glob) { return {Kind::kGlob, std::move(glob)}; }
  static Pattern All() { return {Kind::kPrefix, ""}; }
  Kind kind = Kind::kPrefix;
  std::string text;
};

// One step of a cursor iteration, with Redis SCAN's guarantees: start at cursor 0 and call
// again with next_cursor until it is 0; every key present for the whole iteration is
// returned exactly once; keys added or removed meanwhile may or may not be. `count` bounds
// the keys examined per call (a hint, as in Redis), so a batch may hold fewer matches.
struct ScanResult {
  Status status;
  std::vector<std::string> keys;
  uint64_t next_cursor = 0;
  bool ok() const { return status.ok(); }
};

// Supervision state of one actor, as its supervisor sees it.
struct ActorStatus {
  std::string path;       // "root/storage/shard-03"
  std::string state;      // "running" | "restarting" | "stopped"
  uint32_t restarts = 0;  // restarts by its supervisor since Open
};

struct ShardStats {
  uint32_t shard = 0;
  uint32_t slots = 0;  // slots assigned to this shard
  uint64_t keys = 0;
  uint64_t bytes = 0;          // logical bytes: keys plus values
  uint64_t reads = 0;          // Get/MultiGet lookups since Open
  uint64_t writes = 0;         // Puts since Open
  uint64_t deletes = 0;        // Deletes that removed a key since Open
  uint64_t last_lsn = 0;       // newest sequence number assigned
  double ops_per_sec = 0;      // over the last stats interval (stats_interval_ms)
  uint32_t adoptions = 0;      // shard-actor incarnations that adopted this shard's table
  uint64_t durable_lsn = 0;    // every write up to this LSN is fsynced
  uint64_t wal_bytes = 0;      // WAL bytes appended since Open
  uint64_t wal_syncs = 0;      // fsyncs of the WAL since Open (each covers a group of writes)
  uint64_t snapshot_lsn = 0;   // LSN of the newest snapshot (0 if none)
  uint64_t snapshot_keys = 0;  // keys in it
  uint32_t snapshots = 0;      // snapshots taken since Open
  uint64_t volatile_keys = 0;  // keys with an expiry (expired ones not yet removed included)
  uint64_t expired = 0;        // keys removed because their expiry passed, since Open
  // Tiers (docs/tiered_storage.md). Keys per tier, and the bytes each holds: raw values in
  // memory (hot), LZ4 blocks in memory (warm), value bytes in the value log (cold).
  uint64_t hot_keys = 0, warm_keys = 0, cold_keys = 0;
  uint64_t hot_bytes = 0, warm_bytes = 0, cold_bytes = 0;
  // Records in memory with their overhead: keys, headers, pointers and in-memory values. The
  // budget limits only hot_bytes + warm_bytes; the rest is the per-key overhead.
  uint64_t memory_bytes = 0;
  uint64_t memory_budget = 0;  // this shard's share of memory.max_bytes; 0 = unbounded
  uint64_t demoted_to_warm = 0, demoted_to_cold = 0;  // since Open
  uint64_t promoted = 0;    // warm or cold values made hot again by reads, since Open
  uint64_t cold_reads = 0;  // reads of cold values, since Open
  // The value log (cold region): bytes on disk, of which garbage; compaction since Open.
  uint64_t value_log_bytes = 0, value_log_dead_bytes = 0;
  uint64_t value_log_reclaimed_bytes = 0, value_log_files_compacted = 0;
};

// The event horizon cache in front of the cold region (one per universe).
struct CacheStats {
  uint64_t capacity_bytes = 0;
  uint64_t l1_hits = 0, l2_hits = 0, misses = 0;
  uint64_t l1_entries = 0, l2_entries = 0;
  uint64_t l1_bytes = 0, l2_bytes = 0;
  uint64_t evictions = 0;  // entries dropped from level 2 (level 1 evictions move to level 2)
};

struct UniverseStats {
  std::vector<ShardStats> shards;
  ShardStats total;  // sums (shard = number of shards)
  CacheStats cache;
  std::vector<ActorStatus> actors;
};

enum class HealthLevel : uint8_t { kHealthy = 0, kDegraded = 1, kDown = 2 };
WARP_EXPORT const char* HealthLevelName(HealthLevel level);  // "healthy" | "degraded" | "down"

struct Health {
  HealthLevel level = HealthLevel::kDown;
  std::string data_dir;
  uint32_t shards = 0;
  uint64_t uptime_ms = 0;
  bool recovered_from_crash = false;  // the previous session did not close cleanly
  std::vector<ActorStatus> actors;
  std::vector<std::string> problems;  // why the level is not healthy, one line each
  // What an operator should know that is not a problem now, one line each: what recovery did
  // at Open (a torn WAL tail cut off, a snapshot that failed verification, ...).
  std::vector<std::string> notices;
};

class UniverseTestPeer;

class WARP_EXPORT Universe {
 public:
  Universe();
  ~Universe();  // Close()s if open
  Universe(const Universe&) = delete;
  Universe& operator=(const Universe&) = delete;

  // Validates `options`, opens (creating if needed) options.data_dir, starts the actors.
  // Errors: InvalidArgument (bad option, shard count differs from the directory's),
  // Busy (directory locked by another process), Corruption (bad manifest), IOError,
  // and InvalidArgument "already open" if this object is open.
  Status Open(const Options& options);
  // Loads a YAML configuration (defaults, then the file) and opens it. Config errors name the
  // file, key path and line.
  Status Open(const std::string& yaml_path);
  // Stops the actors in reverse order, records a clean shutdown and releases the directory.
  // Idempotent. Operations after Close() return Unavailable.
  Status Close();
  bool IsOpen() const;

  GetResult Get(std::string_view key);
  // The same lookup into a caller's buffer: *value keeps its capacity across calls, so a
  // loop of Gets allocates nothing. OK, NotFound or Unavailable; *cosmic is optional.
  Status Get(std::string_view key, std::string* value, Cosmic* cosmic = nullptr);
  WriteResult Put(std::string_view key, std::string_view value);
  // Put with options: options.expire_at_ms sets the key's expiry (0 = none; a Put always
  // replaces the previous expiry, as Redis's SET does). An expiry in the past stores nothing
  // and deletes the key (logged as a delete), as Redis does.
  WriteResult Put(std::string_view key, std::string_view value, const WriteOptions& options);
  // Atomic read-modify-write of one key: fn sees the key's current state and decides
  // (Mutation). The decision is logged and applied before any other write to the key, and
  // waited for like a Put (wal.fsync). existed tells whether the key existed before;
  // cosmic.version is the LSN of the change (0 if kKeep), cosmic.expire_at_ms the expiry
  // after it. InvalidArgument for kSetExpiry on a missing key. As for Put, a kPut or kSetExpiry
  // whose expiry is at or before now deletes the key (logged as a delete). kSetExpiry keeps the
  // value and its version (the cosmic.version a later Get reports). Expiry: a key whose
  // expire_at_ms is at or before now (wall clock) is absent for every call (lazy expiry) and
  // removed in the background by its shard actor (active expiry); neither is logged, since
  // replaying the record that set the expiry yields an expired, absent key again.
  WriteResult Update(std::string_view key, const UpdateFn& fn,
                     const WriteOptions& options = WriteOptions());
  // Applies and logs the write like Put but returns without waiting for an fsync, whatever
  // wal.fsync says; the future completes with OK once the record is durable (fsynced, group
  // committed with other writers) or with the shard's sticky IOError. A write refused outright
  // (closed universe, failed log) gives an already completed future. *cosmic (optional)
  // receives the write's metadata, cosmic->version its LSN.
  std::future<Status> PutAsync(std::string_view key, std::string_view value,
                               Cosmic* cosmic = nullptr);
  WriteResult Delete(std::string_view key);
  WriteResult Delete(std::string_view key, const WriteOptions& options);  // wait_for_sync only
  // Calls done(OK) once the write with LSN `lsn` of shard `shard` is fsynced, or done(error)
  // with the shard's sticky IOError (or Unavailable if the universe closes first). done runs on
  // the thread that completes the sync (keep it short: post to your own loop), or at once on
  // the caller's thread when the write is already durable. lsn 0 counts as durable.
  void OnDurable(uint32_t shard, uint64_t lsn, std::function<void(Status)> done);
  // Makes the write with LSN `lsn` of shard `shard` durable on the calling thread: returns at
  // once if it already is, else fsyncs the shard's log (covering every write appended so far,
  // other threads' too). OK, the shard's sticky IOError, or Unavailable. For an event loop that
  // groups the writes of many clients into one fsync per shard, as Redis's appendfsync always.
  Status SyncShard(uint32_t shard, uint64_t lsn);

  // Tiered storage (docs/tiered_storage.md). Changes memory.max_bytes while open (CONFIG SET
  // maxmemory): each shard's share and the cache's capacity follow; a smaller budget is reached
  // by demoting at once. 0 = unbounded. NotOpen if closed.
  Status SetMemoryBudget(uint64_t max_bytes);
  uint64_t memory_budget() const;  // memory.max_bytes in effect (0 = unbounded)
  // One result per key, in order.
  std::vector<GetResult> MultiGet(const std::vector<std::string>& keys);
  ScanResult Scan(const Pattern& pattern, uint64_t cursor = 0, size_t count = 10);

  // Snapshots every shard now (a consistent cut at each shard's current LSN, taken without
  // stopping writes), then deletes the WAL segments the snapshots cover (keeping
  // wal.retain_segments). Blocks until the snapshots are durable. A shard without writes since
  // its last snapshot is skipped. IOError naming the shards that failed.
  Status Checkpoint();

  // Asks the actors (not the hot path): tens of microseconds to milliseconds.
  UniverseStats Stats();
  warp::Health Health();

  // The options this universe was opened with (defaults if never opened).
  const Options& options() const;

 private:
  friend class UniverseTestPeer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp
