#include "store/spacetime_table.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "store/slot_router.h"

namespace warp {

namespace {

std::vector<uint32_t> AllSlots() {
  std::vector<uint32_t> slots;
  for (uint32_t s = 0; s < kSlotCount; ++s) slots.push_back(s);
  return slots;
}

Status Put(SpacetimeTable& t, const std::string& k, const std::string& v, uint64_t* version) {
  return t.Put(SlotOfKey(k), k, v, version);
}

}  // namespace

TEST_CASE("a put is readable with the sequence number it was assigned") {
  SpacetimeTable table(0, AllSlots());
  uint64_t v1 = 0, v2 = 0, read_version = 0;
  REQUIRE(Put(table, "a", "1", &v1).ok());
  REQUIRE(Put(table, "b", "2", &v2).ok());
  CHECK(v1 == 1);
  CHECK(v2 == 2);
  std::string value;
  REQUIRE(table.Get(SlotOfKey("b"), "b", &value, &read_version).ok());
  CHECK(value == "2");
  CHECK(read_version == 2);
}

TEST_CASE("overwriting a key replaces its value, its version and its byte count") {
  SpacetimeTable table(0, AllSlots());
  uint64_t version = 0;
  REQUIRE(Put(table, "key", "short", &version).ok());
  REQUIRE(Put(table, "key", "a longer value", &version).ok());
  std::string value;
  uint64_t read_version = 0;
  REQUIRE(table.Get(SlotOfKey("key"), "key", &value, &read_version).ok());
  CHECK(value == "a longer value");
  CHECK(read_version == 2);
  TableCounters c = table.Counters();
  CHECK(c.keys == 1);
  CHECK(c.bytes == 3 + 14);
  CHECK(c.writes == 2);
  CHECK(c.last_lsn == 2);
}

TEST_CASE("deleting a present key consumes a version and deleting an absent one does not") {
  SpacetimeTable table(0, AllSlots());
  uint64_t version = 0;
  REQUIRE(Put(table, "k", "v", &version).ok());
  bool existed = false;
  REQUIRE(table.Delete(SlotOfKey("k"), "k", &existed, &version).ok());
  CHECK(existed);
  CHECK(version == 2);
  REQUIRE(table.Delete(SlotOfKey("k"), "k", &existed, &version).ok());
  CHECK_FALSE(existed);
  CHECK(version == 0);
  std::string value;
  CHECK(table.Get(SlotOfKey("k"), "k", &value, &version).IsNotFound());
  CHECK(table.Counters().bytes == 0);
  CHECK(table.Counters().last_lsn == 2);
}

TEST_CASE("a table refuses slots it does not own") {
  SpacetimeTable table(1, {5, 6});
  CHECK(table.Owns(5));
  CHECK_FALSE(table.Owns(7));
  uint64_t version = 0;
  CHECK(table.Put(7, "x", "y", &version).IsInvalidArgument());
}

TEST_CASE("a sealed table answers Unavailable and holds no entries") {
  SpacetimeTable table(0, AllSlots());
  uint64_t version = 0;
  REQUIRE(Put(table, "k", "v", &version).ok());
  table.Seal();
  std::string value;
  CHECK(table.Get(SlotOfKey("k"), "k", &value, &version).IsUnavailable());
  CHECK(Put(table, "k", "v", &version).IsUnavailable());
  CHECK(table.Counters().keys == 0);
}

TEST_CASE("scanning a slot in small budgets visits every key exactly once in position order") {
  SpacetimeTable table(0, AllSlots());
  uint64_t version = 0;
  // 300 keys sharing one hash tag: all in one slot.
  for (int i = 0; i < 300; ++i) {
    std::string key = "{tag}:" + std::to_string(i);
    REQUIRE(Put(table, key, "v", &version).ok());
  }
  uint32_t slot = SlotOfKey("{tag}");
  std::multiset<std::string> seen;
  uint64_t from = 0, last_position = 0;
  int steps = 0;
  auto all = [](std::string_view) { return true; };
  while (from != SpacetimeTable::kPositionLimit && steps++ < 1000) {
    std::vector<std::string> out;
    size_t examined = 0;
    from = table.ScanSlot(slot, from, 7, all, &out, &examined);
    CHECK(examined <= 7);
    for (const auto& key : out) {
      CHECK(SpacetimeTable::PositionOf(key) >= last_position);
      last_position = SpacetimeTable::PositionOf(key);
      seen.insert(key);
    }
  }
  CHECK(seen.size() == 300);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 300);
}

TEST_CASE("a scan filter drops keys but still counts them as examined") {
  SpacetimeTable table(0, AllSlots());
  uint64_t version = 0;
  for (int i = 0; i < 10; ++i) REQUIRE(Put(table, "{t}" + std::to_string(i), "v", &version).ok());
  std::vector<std::string> out;
  size_t examined = 0;
  auto only_7 = [](std::string_view key) { return key == "{t}7"; };
  uint64_t next = table.ScanSlot(SlotOfKey("{t}"), 0, 100, only_7, &out, &examined);
  CHECK(next == SpacetimeTable::kPositionLimit);
  CHECK(examined == 10);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == "{t}7");
}

}  // namespace warp

namespace warp {

namespace {

using CutMap = std::map<std::string, std::pair<std::string, uint64_t>>;

CutMap CaptureAll(SpacetimeTable& table) {
  CutMap cut;
  std::vector<SpacetimeTable::CutEntry> entries;
  for (uint32_t slot = 0; slot < kSlotCount; ++slot) {
    entries.clear();
    REQUIRE(table.CaptureSlot(slot, &entries).ok());
    for (auto& e : entries) {
      REQUIRE(cut.emplace(e.key, std::make_pair(e.value, e.version)).second);  // once per key
    }
  }
  return cut;
}

}  // namespace

TEST_CASE("a cut captures every slot as it was at the cut LSN while writers keep writing") {
  SpacetimeTable table(0, AllSlots());
  CutMap before;
  for (int i = 0; i < 5000; ++i) {
    std::string key = "k" + std::to_string(i);
    uint64_t version = 0;
    REQUIRE(Put(table, key, "old" + std::to_string(i), &version).ok());
    before[key] = {"old" + std::to_string(i), version};
  }
  uint64_t cut_lsn = table.BeginCut();
  CHECK(cut_lsn == 5000);
  // Writers overwrite, delete and insert across every slot while the cut is captured.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  std::thread writer([&] {
    for (int round = 0; !stop; ++round) {
      for (int i = 0; i < 5000 && !stop; i += 7) {
        std::string key = "k" + std::to_string(i);
        uint64_t version = 0;
        bool existed = false;
        Status s = round % 2 == 0 ? Put(table, key, "new", &version)
                                  : table.Delete(SlotOfKey(key), key, &existed, &version);
        if (!s.ok() || !Put(table, "extra" + std::to_string(i), "x", &version).ok()) ++failures;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the writer touch slots
  CutMap cut = CaptureAll(table);
  stop = true;
  writer.join();
  table.EndCut();
  REQUIRE(failures == 0);
  CHECK(cut == before);
  // A second cut sees the newer state, and a slot already copied is not reused.
  uint64_t second = table.BeginCut();
  CHECK(second > cut_lsn);
  CutMap now = CaptureAll(table);
  table.EndCut();
  CHECK(now.size() != before.size());
  for (const auto& [key, entry] : now) CHECK(entry.second <= second);
}

TEST_CASE("a sealed table refuses to be captured, so a snapshot cannot mistake it for empty") {
  SpacetimeTable table(0, AllSlots());
  uint64_t version = 0;
  REQUIRE(Put(table, "a", "1", &version).ok());
  table.BeginCut();
  table.Seal();
  std::vector<SpacetimeTable::CutEntry> entries;
  CHECK(table.CaptureSlot(SlotOfKey("a"), &entries).IsUnavailable());
  table.EndCut();
}

TEST_CASE("recovered writes keep their versions and set the table's last LSN") {
  SpacetimeTable table(0, AllSlots());
  REQUIRE(table.RecoverPut("a", "1", 10).ok());
  REQUIRE(table.RecoverPut("b", "2", 11).ok());
  REQUIRE(table.RecoverPut("a", "3", 12).ok());
  REQUIRE(table.RecoverDelete("b").ok());
  table.RecoverLastLsn(13);
  std::string value;
  uint64_t version = 0;
  REQUIRE(table.Get(SlotOfKey("a"), "a", &value, &version).ok());
  CHECK(value == "3");
  CHECK(version == 12);
  CHECK(table.Get(SlotOfKey("b"), "b", &value, &version).IsNotFound());
  TableCounters c = table.Counters();
  CHECK(c.keys == 1);
  CHECK(c.bytes == 2);
  CHECK(c.last_lsn == 13);
  CHECK(c.writes == 0);
  REQUIRE(Put(table, "c", "4", &version).ok());
  CHECK(version == 14);
}

TEST_CASE("a recovered key of a slot the shard does not own is refused") {
  SpacetimeTable table(0, {SlotOfKey("a")});
  CHECK(table.RecoverPut("a", "1", 1).ok());
  Status s = table.RecoverPut("foo", "1", 2);  // slot 394, not owned
  REQUIRE(s.IsInvalidArgument());
  CHECK(s.message() == "key of slot 394 is not owned by shard 0");
}

}  // namespace warp
