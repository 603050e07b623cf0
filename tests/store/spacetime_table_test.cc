#include "store/spacetime_table.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "store/slot_router.h"
#include "tests/support/manual_clock.h"
#include "tests/support/temp_dir.h"
#include "wal/shard_log.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

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

// Expiry: lazy (the table hides expired keys), active (ExpireSome removes them), Update, cuts
// and recovery.
namespace warp {

using testing::ManualClock;

namespace {

constexpr int64_t kNow = ManualClock::kStart;

// A table owning every slot that judges expiry by a manual clock, and what the callback of its
// last Update saw and what that Update did.
struct ExpiryTable {
  ManualClock clock;
  std::unique_ptr<SpacetimeTable> table = std::make_unique<SpacetimeTable>(0, AllSlots());
  KeyState seen;
  std::string seen_value;  // a copy of seen.value
  UpdateOutcome out;

  ExpiryTable() { table->SetWallClock(&clock); }

  // Update of `k` with a callback that records the state it sees and decides `decision`.
  Status Update(const std::string& k, Mutation decision) {
    int calls = 0;
    Status s = table->Update(
        SlotOfKey(k), k,
        [&](const KeyState& current, Mutation* m) {
          ++calls;
          seen = current;
          seen_value.assign(current.value.data(), current.value.size());
          *m = decision;
        },
        &out);
    REQUIRE(calls == 1);
    return s;
  }
};

Status PutWithExpiry(SpacetimeTable& t, const std::string& k, const std::string& v,
                     int64_t expire_at_ms, uint64_t* version = nullptr) {
  uint64_t ignored = 0;
  return t.Put(SlotOfKey(k), k, v, version != nullptr ? version : &ignored, expire_at_ms);
}

bool Present(SpacetimeTable& t, const std::string& k, int64_t* expire_at_ms = nullptr) {
  std::string value;
  uint64_t version = 0;
  int64_t expiry = 0;
  bool ok = t.Get(SlotOfKey(k), k, &value, &version, &expiry).ok();
  if (expire_at_ms != nullptr) *expire_at_ms = expiry;
  return ok;
}

Mutation Decide(Mutation::Action action, std::string value = "", int64_t expire_at_ms = 0) {
  Mutation m;
  m.action = action;
  m.value = std::move(value);
  m.expire_at_ms = expire_at_ms;
  return m;
}

// Removes every expired key: ExpireSome in small budgets until two rounds over the whole
// table removed nothing.
ExpireProgress ExpireAll(SpacetimeTable& t, int64_t now_ms) {
  ExpireProgress total;
  for (size_t quiet = 0; quiet <= 2 * t.Counters().keys;) {
    ExpireProgress step = t.ExpireSome(now_ms, 50);
    if (step.examined == 0) break;
    total.examined += step.examined;
    total.expired += step.expired;
    quiet = step.expired > 0 ? 0 : quiet + step.examined;
  }
  return total;
}

}  // namespace

TEST_CASE("a key whose expiry has passed is hidden from Get and Scan but stays until removed") {
  ExpiryTable t;
  REQUIRE(PutWithExpiry(*t.table, "{t}soon", "1", kNow + 1000).ok());
  REQUIRE(PutWithExpiry(*t.table, "{t}later", "2", kNow + 5000).ok());
  REQUIRE(PutWithExpiry(*t.table, "{t}never", "3", 0).ok());
  int64_t expiry = 0;
  CHECK(Present(*t.table, "{t}soon", &expiry));
  CHECK(expiry == kNow + 1000);
  CHECK(t.table->Counters().volatile_keys == 2);

  t.clock.Advance(1000);  // "at or before now" is expired
  CHECK_FALSE(Present(*t.table, "{t}soon"));
  CHECK(Present(*t.table, "{t}later"));
  CHECK(Present(*t.table, "{t}never", &expiry));
  CHECK(expiry == 0);
  std::vector<std::string> keys;
  size_t examined = 0;
  t.table->ScanSlot(
      SlotOfKey("{t}"), 0, 100, [](std::string_view) { return true; }, &keys, &examined);
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"{t}later", "{t}never"});
  TableCounters c = t.table->Counters();
  CHECK(c.keys == 3);  // lazy expiry hides; it does not remove
  CHECK(c.volatile_keys == 2);
  CHECK(c.expired == 0);
}

TEST_CASE("a put replaces the expiry of the key it overwrites") {
  ExpiryTable t;
  REQUIRE(PutWithExpiry(*t.table, "k", "1", kNow + 10).ok());
  REQUIRE(PutWithExpiry(*t.table, "k", "2", 0).ok());
  t.clock.Advance(100);
  int64_t expiry = -1;
  CHECK(Present(*t.table, "k", &expiry));
  CHECK(expiry == 0);
  CHECK(t.table->Counters().volatile_keys == 0);
}

TEST_CASE("active expiry removes expired keys in bounded steps and counts them") {
  ExpiryTable t;
  for (int i = 0; i < 3000; ++i) {
    std::string key = "k" + std::to_string(i);
    int64_t expiry = i % 3 == 0 ? kNow + 100 : (i % 3 == 1 ? kNow + 100000 : 0);
    REQUIRE(PutWithExpiry(*t.table, key, "v", expiry).ok());
  }
  REQUIRE(t.table->Counters().volatile_keys == 2000);
  // Nothing has expired yet: a pass examines keys and removes none.
  ExpireProgress idle = t.table->ExpireSome(kNow, 500);
  CHECK(idle.examined >= 500);
  CHECK(idle.examined <= 500 + SpacetimeTable::kExpireEntriesPerLock);
  CHECK(idle.expired == 0);

  t.clock.Advance(100);
  ExpireProgress step = t.table->ExpireSome(t.clock.NowUnixMillis(), 10);
  CHECK(step.examined <= 10);
  ExpireProgress total = ExpireAll(*t.table, t.clock.NowUnixMillis());
  CHECK(step.expired + total.expired == 1000);
  TableCounters c = t.table->Counters();
  CHECK(c.keys == 2000);
  CHECK(c.volatile_keys == 1000);
  CHECK(c.expired == 1000);
  uint64_t bytes = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string key = "k" + std::to_string(i);
    CHECK(Present(*t.table, key) == (i % 3 != 0));
    if (i % 3 != 0) bytes += key.size() + 1;
  }
  CHECK(c.bytes == bytes);
  CHECK(c.last_lsn == 3000);  // removals take no LSN

  // With no key left that has an expiry, a call examines nothing.
  t.clock.Advance(100000);
  ExpireAll(*t.table, t.clock.NowUnixMillis());
  CHECK(t.table->ExpireSome(t.clock.NowUnixMillis(), 100).examined == 0);
  CHECK(t.table->Counters().expired == 2000);
}

TEST_CASE("an update sees the key's state and applies keep, put, set-expiry and delete") {
  ExpiryTable t;

  // kPut on a missing key inserts it with its expiry and takes an LSN.
  REQUIRE(t.Update("n", Decide(Mutation::Action::kPut, "1", kNow + 500)).ok());
  CHECK_FALSE(t.seen.exists);
  CHECK_FALSE(t.out.existed);
  CHECK(t.out.version == 1);
  CHECK(t.out.expire_at_ms == kNow + 500);

  // kKeep: the state is visible, nothing changes, no LSN.
  REQUIRE(t.Update("n", Decide(Mutation::Action::kKeep)).ok());
  CHECK(t.seen.exists);
  CHECK(t.seen_value == "1");
  CHECK(t.seen.expire_at_ms == kNow + 500);
  CHECK(t.out.existed);
  CHECK(t.out.version == 0);
  CHECK(t.out.expire_at_ms == kNow + 500);
  CHECK(t.table->Counters().last_lsn == 1);

  // kSetExpiry keeps the value and its version; 0 makes the key persistent.
  REQUIRE(t.Update("n", Decide(Mutation::Action::kSetExpiry, "", 0)).ok());
  CHECK(t.out.version == 2);
  CHECK(t.out.expire_at_ms == 0);
  t.clock.Advance(1000);
  std::string value;
  uint64_t version = 0;
  REQUIRE(t.table->Get(SlotOfKey("n"), "n", &value, &version).ok());
  CHECK(value == "1");
  CHECK(version == 1);
  CHECK(t.table->Counters().volatile_keys == 0);

  // kPut on an existing key replaces value and expiry.
  REQUIRE(t.Update("n", Decide(Mutation::Action::kPut, "22")).ok());
  CHECK(t.out.existed);
  CHECK(t.out.version == 3);
  REQUIRE(t.table->Get(SlotOfKey("n"), "n", &value, &version).ok());
  CHECK(value == "22");
  CHECK(t.table->Counters().bytes == 1 + 2);

  // kDelete removes it; on a missing key it is a no-op without an LSN.
  REQUIRE(t.Update("n", Decide(Mutation::Action::kDelete)).ok());
  CHECK(t.out.existed);
  CHECK(t.out.version == 4);
  CHECK_FALSE(Present(*t.table, "n"));
  REQUIRE(t.Update("n", Decide(Mutation::Action::kDelete)).ok());
  CHECK_FALSE(t.out.existed);
  CHECK(t.out.version == 0);
  TableCounters c = t.table->Counters();
  CHECK(c.last_lsn == 4);
  CHECK(c.keys == 0);
  CHECK(c.bytes == 0);
  CHECK(c.deletes == 1);
}

TEST_CASE("setting the expiry of a missing key is InvalidArgument and logs nothing") {
  ExpiryTable t;
  Status s = t.Update("absent", Decide(Mutation::Action::kSetExpiry, "", kNow + 10));
  CHECK(s.IsInvalidArgument());
  CHECK(t.out.version == 0);
  CHECK(t.table->Counters().last_lsn == 0);
}

TEST_CASE("an update whose expiry has already passed deletes the key") {
  ExpiryTable t;
  REQUIRE(PutWithExpiry(*t.table, "a", "1", 0).ok());
  REQUIRE(PutWithExpiry(*t.table, "b", "2", 0).ok());
  REQUIRE(t.Update("a", Decide(Mutation::Action::kSetExpiry, "", kNow)).ok());
  CHECK(t.out.version == 3);
  CHECK(t.out.expire_at_ms == 0);
  REQUIRE(t.Update("b", Decide(Mutation::Action::kPut, "x", kNow - 5)).ok());
  CHECK(t.out.existed);
  CHECK(t.out.version == 4);
  TableCounters c = t.table->Counters();
  CHECK(c.keys == 0);
  CHECK(c.deletes == 2);
  CHECK(c.volatile_keys == 0);
  // A put-with-past-expiry of a missing key logs nothing.
  REQUIRE(t.Update("c", Decide(Mutation::Action::kPut, "x", kNow - 5)).ok());
  CHECK(t.out.version == 0);
}

TEST_CASE("an expired key is absent to Update and Delete, which remove it without an LSN") {
  ExpiryTable t;
  REQUIRE(PutWithExpiry(*t.table, "a", "1", kNow + 1).ok());
  REQUIRE(PutWithExpiry(*t.table, "b", "2", kNow + 1).ok());
  t.clock.Advance(1);
  bool existed = true;
  uint64_t version = 7;
  REQUIRE(t.table->Delete(SlotOfKey("a"), "a", &existed, &version).ok());
  CHECK_FALSE(existed);
  CHECK(version == 0);
  t.seen_value = "stale";
  REQUIRE(t.Update("b", Decide(Mutation::Action::kKeep)).ok());
  CHECK_FALSE(t.seen.exists);
  CHECK(t.seen_value.empty());
  CHECK_FALSE(t.out.existed);
  TableCounters c = t.table->Counters();
  CHECK(c.keys == 0);
  CHECK(c.expired == 2);
  CHECK(c.deletes == 0);
  CHECK(c.last_lsn == 2);
}

TEST_CASE("updates are logged like puts and deletes while expiry removals log nothing") {
  testing::TempDir tmp;
  ExpiryTable t;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, ShardLogOptions(), &log).ok());
  t.table->AttachLog(log.get());
  REQUIRE(PutWithExpiry(*t.table, "p", "v", kNow + 50).ok());
  REQUIRE(t.Update("p", Decide(Mutation::Action::kKeep)).ok());
  REQUIRE(t.Update("p", Decide(Mutation::Action::kSetExpiry, "", kNow + 60)).ok());
  REQUIRE(t.Update("q", Decide(Mutation::Action::kPut, "w", kNow + 70)).ok());
  REQUIRE(t.Update("q", Decide(Mutation::Action::kDelete)).ok());
  REQUIRE(PutWithExpiry(*t.table, "r", "x", kNow + 80).ok());
  t.clock.Advance(100);
  CHECK(ExpireAll(*t.table, t.clock.NowUnixMillis()).expired == 2);  // p and r
  REQUIRE(log->Close().ok());
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadWal(
              DefaultFileSystem(), tmp.Sub("wal"), 0,
              [&](const WalRecord& r) {
                records.push_back(r);
                return Status::OK();
              },
              &summary)
              .ok());
  using wal::RecordType;
  REQUIRE(records.size() == 5);
  auto type = [](RecordType t) { return static_cast<uint8_t>(t); };
  CHECK(records[0].type == type(RecordType::kPut));
  CHECK(records[0].expire_at_ms == kNow + 50);
  CHECK(records[1].type == type(RecordType::kExpire));
  CHECK(records[1].key == "p");
  CHECK(records[1].expire_at_ms == kNow + 60);
  CHECK(records[2].type == type(RecordType::kPut));
  CHECK(records[2].value == "w");
  CHECK(records[2].expire_at_ms == kNow + 70);
  CHECK(records[3].type == type(RecordType::kDelete));
  CHECK(records[4].type == type(RecordType::kPut));
  for (size_t i = 0; i < records.size(); ++i) CHECK(records[i].lsn == i + 1);
}

TEST_CASE("active expiry during a capture leaves the cut exactly as it was at the cut LSN") {
  ExpiryTable t;
  CutMap before;
  for (int i = 0; i < 4000; ++i) {
    std::string key = "k" + std::to_string(i);
    uint64_t version = 0;
    REQUIRE(
        PutWithExpiry(*t.table, key, "v" + std::to_string(i), i % 2 == 0 ? kNow + 10 : 0, &version)
            .ok());
    before[key] = {"v" + std::to_string(i), version};
  }
  uint64_t cut_lsn = t.table->BeginCut();
  // Half of the slots are captured before the keys expire, the rest after active expiry has
  // removed the expired keys from them: every slot must still come out as it was at the cut.
  CutMap cut;
  std::vector<SpacetimeTable::CutEntry> entries;
  std::map<std::string, int64_t> expiries;
  auto capture = [&](uint32_t slot) {
    entries.clear();
    REQUIRE(t.table->CaptureSlot(slot, &entries).ok());
    for (auto& e : entries) {
      REQUIRE(cut.emplace(e.key, std::make_pair(e.value, e.version)).second);
      expiries[e.key] = e.expire_at_ms;
    }
  };
  for (uint32_t slot = 0; slot < kSlotCount / 2; ++slot) capture(slot);
  t.clock.Advance(10);
  ExpireProgress removed = ExpireAll(*t.table, t.clock.NowUnixMillis());
  CHECK(removed.expired == 2000);
  for (uint32_t slot = kSlotCount / 2; slot < kSlotCount; ++slot) capture(slot);
  t.table->EndCut();
  CHECK(cut_lsn == 4000);
  CHECK(cut == before);
  for (int i = 0; i < 4000; ++i) {
    CHECK(expiries["k" + std::to_string(i)] == (i % 2 == 0 ? kNow + 10 : 0));
  }
  // The next cut sees the removals.
  t.table->BeginCut();
  CutMap after = CaptureAll(*t.table);
  t.table->EndCut();
  CHECK(after.size() == 2000);
}

TEST_CASE("recovery keeps expired entries until the log is replayed, then drops them") {
  SpacetimeTable table(0, AllSlots());
  REQUIRE(table.RecoverPut("gone", "1", 1, kNow - 1).ok());
  REQUIRE(table.RecoverPut("revived", "2", 2, kNow - 1).ok());
  REQUIRE(table.RecoverPut("live", "3", 3, kNow + 1000).ok());
  REQUIRE(table.RecoverPut("plain", "4", 4).ok());
  // An expire record later in the log makes "revived" persistent: it must still be there.
  REQUIRE(table.RecoverExpire("revived", 0).ok());
  REQUIRE(table.RecoverExpire("missing", kNow + 5).ok());  // no key: nothing
  CHECK(table.RecoverDropExpired(kNow) == 1);
  table.RecoverLastLsn(5);
  ManualClock clock;
  table.SetWallClock(&clock);
  int64_t expiry = -1;
  CHECK_FALSE(Present(table, "gone"));
  CHECK(Present(table, "revived", &expiry));
  CHECK(expiry == 0);
  CHECK(Present(table, "live", &expiry));
  CHECK(expiry == kNow + 1000);
  CHECK(Present(table, "plain"));
  CHECK_FALSE(Present(table, "missing"));
  TableCounters c = table.Counters();
  CHECK(c.keys == 3);
  CHECK(c.volatile_keys == 1);
  CHECK(c.bytes == 7 + 1 + 4 + 1 + 5 + 1);
}

}  // namespace warp
