// The systems store_bench measures, behind one small interface: WarpEngine through its public
// API and the baselines it is compared with (see the list at the top of store_bench.cc).
//
// A Store is one open database or table for the length of one run. Thread-safety: Put and Get
// may be called from many threads at once; Settle and Close from one thread, with no Put or Get
// in flight. Errors come back as false / Lookup::kError with a message in *error that names the
// system and the operation.
#pragma once

#include <cstddef>
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
  // Called once at the end of a run; the object is destroyed next.
  virtual bool Close(std::string* error) { return true; }
};

// "warp", "ceiling", "cuckoo" (if built with libcuckoo), "rocksdb".
const std::vector<std::string>& SystemNames();

// A fresh, empty store of `system`. `dir` is a directory the store may create and fill (the
// caller removes it afterwards); the in-memory systems ignore it. Null with *error set on
// failure.
std::unique_ptr<Store> OpenStore(const std::string& system, const std::string& dir,
                                 std::string* error);

}  // namespace warp::bench
