// Tiered storage through the public API (docs/tiered_storage.md): with a memory budget far
// below the data, values are demoted to warm (LZ4 in memory) and cold (the value log on disk),
// and every read still returns exactly what was written, across restarts and expiry.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/universe_test_peer.h"
#include "tests/engine/universe_test_util.h"
#include "tests/support/fault_injection.h"
#include "tests/support/manual_clock.h"
#include "warp/universe.h"

namespace warp {

using testing::ManualClock;
using testing::SmallUniverse;
using testing::TempDir;

namespace {

// A value of `size` bytes: compressible (a repeated phrase) or not (random bytes).
std::string MakeValue(std::mt19937_64& rng, size_t size, bool compressible) {
  std::string value(size, '\0');
  if (compressible) {
    static const std::string kPhrase = "the quick brown fox jumps over the lazy dog ";
    size_t offset = rng() % kPhrase.size();
    for (size_t i = 0; i < size; ++i) value[i] = kPhrase[(i + offset) % kPhrase.size()];
  } else {
    for (char& c : value) c = static_cast<char>(rng());
  }
  return value;
}

// Puts `count` keys "<prefix>0".."<prefix>N-1", each with 512 random bytes from `seed`, and
// returns the values in key order.
std::vector<std::string> PutRandomValues(Universe& u, const std::string& prefix, int count,
                                         uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> values;
  for (int i = 0; i < count; ++i) {
    values.push_back(MakeValue(rng, 512, false));
    REQUIRE(u.Put(prefix + std::to_string(i), values.back()).ok());
  }
  return values;
}

Options TinyBudget(const TempDir& tmp, uint64_t max_bytes) {
  Options options = SmallUniverse(tmp, 2);
  options.memory.max_bytes = max_bytes;
  options.tiers.warm.compress_min_bytes = 64;
  options.tiers.cold.cache_bytes = 1 << 20;  // capped to a sixteenth of the budget
  options.tiers.cold.file_bytes = 1 << 20;   // small files, so that compaction has some
  return options;
}

struct ModelEntry {
  std::string value;
  int64_t expire_at_ms = 0;  // 0 = never
};

}  // namespace

TEST_CASE("with a tiny memory budget random operations and restarts always match a map model") {
  TempDir tmp;
  ManualClock clock;
  Options options = TinyBudget(tmp, 256 << 10);
  std::mt19937_64 rng(20261124);
  std::map<std::string, ModelEntry> model;
  auto present = [&](const std::string& key) {
    auto it = model.find(key);
    return it != model.end() &&
           (it->second.expire_at_ms == 0 || it->second.expire_at_ms > clock.NowUnixMillis());
  };

  Universe u;
  UniverseTestPeer::UseWallClock(u, &clock);
  REQUIRE(u.Open(options).ok());
  int mismatches = 0;
  std::string first_mismatch;
  uint64_t demoted_to_cold = 0;
  uint64_t demoted_to_warm = 0;
  for (int step = 0; step < 12000; ++step) {
    std::string key = "key:" + std::to_string(rng() % 1500);
    int op = static_cast<int>(rng() % 100);
    if (op < 45) {
      std::string value = MakeValue(rng, rng() % 700, rng() % 2 == 0);
      WriteOptions write;
      if (rng() % 10 == 0) write.expire_at_ms = clock.NowUnixMillis() + 1 + rng() % 5000;
      REQUIRE(u.Put(key, value, write).ok());
      model[key] = ModelEntry{value, write.expire_at_ms};
    } else if (op < 85) {
      GetResult got = u.Get(key);
      bool expected = present(key);
      if (got.ok() != expected || (expected && got.value != model[key].value)) {
        if (mismatches++ == 0) first_mismatch = key + " at step " + std::to_string(step);
      }
    } else if (op < 93) {
      REQUIRE(u.Delete(key).ok());
      model.erase(key);
    } else if (op < 97) {
      clock.Advance(static_cast<int64_t>(rng() % 2000));
    } else if (op < 99) {
      int64_t at = clock.NowUnixMillis() + 1 + static_cast<int64_t>(rng() % 5000);
      WriteResult r = u.Update(key, [at](const KeyState& state, Mutation* m) {
        if (!state.exists) return;
        m->action = Mutation::Action::kSetExpiry;
        m->expire_at_ms = at;
      });
      REQUIRE(r.ok());
      if (present(key)) model[key].expire_at_ms = at;
    } else {
      UniverseStats stats = u.Stats();
      demoted_to_cold += stats.total.demoted_to_cold;
      demoted_to_warm += stats.total.demoted_to_warm;
      REQUIRE(u.Close().ok());
      UniverseTestPeer::UseWallClock(u, &clock);
      REQUIRE(u.Open(options).ok());
    }
  }
  INFO("first mismatch: " << first_mismatch);
  CHECK(mismatches == 0);
  // Every key, at the end, after one more restart.
  REQUIRE(u.Close().ok());
  UniverseTestPeer::UseWallClock(u, &clock);
  REQUIRE(u.Open(options).ok());
  int wrong_at_end = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string key = "key:" + std::to_string(i);
    GetResult got = u.Get(key);
    bool expected = present(key);
    if (got.ok() != expected || (expected && got.value != model[key].value)) ++wrong_at_end;
  }
  CHECK(wrong_at_end == 0);
  UniverseStats stats = u.Stats();
  demoted_to_cold += stats.total.demoted_to_cold;
  demoted_to_warm += stats.total.demoted_to_warm;
  // The budget was really in play: both demotions happened.
  CHECK(demoted_to_cold > 0);
  CHECK(demoted_to_warm > 0);
  REQUIRE(u.Close().ok());
}

TEST_CASE("data five times the memory budget all reads back and memory stays near the budget") {
  TempDir tmp;
  constexpr uint64_t kBudget = 4 << 20;
  Options options = TinyBudget(tmp, kBudget);
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::mt19937_64 rng(5);
  constexpr int kKeys = 20000;  // 20,000 x 1 KiB = 5x the budget
  for (int i = 0; i < kKeys; ++i) {
    std::mt19937_64 value_rng(static_cast<uint64_t>(i));
    REQUIRE(u.Put("big:" + std::to_string(i), MakeValue(value_rng, 1024, i % 4 == 0)).ok());
  }
  UniverseStats stats = u.Stats();
  CHECK(stats.total.keys == kKeys);
  CHECK(stats.total.cold_keys > 0);
  // Values in memory stay within the shards' shares plus one demotion window of slack.
  CHECK(stats.total.hot_bytes + stats.total.warm_bytes <=
        stats.total.memory_budget + stats.total.memory_budget / 10);
  CHECK(stats.total.cold_bytes + stats.total.hot_bytes > 4 * kBudget);
  int wrong = 0;
  for (int i = 0; i < kKeys; ++i) {
    std::mt19937_64 value_rng(static_cast<uint64_t>(i));
    GetResult got = u.Get("big:" + std::to_string(i));
    if (!got.ok() || got.value != MakeValue(value_rng, 1024, i % 4 == 0)) ++wrong;
  }
  CHECK(wrong == 0);
  REQUIRE(u.Close().ok());
}

TEST_CASE("a value read often is promoted back to hot") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  Universe u;
  REQUIRE(u.Open(options).ok());
  PutRandomValues(u, "p:", 6000, 7);
  // Find a cold key, then read it until it is promoted.
  std::string cold_key;
  for (int i = 0; i < 6000 && cold_key.empty(); ++i) {
    GetResult got = u.Get("p:" + std::to_string(i));
    REQUIRE(got.ok());
    if (got.cosmic.tier == Tier::kCold) cold_key = "p:" + std::to_string(i);
  }
  REQUIRE_FALSE(cold_key.empty());
  GetResult first = u.Get(cold_key);
  Tier last = first.cosmic.tier;
  for (int i = 0; i < 5000 && last != Tier::kHot; ++i) {
    GetResult again = u.Get(cold_key);
    REQUIRE(again.ok());
    CHECK(again.value == first.value);
    last = again.cosmic.tier;
  }
  CHECK(last == Tier::kHot);
  CHECK(u.Stats().total.promoted > 0);
  REQUIRE(u.Close().ok());
}

TEST_CASE("one pass over cold values leaves the cache alone; values read again are cached") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::vector<std::string> values = PutRandomValues(u, "q:", 6000, 5);
  std::vector<int> cold;
  for (int i = 0; i < 6000; ++i) {
    GetResult got = u.Get("q:" + std::to_string(i));
    REQUIRE(got.ok());
    if (got.cosmic.tier == Tier::kCold) cold.push_back(i);
  }
  REQUIRE(cold.size() > 1000);
  // A scan reads each value once: the doorkeeper (tiers::kCacheHeat) kept all of them out, and
  // spared them the cache lookup.
  UniverseStats scanned = u.Stats();
  CHECK(scanned.cache.misses == 0);
  CHECK(scanned.cache.l1_entries + scanned.cache.l2_entries == 0);
  // Read twice more, a value enters the cache on its second read and is served from it on the
  // third unless that second read already promoted it (a chance of a third per key, tiers.h).
  int wrong = 0;
  for (size_t n = 0; n < 200; ++n) {
    for (int read = 0; read < 2; ++read) {
      GetResult got = u.Get("q:" + std::to_string(cold[n]));
      if (!got.ok() || got.value != values[cold[n]]) ++wrong;
    }
  }
  CHECK(wrong == 0);
  UniverseStats reread = u.Stats();
  CHECK(reread.cache.misses > 0);
  CHECK(reread.cache.l1_hits + reread.cache.l2_hits > 0);
  REQUIRE(u.Close().ok());
}

TEST_CASE("keys read often become hot and stay hot among reads of other keys") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  Universe u;
  REQUIRE(u.Open(options).ok());
  PutRandomValues(u, "z:", 6000, 19);
  std::mt19937_64 rng(1019);
  // 300 favourites (about a sixth of what the budget holds hot), each read once per round,
  // among reads of other keys, each read about once in all.
  auto favourite = [](int i) { return i % 20 == 0; };
  for (int round = 0; round < 30; ++round) {
    for (int i = 0; i < 6000; i += 20) REQUIRE(u.Get("z:" + std::to_string(i)).ok());
    for (int n = 0; n < 200; ++n) {
      int other = static_cast<int>(rng() % 6000);
      if (!favourite(other)) REQUIRE(u.Get("z:" + std::to_string(other)).ok());
    }
  }
  int favourites_hot = 0;
  for (int i = 0; i < 6000; i += 20) {
    GetResult got = u.Get("z:" + std::to_string(i));
    REQUIRE(got.ok());
    if (got.cosmic.tier == Tier::kHot) ++favourites_hot;
  }
  // Keys read twice or more were promoted too (they are hotter than the never-read records
  // that the load left hot), but none of them took a favourite's place.
  CHECK(favourites_hot == 300);
  REQUIRE(u.Close().ok());
}

TEST_CASE("uniform reads over data beyond the budget settle into few promotions") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  Universe u;
  REQUIRE(u.Open(options).ok());
  PutRandomValues(u, "u:", 6000, 23);
  std::mt19937_64 rng(1023);
  // Every key equally likely: no key is worth another's place, so once heat has been learned
  // a read rarely promotes (and each promotion demotes another value).
  std::vector<uint64_t> promoted_after_pass;
  for (int pass = 0; pass < 12; ++pass) {
    for (int n = 0; n < 6000; ++n) {
      REQUIRE(u.Get("u:" + std::to_string(rng() % 6000)).ok());
    }
    promoted_after_pass.push_back(u.Stats().total.promoted);
  }
  uint64_t late = promoted_after_pass[11] - promoted_after_pass[7];  // the last 4 passes
  INFO("promotions after the first pass: " << promoted_after_pass[0]
                                           << ", per late pass: " << late / 4);
  CHECK(late < 4 * 6000 / 20);  // under 5% of the reads
  REQUIRE(u.Close().ok());
}

TEST_CASE(
    "overwriting cold values leaves garbage that compaction reclaims without losing a value") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::mt19937_64 rng(11);
  std::map<std::string, std::string> model;
  // Several generations of the same keys: each demotes the previous generation's values and
  // leaves their value-log copies dead.
  for (int generation = 0; generation < 6; ++generation) {
    for (int i = 0; i < 4000; ++i) {
      std::string key = "c:" + std::to_string(i);
      std::string value = MakeValue(rng, 600, false);
      REQUIRE(u.Put(key, value).ok());
      model[key] = value;
    }
  }
  // The shard actors compact on their stats ticks (50 ms here): wait, bounded, for some.
  uint64_t compacted = 0;
  for (int i = 0; i < 200 && compacted == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    compacted = u.Stats().total.value_log_files_compacted;
  }
  UniverseStats stats = u.Stats();
  CHECK(stats.total.value_log_files_compacted > 0);
  CHECK(stats.total.value_log_reclaimed_bytes > 0);
  int wrong = 0;
  for (const auto& [key, value] : model) {
    GetResult got = u.Get(key);
    if (!got.ok() || got.value != value) ++wrong;
  }
  CHECK(wrong == 0);
  REQUIRE(u.Close().ok());
}

TEST_CASE("a smaller budget set at run time is reached by demoting at once") {
  TempDir tmp;
  Options options = SmallUniverse(tmp, 2);  // no budget: everything hot
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(u.Put("r:" + std::to_string(i), MakeValue(rng, 400, false)).ok());
  }
  UniverseStats before = u.Stats();
  CHECK(before.total.cold_keys == 0);
  CHECK(before.total.warm_keys == 0);
  REQUIRE(u.SetMemoryBudget(1 << 20).ok());
  CHECK(u.memory_budget() == (1u << 20));
  UniverseStats after = u.Stats();
  CHECK(after.total.cold_keys > 0);
  CHECK(after.total.hot_bytes + after.total.warm_bytes <= after.total.memory_budget);
  CHECK(after.total.keys == 5000);
  REQUIRE(u.Close().ok());
}

TEST_CASE("a snapshot records the hot set and the next open warms the cache with it") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  std::vector<std::string> hot_keys;
  {
    Universe u;
    REQUIRE(u.Open(options).ok());
    std::mt19937_64 rng(13);
    for (int i = 0; i < 6000; ++i) {
      REQUIRE(u.Put("h:" + std::to_string(i), MakeValue(rng, 512, false)).ok());
    }
    for (int i = 0; i < 6000 && hot_keys.size() < 40; i += 97)
      hot_keys.push_back("h:" + std::to_string(i));
    for (int round = 0; round < 40; ++round) {
      for (const std::string& key : hot_keys) REQUIRE(u.Get(key).ok());
    }
    REQUIRE(u.Checkpoint().ok());
    REQUIRE(u.Close().ok());
  }
  // The sidecars name the hot keys (hex), hottest first.
  size_t recorded = 0;
  for (uint32_t shard = 0; shard < 2; ++shard) {
    std::string dir =
        options.data_dir + "/spacetime/shard-0" + std::to_string(shard) + "/snapshots";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (const std::string& key : hot_keys) {
        std::string hex;
        for (unsigned char c : key) {
          static const char kDigits[] = "0123456789abcdef";
          hex += kDigits[c >> 4];
          hex += kDigits[c & 15];
        }
        if (text.find("\"" + hex + "\"") != std::string::npos) ++recorded;
      }
    }
  }
  CHECK(recorded == hot_keys.size());
  // After the restart, before any read, the cache already holds values.
  Universe u;
  REQUIRE(u.Open(options).ok());
  UniverseStats opened = u.Stats();
  CHECK(opened.cache.l1_entries + opened.cache.l2_entries > 0);
  for (const std::string& key : hot_keys) REQUIRE(u.Get(key).ok());
  UniverseStats read = u.Stats();
  CHECK(read.cache.l1_hits + read.cache.l2_hits > opened.cache.l1_hits + opened.cache.l2_hits);
  REQUIRE(u.Close().ok());
}

TEST_CASE("value-log write and read faults never give a wrong value nor lose one") {
  TempDir tmp;
  testing::FaultInjectionFileSystem fs(DefaultFileSystem());
  Options options = SmallUniverse(tmp, 2);
  Universe u;
  UniverseTestPeer::UseFileSystem(u, &fs);
  REQUIRE(u.Open(options).ok());
  std::mt19937_64 rng(17);
  std::vector<std::string> values;
  for (int i = 0; i < 4000; ++i) {
    values.push_back(MakeValue(rng, 512, false));
    REQUIRE(u.Put("f:" + std::to_string(i), values.back()).ok());
  }
  // Demotion starts now (the budget shrinks); its first value-log write fails: those records
  // stay in memory, the next batches go to disk.
  fs.FailNextAppend();
  REQUIRE(u.SetMemoryBudget(1 << 20).ok());
  REQUIRE(u.Stats().total.cold_keys > 0);
  // Reads of cold values: an injected read error or a damaged read is an error, never data.
  // One pass over every key finds the cold ones, and leaves the cache empty (a value enters it
  // on its second read), so reading them again reads the log.
  std::vector<int> cold;
  for (int i = 0; i < 4000; ++i) {
    GetResult peek = u.Get("f:" + std::to_string(i));
    REQUIRE(peek.ok());
    if (peek.cosmic.tier == Tier::kCold) cold.push_back(i);
  }
  REQUIRE(cold.size() > 1000);
  int failed_reads = 0;
  int wrong_values = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt == 0) fs.FailNextRead();
    if (attempt == 1) fs.CorruptNextRead();
    GetResult got = u.Get("f:" + std::to_string(cold[attempt]));
    if (!got.ok()) ++failed_reads;
    if (got.ok() && got.value != values[cold[attempt]]) ++wrong_values;
  }
  CHECK(failed_reads == 2);
  CHECK(wrong_values == 0);
  int wrong = 0;
  for (int i = 0; i < 4000; ++i) {
    GetResult got = u.Get("f:" + std::to_string(i));
    if (!got.ok() || got.value != values[i]) ++wrong;
  }
  CHECK(wrong == 0);
  REQUIRE(u.Close().ok());
}

TEST_CASE("tiers.warm.max_bytes caps the compressed bytes kept warm; the rest goes cold") {
  TempDir tmp;
  Options options = TinyBudget(tmp, 1 << 20);
  options.tiers.warm.max_bytes = 64 << 10;  // 32 KiB per shard
  Universe u;
  REQUIRE(u.Open(options).ok());
  std::mt19937_64 rng(19);
  std::vector<std::string> values;
  for (int i = 0; i < 6000; ++i) {
    values.push_back(MakeValue(rng, 512, true));
    REQUIRE(u.Put("w:" + std::to_string(i), values.back()).ok());
  }
  // Overwrites and deletes of warm keys give their bytes back to the cap.
  for (int i = 0; i < 6000; i += 3) REQUIRE(u.Delete("w:" + std::to_string(i)).ok());
  UniverseStats stats = u.Stats();
  CHECK(stats.total.warm_keys > 0);
  CHECK(stats.total.cold_keys > 0);
  // One demotion window per shard may overshoot the cap.
  CHECK(stats.total.warm_bytes <= (64u << 10) + 2 * 64 * 512);
  int wrong = 0;
  for (int i = 0; i < 6000; ++i) {
    GetResult got = u.Get("w:" + std::to_string(i));
    bool expected = i % 3 != 0;
    if (got.ok() != expected || (expected && got.value != values[i])) ++wrong;
  }
  CHECK(wrong == 0);
  REQUIRE(u.Close().ok());
}

}  // namespace warp
