#include "store/slot_router.h"

#include <catch2/catch.hpp>
#include <set>

namespace warp {

TEST_CASE("a key without a hash tag is routed by all of its bytes") {
  CHECK(RoutingBytes("user:42") == "user:42");
  CHECK(RoutingHash("user:42") == FullKeyHash("user:42"));
}

TEST_CASE("keys sharing a non-empty hash tag land in the same slot") {
  CHECK(RoutingBytes("user:{42}:name") == "42");
  CHECK(SlotOfKey("user:{42}") == SlotOfKey("profile:{42}"));
  CHECK(SlotOfKey("settings:{42}:theme") == SlotOfKey("{42}"));
}

TEST_CASE("an empty or unclosed hash tag routes by the whole key, as Redis Cluster does") {
  CHECK(RoutingBytes("a{}b") == "a{}b");
  CHECK(RoutingBytes("a{bc") == "a{bc");
  // Only the first '{' counts, up to the first '}' after it.
  CHECK(RoutingBytes("{a}{b}") == "a");
  CHECK(RoutingBytes("x{{y}}") == "{y");
}

TEST_CASE("the routing hash is stable across builds because persisted layouts depend on it") {
  // XXH3-64 with seed 0; if these change, every existing data directory is misrouted.
  CHECK(FullKeyHash("") == 0x2d06800538d394c2ull);
  CHECK(SlotOfKey("foo") == FullKeyHash("foo") % kSlotCount);
  CHECK(SlotOfKey("foo") == 394);
}

TEST_CASE("an even slot table gives every shard a contiguous, nearly equal block") {
  SlotTable table = SlotTable::Even(3);
  std::set<uint32_t> shards;
  size_t total = 0;
  for (uint32_t shard = 0; shard < 3; ++shard) {
    std::vector<uint32_t> slots = table.SlotsOf(shard);
    CHECK(slots.size() >= kSlotCount / 3);
    CHECK(slots.size() <= kSlotCount / 3 + 1);
    for (size_t i = 1; i < slots.size(); ++i) CHECK(slots[i] == slots[i - 1] + 1);
    total += slots.size();
  }
  CHECK(total == kSlotCount);
  CHECK(table.ShardOf(0) == 0);
  CHECK(table.ShardOf(kSlotCount - 1) == 2);
}

}  // namespace warp
