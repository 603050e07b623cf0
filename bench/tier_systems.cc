// tier_bench's data set and systems (see tier_systems.h).

#include "bench/tier_systems.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace warp::bench {

namespace {

// The compressible values: this sentence, repeated. Its period is short enough that a 100-byte
// value holds it twice, which is what lets LZ4 shrink a value that small.
constexpr char kSentence[] = "the event horizon keeps what is read most; ";
constexpr size_t kPeriod = sizeof(kSentence) - 1;

}  // namespace

TierValues::TierValues(size_t value_size, ValueKind kind)
    : value_size_(value_size), kind_(kind), random_(value_size) {
  while (text_.size() < value_size + kPeriod) text_ += kSentence;
}

std::string_view TierValues::At(uint64_t n) const {
  bool compressible =
      kind_ == ValueKind::kCompressible || (kind_ == ValueKind::kMixed && n % 2 == 0);
  if (!compressible) return random_.At(n);
  return {text_.data() + n % kPeriod, value_size_};
}

TierState StateOf(const warp::UniverseStats& stats) {
  const warp::ShardStats& t = stats.total;
  TierState s;
  s.keys = t.keys;
  s.hot = t.hot_keys;
  s.warm = t.warm_keys;
  s.cold = t.cold_keys;
  s.hot_bytes = t.hot_bytes;
  s.warm_bytes = t.warm_bytes;
  s.cold_bytes = t.cold_bytes;
  s.memory_bytes = t.memory_bytes;
  s.shard_budget = t.memory_budget;
  s.cache_bytes = stats.cache.l1_bytes + stats.cache.l2_bytes;
  s.cache_capacity = stats.cache.capacity_bytes;
  s.value_log_bytes = t.value_log_bytes;
  return s;
}

nlohmann::json StateJson(const TierState& s) {
  return {{"keys", s.keys},
          {"hot_keys", s.hot},
          {"warm_keys", s.warm},
          {"cold_keys", s.cold},
          {"hot_bytes", s.hot_bytes},
          {"warm_bytes", s.warm_bytes},
          {"cold_bytes", s.cold_bytes},
          {"memory_bytes", s.memory_bytes},
          {"shard_budget_bytes", s.shard_budget},
          {"cache_bytes", s.cache_bytes},
          {"cache_capacity_bytes", s.cache_capacity},
          {"value_log_bytes", s.value_log_bytes}};
}

uint64_t RssAnonBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("RssAnon:", 0) == 0) return std::strtoull(line.c_str() + 8, nullptr, 10) << 10;
  }
  return 0;
}

bool LoadTierValues(Store* store, uint64_t num, size_t key_size, const TierValues& values,
                    std::string* error) {
  std::string key(key_size, '0');
  for (uint64_t n = 0; n < num; ++n) {
    FormatKey(n, key_size, key.data());
    if (!store->Put(key, values.At(n), error)) return false;
  }
  return true;
}

bool CountWrongValues(Store* store, uint64_t num, size_t key_size, const TierValues& values,
                      uint64_t* checked, uint64_t* wrong, std::string* error) {
  std::string key(key_size, '0');
  std::string value;
  uint64_t step = std::max<uint64_t>(1, num / 10000);
  for (uint64_t n = 0; n < num; n += step, ++*checked) {
    FormatKey(n, key_size, key.data());
    Lookup found = store->Get(key, &value, error);
    if (found == Lookup::kError) return false;
    *wrong += found == Lookup::kMissing || value != values.At(n);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// TierWarpStore

namespace {

// The counter line of the calling thread. Threads beyond the lines share one, which is why
// the counters are atomics; each thread otherwise writes only its own line.
size_t CounterLine(size_t lines) {
  static std::atomic<size_t> next{0};
  thread_local size_t index = next.fetch_add(1);
  return index % lines;
}

}  // namespace

TierWarpStore::TierWarpStore() = default;
TierWarpStore::~TierWarpStore() = default;

bool TierWarpStore::Open(const warp::Options& options, std::string* error) {
  warp::Status s = universe_.Open(options);
  if (!s.ok()) *error = "warp: Open(" + options.data_dir + "): " + s.ToString();
  return s.ok();
}

bool TierWarpStore::Put(std::string_view key, std::string_view value, std::string* error) {
  warp::WriteResult r = universe_.Put(key, value);
  if (!r.ok()) *error = "warp: Put(" + std::string(key) + "): " + r.status.ToString();
  return r.ok();
}

Lookup TierWarpStore::Get(std::string_view key, std::string* value, std::string* error) {
  warp::Cosmic cosmic;
  warp::Status s = universe_.Get(key, value, &cosmic);
  if (s.ok()) {
    // A plain load and store: only this thread writes the line (unless threads share it).
    std::atomic<uint64_t>& n =
        counters_[CounterLine(kCounterLines)].tier[static_cast<size_t>(cosmic.tier)];
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return Lookup::kFound;
  }
  if (s.IsNotFound()) return Lookup::kMissing;
  *error = "warp: Get(" + std::string(key) + "): " + s.ToString();
  return Lookup::kError;
}

bool TierWarpStore::Settle(std::string* error) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    warp::ShardStats total = universe_.Stats().total;
    if (total.durable_lsn >= total.last_lsn) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      *error = "warp: the WAL was not synced within 60 s of the load";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool TierWarpStore::Close(std::string* error) {
  warp::Status s = universe_.Close();
  if (!s.ok()) *error = "warp: Close: " + s.ToString();
  return s.ok();
}

std::array<uint64_t, 3> TierWarpStore::TakeTierCounts() {
  std::array<uint64_t, 3> sum{};
  for (Counter& c : counters_) {
    for (size_t t = 0; t < 3; ++t) sum[t] += c.tier[t].exchange(0);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// CachedRocksStore

CachedRocksStore::CachedRocksStore() = default;
CachedRocksStore::~CachedRocksStore() { delete db_; }

bool CachedRocksStore::Open(const std::string& dir, uint64_t cache_bytes, std::string* error) {
  rocksdb::Options options;
  options.create_if_missing = true;
  cache_ = rocksdb::NewLRUCache(cache_bytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache_;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db_);
  if (!s.ok()) *error = "rocksdb: Open(" + dir + "): " + s.ToString();
  return s.ok();
}

bool CachedRocksStore::Put(std::string_view key, std::string_view value, std::string* error) {
  rocksdb::Status s = db_->Put(write_options_, rocksdb::Slice(key.data(), key.size()),
                               rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) *error = "rocksdb: Put(" + std::string(key) + "): " + s.ToString();
  return s.ok();
}

Lookup CachedRocksStore::Get(std::string_view key, std::string* value, std::string* error) {
  rocksdb::Status s = db_->Get(read_options_, rocksdb::Slice(key.data(), key.size()), value);
  if (s.ok()) return Lookup::kFound;
  if (s.IsNotFound()) return Lookup::kMissing;
  *error = "rocksdb: Get(" + std::string(key) + "): " + s.ToString();
  return Lookup::kError;
}

bool CachedRocksStore::Settle(std::string* error) {
  rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
  if (s.ok()) s = db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr);
  if (!s.ok()) *error = "rocksdb: flush/compact after load: " + s.ToString();
  return s.ok();
}

bool CachedRocksStore::Close(std::string* error) {
  rocksdb::Status s = db_->Close();
  if (!s.ok()) *error = "rocksdb: Close: " + s.ToString();
  return s.ok();
}

uint64_t CachedRocksStore::SstBytes() {
  uint64_t bytes = 0;
  db_->GetIntProperty("rocksdb.total-sst-files-size", &bytes);
  return bytes;
}

}  // namespace warp::bench
