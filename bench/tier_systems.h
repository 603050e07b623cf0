// What tier_bench measures, behind bench::Store: its data set (TierValues) and the two systems
// that store_systems does not offer, because tier_bench needs what store_bench does not: warp
// Options of its own, the universe's Stats, the tier that served each read, and a RocksDB block
// cache of a given size.
//
// Thread-safety as bench::Store: Put and Get from many threads at once; everything else from one
// thread with no Put or Get in flight. Errors come back as false / Lookup::kError with a message
// in *error that names the system and the operation.
#pragma once

#include <rocksdb/options.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bench/bench_util.h"
#include "bench/store_systems.h"
#include "warp/options.h"
#include "warp/universe.h"

namespace rocksdb {
class Cache;
class DB;
}  // namespace rocksdb

namespace warp::bench {

// Where a universe's keys and memory are, from its Stats().
struct TierState {
  uint64_t keys = 0, hot = 0, warm = 0, cold = 0;
  uint64_t hot_bytes = 0, warm_bytes = 0, cold_bytes = 0;
  // Records in memory: keys, headers, pointers and values. The budget charges only the values
  // in memory (hot_bytes + warm_bytes) and the cache; the rest is the per-key overhead.
  uint64_t memory_bytes = 0;
  uint64_t shard_budget = 0;  // sum of the shards' shares of memory.max_bytes
  uint64_t cache_bytes = 0;   // event horizon cache, both levels
  uint64_t cache_capacity = 0;
  uint64_t value_log_bytes = 0;
};
TierState StateOf(const warp::UniverseStats& stats);
nlohmann::json StateJson(const TierState& state);

// The process's anonymous resident memory (RssAnon of /proc/self/status), in bytes; 0 if unknown.
uint64_t RssAnonBytes();

enum class ValueKind {
  kCompressible,  // a sentence repeated from a per-key offset: LZ4 halves a 100-byte value
  kRandom,        // pseudo-random bytes (bench::ValueSource): LZ4 cannot shrink them
  kMixed,         // even keys compressible, odd keys random
};

// The value of key n, deterministic. At() is safe to call from many threads at once.
class TierValues {
 public:
  TierValues(size_t value_size, ValueKind kind);
  std::string_view At(uint64_t n) const;

 private:
  size_t value_size_;
  ValueKind kind_;
  ValueSource random_;
  std::string text_;  // the sentence repeated, value_size_ + one period long
};

// Puts keys 0..num-1 (bench::FormatKey) in order on this thread, key n getting values.At(n).
bool LoadTierValues(Store* store, uint64_t num, size_t key_size, const TierValues& values,
                    std::string* error);

// Reads back about 10,000 of keys 0..num-1, evenly spaced, and adds to *checked how many it read
// and to *wrong how many were missing or differ from values.At(n) (which must stay 0).
bool CountWrongValues(Store* store, uint64_t num, size_t key_size, const TierValues& values,
                      uint64_t* checked, uint64_t* wrong, std::string* error);

// WarpEngine opened with the caller's Options. Get asks for the cosmic metadata and counts the
// tier that served each read (cosmic.tier: the tier before any promotion by that read), which
// costs a read one increment of a counter line of its own thread.
class TierWarpStore : public Store {
 public:
  TierWarpStore();
  ~TierWarpStore() override;
  bool Open(const warp::Options& options, std::string* error);
  bool Put(std::string_view key, std::string_view value, std::string* error) override;
  Lookup Get(std::string_view key, std::string* value, std::string* error) override;
  // As store_bench's warp: waits until the WAL writers have fsynced the loaded records, so that
  // this first fsync does not land inside the timed reads.
  bool Settle(std::string* error) override;
  bool Close(std::string* error) override;
  warp::UniverseStats Stats() { return universe_.Stats(); }
  // Reads served by each tier (hot, warm, cold) since the previous call.
  std::array<uint64_t, 3> TakeTierCounts();

 private:
  static constexpr size_t kCounterLines = 64;
  struct alignas(64) Counter {
    std::atomic<uint64_t> tier[3] = {};
  };
  warp::Universe universe_;
  std::array<Counter, kCounterLines> counters_;
};

// RocksDB as store_bench's "rocksdb" (default options + create_if_missing, WAL on, sync=false),
// with an LRU block cache of `cache_bytes` instead of the default 8 MiB one. Settle flushes and
// compacts.
class CachedRocksStore : public Store {
 public:
  CachedRocksStore();
  ~CachedRocksStore() override;
  bool Open(const std::string& dir, uint64_t cache_bytes, std::string* error);
  bool Put(std::string_view key, std::string_view value, std::string* error) override;
  Lookup Get(std::string_view key, std::string* value, std::string* error) override;
  bool Settle(std::string* error) override;
  bool Close(std::string* error) override;
  uint64_t SstBytes();  // rocksdb.total-sst-files-size

 private:
  rocksdb::DB* db_ = nullptr;
  std::shared_ptr<rocksdb::Cache> cache_;
  rocksdb::WriteOptions write_options_;
  rocksdb::ReadOptions read_options_;
};

}  // namespace warp::bench
