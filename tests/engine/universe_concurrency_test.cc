// Many threads against one universe: the final state must equal a single-threaded replay of
// each key's writes in the order the shard sequenced them (their versions).

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <thread>

#include "tests/engine/universe_test_util.h"
#include "warp/universe.h"

namespace warp {

namespace {

struct Observation {
  enum Kind { kPut, kDelete, kRead } kind;
  std::string key;
  std::string value;     // put: value written; read: value seen
  uint64_t version = 0;  // put/delete: assigned LSN; read: version seen
  bool present = false;  // delete: existed; read: found
};

void RecordRead(const std::string& key, const GetResult& r, std::vector<Observation>* log) {
  REQUIRE((r.ok() || r.status.IsNotFound()));
  log->push_back({Observation::kRead, key, r.value, r.cosmic.version, r.ok()});
}

// One client thread: a seeded random mix of Put, Delete, Get and MultiGet over a few keys.
void Client(Universe* u, int thread, int ops, std::vector<Observation>* log) {
  std::mt19937 rng(1234 + thread);
  std::uniform_int_distribution<int> key_of(0, 39), action(0, 99);
  for (int i = 0; i < ops; ++i) {
    std::string key = "k" + std::to_string(key_of(rng));
    int a = action(rng);
    if (a < 40) {
      std::string value = "t" + std::to_string(thread) + "-" + std::to_string(i);
      WriteResult w = u->Put(key, value);
      REQUIRE(w.ok());
      log->push_back({Observation::kPut, key, value, w.cosmic.version, true});
    } else if (a < 50) {
      WriteResult w = u->Delete(key);
      REQUIRE(w.ok());
      log->push_back({Observation::kDelete, key, "", w.cosmic.version, w.existed});
    } else if (a < 90) {
      RecordRead(key, u->Get(key), log);
    } else {
      std::vector<std::string> keys = {key, "k" + std::to_string(key_of(rng)),
                                       "k" + std::to_string(key_of(rng))};
      std::vector<GetResult> results = u->MultiGet(keys);
      REQUIRE(results.size() == 3);
      for (size_t j = 0; j < 3; ++j) RecordRead(keys[j], results[j], log);
    }
  }
}

}  // namespace

TEST_CASE("concurrent puts, deletes, gets and multigets end in the state of a per-key replay") {
  testing::TempDir tmp;
  Universe u;
  REQUIRE(u.Open(testing::SmallUniverse(tmp)).ok());
  constexpr int kThreads = 4, kOps = 20000;
  std::vector<std::vector<Observation>> logs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(Client, &u, t, kOps, &logs[t]);
  for (auto& thread : threads) thread.join();

  // Writes that changed state, per key, in version order (versions are unique per shard).
  std::map<std::string, std::map<uint64_t, const Observation*>> writes;
  for (const auto& log : logs) {
    for (const Observation& o : log) {
      if (o.kind == Observation::kRead || (o.kind == Observation::kDelete && !o.present)) continue;
      bool unique = writes[o.key].emplace(o.version, &o).second;
      REQUIRE(unique);
    }
  }
  // Replay each key single-threaded: a delete that removed something must find it present.
  std::map<std::string, std::pair<bool, std::string>> model;  // key -> (present, value)
  for (const auto& [key, ordered] : writes) {
    auto& state = model[key];
    for (const auto& [version, o] : ordered) {
      if (o->kind == Observation::kDelete) REQUIRE(state.first);
      state = {o->kind == Observation::kPut, o->value};
    }
  }
  for (int k = 0; k < 40; ++k) {
    std::string key = "k" + std::to_string(k);
    GetResult r = u.Get(key);
    auto it = model.find(key);
    bool expected_present = it != model.end() && it->second.first;
    INFO(key);
    CHECK(r.ok() == expected_present);
    if (expected_present) CHECK(r.value == it->second.second);
  }
  // Every value a reader saw is the value of the write carrying the version it saw.
  size_t reads_checked = 0;
  for (const auto& log : logs) {
    for (const Observation& o : log) {
      if (o.kind != Observation::kRead || !o.present) continue;
      auto key_writes = writes.find(o.key);
      REQUIRE(key_writes != writes.end());
      auto w = key_writes->second.find(o.version);
      REQUIRE(w != key_writes->second.end());
      CHECK(w->second->kind == Observation::kPut);
      CHECK(w->second->value == o.value);
      ++reads_checked;
    }
  }
  CHECK(reads_checked > 1000);
}

TEST_CASE("operations racing with Close either succeed before it or return Unavailable") {
  testing::TempDir tmp;
  Universe u;
  REQUIRE(u.Open(testing::SmallUniverse(tmp)).ok());
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  std::vector<int> ok_after_unavailable(3, 0), unavailable(3, 0);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      started++;
      for (int i = 0; i < 2000000 && unavailable[t] < 1000; ++i) {
        std::string key = "k" + std::to_string(i % 100);
        Status s = (i % 2) ? u.Put(key, "v").status : u.Get(key).status;
        if (s.IsUnavailable()) {
          unavailable[t]++;
        } else {
          REQUIRE((s.ok() || s.IsNotFound()));
          if (unavailable[t] > 0) ok_after_unavailable[t]++;
        }
      }
    });
  }
  while (started.load() < 3) std::this_thread::yield();
  REQUIRE(u.Close().ok());
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 3; ++t) {
    CHECK(unavailable[t] == 1000);
    CHECK(ok_after_unavailable[t] == 0);
  }
}

}  // namespace warp
