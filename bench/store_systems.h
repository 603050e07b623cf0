// The systems store_bench and wal_bench measure, behind one small interface: WarpEngine through
// its public API and the baselines it is compared with (see the lists at the top of
// store_bench.cc and wal_bench.cc).
//
// A Store is one open database or table for the length of one run. Thread-safety: Put and Get
// may be called from many threads at once; Settle, Checkpoint, CountKeys and Close from one
// thread, with no Put or Get in flight. Errors come back as false / Lookup::kError with a
// message in *error that names the system and the operation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace warp::bench {

// As many stripes as WarpEngine has slots.
inline constexpr size_t kCeilingStripes = 1024;

enum class Lookup { kFound, kMissing, kError };

class Store {
 public:
  virtual ~Store() = default;
  virtual bool Put(std::string_view key, std::string_view value, std::string* error) = 0;
  // Copies the value of `key` into *value, reusing its buffer where the system allows it.
  virtual Lookup Get(std::string_view key, std::string* value, std::string* error) = 0;
  // Called once after the untimed load of a read workload, before the clock starts.
  virtual bool Settle(std::string* error) { return true; }
  // Moves what the store holds out of its log into its base files, as a restart would find
  // it: WarpEngine snapshots every shard (Universe::Checkpoint), RocksDB flushes its memtable.
  // The in-memory systems have nothing to do.
  virtual bool Checkpoint(std::string* error) { return true; }
  // Counts the keys the store holds, exactly (RocksDB iterates over all of them: not fast).
  virtual bool CountKeys(uint64_t* count, std::string* error) {
    *error = "CountKeys is not supported by this system";
    return false;
  }
  // Called once at the end of a run; the object is destroyed next.
  virtual bool Close(std::string* error) { return true; }
};

// store_bench's systems: "warp", "ceiling", "cuckoo" (if built with libcuckoo), "rocksdb".
const std::vector<std::string>& SystemNames();

// The durable configurations wal_bench compares, which OpenStore also accepts:
//   "warp-everysec"  warp with wal.fsync=everysec (the default)
//   "warp-always"    warp with wal.fsync=always (every Put waits for a group-commit fsync)
//   "rocksdb-wal"    RocksDB with its WAL on, WriteOptions.sync=false
//   "rocksdb-sync"   RocksDB with its WAL on, WriteOptions.sync=true
const std::vector<std::string>& DurableSystemNames();

// Opens a store of `system` (one of SystemNames() or DurableSystemNames()). `dir` is a
// directory the store may create and fill (the caller removes it afterwards); the in-memory
// systems ignore it. An empty or missing `dir` gives a fresh, empty store; a directory that an
// earlier store of the same system left is reopened, so the time this call takes is that
// system's recovery. Null with *error set on failure.
std::unique_ptr<Store> OpenStore(const std::string& system, const std::string& dir,
                                 std::string* error);

}  // namespace warp::bench
