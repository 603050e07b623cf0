#include "store/event_horizon_cache.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace warp {
namespace {

constexpr uint64_t kOverhead = EventHorizonCache::kEntryOverheadBytes;

EventHorizonCache::Options OneStripe(uint64_t capacity) {
  EventHorizonCache::Options options;
  options.capacity_bytes = capacity;
  options.stripes = 1;
  options.compress_min_bytes = 256;
  return options;
}

// Text that LZ4 shrinks well but not to nothing: words with a counter, distinct per seed.
std::string Text(size_t n, uint64_t seed) {
  std::string out;
  for (uint64_t i = 0; out.size() < n; ++i) {
    out += "spacetime " + std::to_string(seed) + " horizon " + std::to_string(i % 7) + "; ";
  }
  out.resize(n);
  return out;
}

// Bytes LZ4 cannot shrink.
std::string Noise(size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

}  // namespace

TEST_CASE("a cached value is found at its version and an absent key is a miss") {
  EventHorizonCache cache(OneStripe(1 << 20));
  cache.Insert("k", 7, "value");
  std::string value;
  int level = 0;
  REQUIRE(cache.Lookup("k", 7, &value, &level));
  CHECK(value == "value");
  CHECK(level == 1);
  value = "untouched";
  CHECK_FALSE(cache.Lookup("absent", 7, &value, &level));
  CHECK(value == "untouched");

  EventHorizonStats stats = cache.Stats();
  CHECK(stats.capacity == 1 << 20);
  CHECK(stats.inserts == 1);
  CHECK(stats.l1_hits == 1);
  CHECK(stats.misses == 1);
  CHECK(stats.l1_entries == 1);
  CHECK(stats.l1_bytes == 1 + 5 + kOverhead);  // key + value + per-entry overhead
  CHECK(stats.l2_entries == 0);
}

TEST_CASE("a lookup at another version is a miss and drops the stale entry") {
  EventHorizonCache cache(OneStripe(1 << 20));
  cache.Insert("k", 7, "old");
  std::string value;
  CHECK_FALSE(cache.Lookup("k", 8, &value, nullptr));
  CHECK(cache.Stats().l1_entries == 0);
  CHECK(cache.Stats().l1_bytes == 0);
  // Dropped, not just skipped: its own version misses too now.
  CHECK_FALSE(cache.Lookup("k", 7, &value, nullptr));
  CHECK(cache.Stats().misses == 2);

  // A new insert replaces the entry whatever the versions.
  cache.Insert("k", 9, "new");
  cache.Insert("k", 3, "older read");
  CHECK(cache.Stats().l1_entries == 1);
  REQUIRE(cache.Lookup("k", 3, &value, nullptr));
  CHECK(value == "older read");
}

TEST_CASE("a value larger than its stripe's level 1 share is not cached") {
  EventHorizonCache cache(OneStripe(4000));  // level 1: 2000 bytes
  cache.Insert("big", 1, "small enough");
  cache.Insert("big", 2, Text(2000, 1));
  std::string value;
  CHECK_FALSE(cache.Lookup("big", 2, &value, nullptr));
  CHECK_FALSE(cache.Lookup("big", 1, &value, nullptr));  // the older entry went too
  EventHorizonStats stats = cache.Stats();
  CHECK(stats.inserts == 1);
  CHECK(stats.l1_entries == 0);
}

TEST_CASE("level 1 overflow demotes the least recently used value to level 2, compressed") {
  // Each entry is charged 2 + 1000 + overhead; level 1 (half of 6000) holds two of them.
  EventHorizonCache cache(OneStripe(6000));
  cache.Insert("k0", 1, Text(1000, 0));
  cache.Insert("k1", 1, Text(1000, 1));
  cache.Insert("k2", 1, Text(1000, 2));

  EventHorizonStats stats = cache.Stats();
  CHECK(stats.l1_entries == 2);
  CHECK(stats.l1_bytes == 2 * (2 + 1000 + kOverhead));
  CHECK(stats.l1_evictions == 1);
  CHECK(stats.demotions == 1);
  CHECK(stats.l2_entries == 1);
  CHECK(stats.l2_bytes > 2 + kOverhead);
  CHECK(stats.l2_bytes < 2 + 1000 + kOverhead);  // stored compressed
  CHECK(stats.l2_evictions == 0);

  std::string value;
  int level = 0;
  REQUIRE(cache.Lookup("k0", 1, &value, &level));
  CHECK(level == 2);
}

TEST_CASE("a level 2 hit returns the exact bytes and promotes the value to level 1") {
  EventHorizonCache cache(OneStripe(6000));
  const std::string original = Text(1000, 0);
  cache.Insert("k0", 1, original);
  cache.Insert("k1", 1, Text(1000, 1));
  cache.Insert("k2", 1, Text(1000, 2));  // k0 goes to level 2

  std::string value;
  int level = 0;
  REQUIRE(cache.Lookup("k0", 1, &value, &level));
  CHECK(level == 2);
  CHECK(value == original);
  // Promoted: k0 is in level 1 now, and k1, the level-1 tail, made room by moving down.
  value.clear();
  REQUIRE(cache.Lookup("k0", 1, &value, &level));
  CHECK(level == 1);
  CHECK(value == original);
  REQUIRE(cache.Lookup("k1", 1, &value, &level));
  CHECK(level == 2);
  CHECK(value == Text(1000, 1));

  EventHorizonStats stats = cache.Stats();
  CHECK(stats.l2_hits == 2);
  CHECK(stats.l1_hits == 1);
  CHECK(stats.l1_entries + stats.l2_entries == 3);
}

TEST_CASE("values that are small or do not compress are dropped from level 1, not demoted") {
  SECTION("shorter than compress_min_bytes") {
    // Charged 2 + 100 + overhead each; level 1 (750 bytes) holds two.
    EventHorizonCache cache(OneStripe(1500));
    for (int i = 0; i < 3; ++i) cache.Insert("k" + std::to_string(i), 1, std::string(100, 'x'));
    EventHorizonStats stats = cache.Stats();
    CHECK(stats.l1_evictions == 1);
    CHECK(stats.demotions == 0);
    CHECK(stats.l2_entries == 0);
    std::string value;
    CHECK_FALSE(cache.Lookup("k0", 1, &value, nullptr));
  }
  SECTION("incompressible") {
    EventHorizonCache cache(OneStripe(6000));
    for (int i = 0; i < 3; ++i) cache.Insert("k" + std::to_string(i), 1, Noise(1000, i));
    EventHorizonStats stats = cache.Stats();
    CHECK(stats.l1_evictions == 1);
    CHECK(stats.demotions == 0);
    CHECK(stats.l2_entries == 0);
    CHECK(stats.l2_bytes == 0);
    std::string value;
    CHECK_FALSE(cache.Lookup("k0", 1, &value, nullptr));
  }
}

TEST_CASE("the bytes held never exceed the capacity after any sequence of operations") {
  std::mt19937_64 random(20240611);
  auto uniform = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(random);
  };
  EventHorizonCache::Options options;
  options.capacity_bytes = 32 << 10;
  options.stripes = 4;
  options.compress_min_bytes = 128;
  EventHorizonCache cache(options);
  // The last value inserted for each key, by version: what a hit may return.
  std::map<std::pair<std::string, uint64_t>, std::string> inserted;

  for (int op = 0; op < 10000; ++op) {
    std::string key = "key:" + std::to_string(uniform(0, 199));
    uint64_t version = uniform(1, 3);
    uint64_t choice = uniform(0, 99);
    if (choice < 45) {
      size_t size = uniform(0, 6000);
      std::string value = uniform(0, 3) == 0 ? Noise(size, op) : Text(size, op);
      cache.Insert(key, version, value);
      inserted[{key, version}] = value;
    } else if (choice < 90) {
      std::string value;
      int level = 0;
      if (cache.Lookup(key, version, &value, &level)) {
        INFO("operation " << op << ": lookup of " << key << " at " << version);
        REQUIRE((level == 1 || level == 2));
        REQUIRE(value == inserted[{key, version}]);
      }
    } else if (choice < 97) {
      cache.Erase(key);
    } else if (choice < 99) {
      cache.SetCapacity(uniform(0, 64 << 10));
    } else if (uniform(0, 9) == 0) {
      cache.Clear();
    }
    EventHorizonStats stats = cache.Stats();
    INFO("operation " << op);
    REQUIRE(stats.l1_bytes + stats.l2_bytes <= stats.capacity);
    REQUIRE(stats.l1_bytes >= stats.l1_entries * kOverhead);
    REQUIRE(stats.l2_bytes >= stats.l2_entries * kOverhead);
  }
  EventHorizonStats stats = cache.Stats();
  CHECK(stats.demotions > 0);  // the sequence did exercise both levels
  CHECK(stats.l2_hits > 0);
  CHECK(stats.l2_evictions > 0);
}

TEST_CASE("shrinking the capacity evicts at once down to the new bound") {
  EventHorizonCache cache(OneStripe(64 << 10));
  for (int i = 0; i < 40; ++i) cache.Insert("k" + std::to_string(i), 1, Text(1000, i));
  EventHorizonStats before = cache.Stats();
  REQUIRE(before.l1_entries + before.l2_entries > 20);

  cache.SetCapacity(8 << 10);
  EventHorizonStats after = cache.Stats();
  CHECK(after.capacity == 8 << 10);
  CHECK(after.l1_bytes <= 4 << 10);
  CHECK(after.l2_bytes <= 4 << 10);
  CHECK(after.l1_entries + after.l2_entries < before.l1_entries + before.l2_entries);
  CHECK(after.l1_evictions > before.l1_evictions);
  // The most recent entry survives the shrink.
  std::string value;
  CHECK(cache.Lookup("k39", 1, &value, nullptr));

  cache.SetCapacity(0);
  after = cache.Stats();
  CHECK(after.l1_entries + after.l2_entries == 0);
  CHECK(after.l1_bytes + after.l2_bytes == 0);
  cache.Insert("k", 1, "v");
  CHECK_FALSE(cache.Lookup("k", 1, &value, nullptr));
}

TEST_CASE("lookups and inserts from four threads return only values inserted for that version") {
  EventHorizonCache::Options options;
  options.capacity_bytes = 64 << 10;
  options.stripes = 4;
  options.compress_min_bytes = 128;
  EventHorizonCache cache(options);
  constexpr int kThreads = 4;
  constexpr int kOps = 20000;
  // Each (key, version) has one value, so any hit can be checked without a shared model.
  auto value_of = [](int key, uint64_t version) {
    return Text(200 + static_cast<size_t>(key % 7) * 100, key * 10 + version);
  };
  std::atomic<int> failures{0};
  std::atomic<uint64_t> lookups{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      std::string value;
      for (int op = 0; op < kOps; ++op) {
        int key = static_cast<int>(random() % 300);
        uint64_t version = 1 + random() % 2;
        std::string name = "key:" + std::to_string(key);
        if (random() % 3 == 0) {
          cache.Insert(name, version, value_of(key, version));
          continue;
        }
        lookups.fetch_add(1, std::memory_order_relaxed);
        int level = 0;
        if (cache.Lookup(name, version, &value, &level) &&
            (value != value_of(key, version) || (level != 1 && level != 2))) {
          failures.fetch_add(1, std::memory_order_relaxed);
        }
        if (op % 1000 == 0) cache.HottestKeys(8);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  CHECK(failures.load() == 0);
  EventHorizonStats stats = cache.Stats();
  CHECK(stats.l1_hits + stats.l2_hits + stats.misses == lookups.load());
  CHECK(stats.l1_bytes + stats.l2_bytes <= stats.capacity);
  CHECK(stats.l1_hits > 0);
}

TEST_CASE("erase removes one key and clear removes every entry but keeps the counters") {
  EventHorizonCache cache(OneStripe(1 << 20));
  cache.Insert("a", 1, "alpha");
  cache.Insert("b", 1, "beta");
  cache.Erase("a");
  cache.Erase("never inserted");
  std::string value;
  CHECK_FALSE(cache.Lookup("a", 1, &value, nullptr));
  CHECK(cache.Lookup("b", 1, &value, nullptr));
  CHECK(cache.Stats().l1_entries == 1);
  CHECK(cache.Stats().l1_bytes == 1 + 4 + kOverhead);

  cache.Clear();
  EventHorizonStats stats = cache.Stats();
  CHECK(stats.l1_entries + stats.l2_entries == 0);
  CHECK(stats.l1_bytes + stats.l2_bytes == 0);
  CHECK(stats.inserts == 2);
  CHECK(stats.l1_hits == 1);
  CHECK(stats.misses == 1);
  CHECK_FALSE(cache.Lookup("b", 1, &value, nullptr));
  CHECK(cache.HottestKeys(10).empty());
}

TEST_CASE("hottest keys lists level 1 most recently used first, then level 2") {
  SECTION("across stripes") {
    EventHorizonCache::Options options;
    options.capacity_bytes = 1 << 20;
    options.stripes = 4;
    EventHorizonCache cache(options);
    for (const char* key : {"a", "b", "c", "d"}) cache.Insert(key, 1, "v");
    std::string value;
    REQUIRE(cache.Lookup("b", 1, &value, nullptr));
    CHECK(cache.HottestKeys(10) == std::vector<std::string>{"b", "d", "c", "a"});
    CHECK(cache.HottestKeys(2) == std::vector<std::string>{"b", "d"});
    CHECK(cache.HottestKeys(0).empty());
  }
  SECTION("level 2 after level 1") {
    EventHorizonCache cache(OneStripe(6000));
    for (int i = 0; i < 4; ++i) cache.Insert("k" + std::to_string(i), 1, Text(1000, i));
    // k0 and k1 were demoted, k0 first; k2 and k3 are in level 1.
    CHECK(cache.HottestKeys(10) == std::vector<std::string>{"k3", "k2", "k1", "k0"});
    std::string value;
    REQUIRE(cache.Lookup("k2", 1, &value, nullptr));
    CHECK(cache.HottestKeys(3) == std::vector<std::string>{"k2", "k3", "k1"});
  }
}

}  // namespace warp
