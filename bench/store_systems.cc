// Adapters from each measured system to bench::Store. Each one uses its system the way an
// embedding program would, with the options store_bench and wal_bench print in their headers.

#include "bench/store_systems.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#if WARP_BENCH_HAVE_CUCKOO
#include <libcuckoo/cuckoohash_map.hh>
#endif

#include "warp/universe.h"

namespace warp::bench {

namespace {

// Baselines pay no heap allocation per lookup either: 16-byte keys exceed libstdc++'s
// small-string buffer, and C++17 maps have no lookup by string_view.
const std::string& LookupKey(std::string_view key) {
  thread_local std::string buffer;
  buffer.assign(key.data(), key.size());
  return buffer;
}

class WarpStore : public Store {
 public:
  // Default Options except data_dir, log_level and, if given, wal.fsync.
  bool Open(const std::string& dir, std::optional<warp::FsyncPolicy> fsync, std::string* error) {
    warp::Options options;
    options.data_dir = dir;
    options.log_level = "warn";
    if (fsync) options.wal.fsync = *fsync;
    warp::Status s = universe_.Open(options);
    if (!s.ok()) *error = "warp: Open(" + dir + "): " + s.ToString();
    return s.ok();
  }
  bool Put(std::string_view key, std::string_view value, std::string* error) override {
    warp::WriteResult r = universe_.Put(key, value);
    if (!r.ok()) *error = "warp: Put(" + std::string(key) + "): " + r.status.ToString();
    return r.ok();
  }
  Lookup Get(std::string_view key, std::string* value, std::string* error) override {
    // The buffer overload, like the other systems: no allocation per lookup.
    warp::Status s = universe_.Get(key, value);
    if (s.ok()) return Lookup::kFound;
    if (s.IsNotFound()) return Lookup::kMissing;
    *error = "warp: Get(" + std::string(key) + "): " + s.ToString();
    return Lookup::kError;
  }
  // As RocksDB is flushed and compacted after the load, WarpEngine's background work from the
  // load is let finish: its WAL writers' first fsync of the loaded records (else it runs inside
  // the timed reads, writing back and write-protecting the mapped segment's pages).
  bool Settle(std::string* error) override {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      warp::ShardStats total = universe_.Stats().total;
      if (total.durable_lsn >= total.last_lsn) return true;
      if (std::chrono::steady_clock::now() > deadline) {
        *error = "warp: the WAL was not synced within 30 s of the load";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  bool Checkpoint(std::string* error) override {
    warp::Status s = universe_.Checkpoint();
    if (!s.ok()) *error = "warp: Checkpoint: " + s.ToString();
    return s.ok();
  }
  bool CountKeys(uint64_t* count, std::string* error) override {
    *count = universe_.Stats().total.keys;
    return true;
  }
  bool Close(std::string* error) override {
    warp::Status s = universe_.Close();
    if (!s.ok()) *error = "warp: Close: " + s.ToString();
    return s.ok();
  }

 private:
  warp::Universe universe_;
};

class CeilingStore : public Store {
 public:
  CeilingStore() : stripes_(new Stripe[kCeilingStripes]) {}
  bool Put(std::string_view key, std::string_view value, std::string*) override {
    const std::string& k = LookupKey(key);
    Stripe& stripe = StripeOf(k);
    std::unique_lock lock(stripe.mu);
    stripe.map[k].assign(value.data(), value.size());
    return true;
  }
  Lookup Get(std::string_view key, std::string* value, std::string*) override {
    const std::string& k = LookupKey(key);
    Stripe& stripe = StripeOf(k);
    std::shared_lock lock(stripe.mu);
    auto it = stripe.map.find(k);
    if (it == stripe.map.end()) return Lookup::kMissing;
    value->assign(it->second);
    return Lookup::kFound;
  }

 private:
  struct alignas(64) Stripe {
    std::shared_mutex mu;
    std::unordered_map<std::string, std::string> map;
  };
  Stripe& StripeOf(const std::string& key) {
    return stripes_[std::hash<std::string>{}(key) % kCeilingStripes];
  }
  std::unique_ptr<Stripe[]> stripes_;
};

#if WARP_BENCH_HAVE_CUCKOO
class CuckooStore : public Store {
 public:
  bool Put(std::string_view key, std::string_view value, std::string*) override {
    map_.insert_or_assign(LookupKey(key), value);
    return true;
  }
  Lookup Get(std::string_view key, std::string* value, std::string*) override {
    return map_.find(LookupKey(key), *value) ? Lookup::kFound : Lookup::kMissing;
  }

 private:
  libcuckoo::cuckoohash_map<std::string, std::string> map_;
};
#endif

class RocksStore : public Store {
 public:
  // kOff: store_bench's "rocksdb"; kAsync: "rocksdb-wal"; kSync: "rocksdb-sync".
  enum class Wal { kOff, kAsync, kSync };
  ~RocksStore() override { delete db_; }
  bool Open(const std::string& dir, Wal wal, std::string* error) {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, &db_);
    if (!s.ok()) *error = "rocksdb: Open(" + dir + "): " + s.ToString();
    write_options_.disableWAL = wal == Wal::kOff;
    write_options_.sync = wal == Wal::kSync;
    return s.ok();
  }
  bool Put(std::string_view key, std::string_view value, std::string* error) override {
    rocksdb::Status s = db_->Put(write_options_, rocksdb::Slice(key.data(), key.size()),
                                 rocksdb::Slice(value.data(), value.size()));
    if (!s.ok()) *error = "rocksdb: Put(" + std::string(key) + "): " + s.ToString();
    return s.ok();
  }
  Lookup Get(std::string_view key, std::string* value, std::string* error) override {
    rocksdb::Status s = db_->Get(read_options_, rocksdb::Slice(key.data(), key.size()), value);
    if (s.ok()) return Lookup::kFound;
    if (s.IsNotFound()) return Lookup::kMissing;
    *error = "rocksdb: Get(" + std::string(key) + "): " + s.ToString();
    return Lookup::kError;
  }
  bool Settle(std::string* error) override {
    rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
    if (s.ok()) s = db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr);
    if (!s.ok()) *error = "rocksdb: flush/compact after load: " + s.ToString();
    return s.ok();
  }
  bool Checkpoint(std::string* error) override {
    rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
    if (!s.ok()) *error = "rocksdb: Flush: " + s.ToString();
    return s.ok();
  }
  bool CountKeys(uint64_t* count, std::string* error) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options_));
    *count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++*count;
    if (!it->status().ok()) *error = "rocksdb: counting keys: " + it->status().ToString();
    return it->status().ok();
  }
  bool Close(std::string* error) override {
    rocksdb::Status s = db_->Close();
    if (!s.ok()) *error = "rocksdb: Close: " + s.ToString();
    return s.ok();
  }

 private:
  rocksdb::DB* db_ = nullptr;
  rocksdb::WriteOptions write_options_;
  rocksdb::ReadOptions read_options_;
};

}  // namespace

const std::vector<std::string>& SystemNames() {
#if WARP_BENCH_HAVE_CUCKOO
  static const std::vector<std::string> names = {"warp", "ceiling", "cuckoo", "rocksdb"};
#else
  static const std::vector<std::string> names = {"warp", "ceiling", "rocksdb"};
#endif
  return names;
}

const std::vector<std::string>& DurableSystemNames() {
  static const std::vector<std::string> names = {"warp-everysec", "warp-always", "rocksdb-wal",
                                                 "rocksdb-sync"};
  return names;
}

std::unique_ptr<Store> OpenStore(const std::string& system, const std::string& dir,
                                 std::string* error) {
  if (system == "ceiling") return std::make_unique<CeilingStore>();
#if WARP_BENCH_HAVE_CUCKOO
  if (system == "cuckoo") return std::make_unique<CuckooStore>();
#endif
  if (system == "warp" || system == "warp-everysec" || system == "warp-always") {
    std::optional<warp::FsyncPolicy> fsync;
    if (system == "warp-everysec") fsync = warp::FsyncPolicy::kEverySec;
    if (system == "warp-always") fsync = warp::FsyncPolicy::kAlways;
    auto store = std::make_unique<WarpStore>();
    if (store->Open(dir, fsync, error)) return store;
  } else if (system == "rocksdb" || system == "rocksdb-wal" || system == "rocksdb-sync") {
    // store_bench's "rocksdb" logs like WarpEngine's default (wal.fsync=everysec): WAL on,
    // written to the OS per write, not synced.
    RocksStore::Wal wal =
        system == "rocksdb-sync" ? RocksStore::Wal::kSync : RocksStore::Wal::kAsync;
    auto store = std::make_unique<RocksStore>();
    if (store->Open(dir, wal, error)) return store;
  } else {
    *error = "unknown system " + system;
  }
  return nullptr;
}

}  // namespace warp::bench
