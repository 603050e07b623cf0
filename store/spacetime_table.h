// SpacetimeTable: the ETS-style concurrent table a spacetime shard owns.
//
// A shard's keyspace is the set of slots the slot table gives it; the table keeps one hash
// map per owned slot, each behind its own reader-writer lock (lock striping by slot). Client
// threads call Get/Put/Delete directly, as with an ETS table created with read and write
// concurrency: no actor message per operation. Readers of one slot share its lock; a writer
// holds it exclusively while it assigns the shard's next sequence number (LSN), appends the
// record to the shard's write-ahead log (AttachLog) and applies the change, so the WAL order of
// every key equals the order in which the table saw it. A failed append (sticky log error)
// leaves the table unchanged. Waiting for durability is the caller's business, after the call,
// outside the lock (ShardLog::AwaitPolicy).
//
// Consistent cuts (snapshots without fork and without stopping writes): BeginCut() pauses LSN
// assignment for an instant to fix the cut LSN S. From then on, the first write with an LSN
// above S into a slot not yet captured first copies that slot (copy-on-write at slot
// granularity), so CaptureSlot() returns every slot exactly as it was at S, whether it runs
// before or after later writes. EndCut() drops the copies.
//
// Expiry: an entry may carry an absolute expiry (Unix ms, read from the table's WallClock; 0 =
// never). An entry whose expiry is at or before now is absent for every call (lazy expiry: the
// clock is read only for entries that have an expiry, so keys without one cost nothing more),
// and ExpireSome() removes such entries in the background (active expiry, driven by the shard
// actor). Removing an expired entry is not logged: replaying the record that set the expiry
// yields an expired entry again, which recovery drops. It is still a change to the slot, so
// while a cut is in progress the slot is copied first, as for a write: the cut stays exactly
// the slot at S, expired entries included (a later expire record may make such a key
// persistent again in the log, so a snapshot must not lose it; see store/shard_recovery.h).
//
// Tiers (docs/tiered_storage.md): with a memory budget (AttachTiers, SetMemoryBudget) a write
// that takes the table's records over it demotes the coldest records until it is back under
// (Hawking radiation, inline in the writing thread after its slot lock is released, as Redis
// evicts in the command path): hot -> warm (LZ4 in memory) when the value compresses, else
// hot or warm -> cold (the value goes to the shard's value log; the key, its metadata and a
// pointer stay). Reads of warm values decompress; reads of cold values go through the event
// horizon cache, then the value log. A warm or cold record whose heat reaches the promotion
// threshold on a read becomes hot again. Demotion and promotion log nothing: the WAL and
// snapshots hold raw values whatever the tier, so a crash at any point loses nothing, and the
// value log is rebuilt from them on the next open. Without a budget every record stays hot
// and reads record no heat.
//
// Lifetime: the table outlives the shard actor that owns it (ETS "heir"): a restarted actor
// re-adopts the same object. Seal() ends its life for callers: every later call returns
// Unavailable, and calls already inside a slot finish first.
// Thread-safety: every method is safe to call from any thread concurrently.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/wall_clock.h"
#include "store/table_record.h"
#include "store/tiers.h"
#include "wal/wal_format.h"
#include "warp/status.h"
#include "warp/universe.h"

namespace warp {

class ShardLog;
class ValueLog;
class EventHorizonCache;

// Load counters of a table, read without stopping writers (each slot read under its lock).
struct TableCounters {
  uint64_t keys = 0;   // expired entries not removed yet included
  uint64_t bytes = 0;  // sum of key and value sizes (logical bytes)
  uint64_t reads = 0;
  uint64_t writes = 0;   // puts and expiry changes
  uint64_t deletes = 0;  // deletes that removed a key
  uint64_t last_lsn = 0;
  uint64_t volatile_keys = 0;  // entries with an expiry
  uint64_t expired = 0;        // entries removed because their expiry passed
  // Tiers: keys per tier, and the bytes each tier holds: raw value bytes in memory (hot), LZ4
  // bytes in memory (warm), value bytes in the value log (cold).
  uint64_t tier_keys[3] = {0, 0, 0};
  uint64_t tier_bytes[3] = {0, 0, 0};
  uint64_t memory_bytes = 0;  // records in memory, with kEntryOverheadBytes each
  uint64_t demoted_to_warm = 0;
  uint64_t demoted_to_cold = 0;
  uint64_t promoted = 0;    // warm or cold records made hot again by reads
  uint64_t cold_reads = 0;  // reads of cold values (served by the cache or the value log)
};

// The tier policy of one table: its share of memory.max_bytes and the tiers.* laws.
struct TableTierOptions {
  uint64_t memory_budget = 0;         // value bytes in memory (hot + warm); 0 = unbounded
  uint64_t hot_max_bytes = 0;         // raw value bytes kept hot; 0 = only memory_budget
  uint64_t compress_min_bytes = 256;  // smaller values are not compressed (they go cold)
  uint64_t warm_max_bytes = 0;        // LZ4 bytes kept warm; 0 = unbounded; beyond it, cold
  // The least heat at which a read makes a record hot again; a read must also beat the heat of
  // the records demotion has been taking (tiers::VictimHeat).
  uint8_t promote_heat = tiers::kMinPromoteHeat;
  uint32_t heat_decay_minutes = 1;  // one heat step lost per this many idle minutes
};

// What Update() did.
struct UpdateOutcome {
  bool existed = false;      // the key existed (and had not expired) before the update
  uint64_t version = 0;      // the LSN logged for the change; 0 if nothing was logged
  int64_t expire_at_ms = 0;  // the key's expiry after the update (0: none, or no key)
};

// What one ExpireSome() call did.
struct ExpireProgress {
  size_t examined = 0;  // entries looked at
  size_t expired = 0;   // entries removed
};

class SpacetimeTable {
 public:
  // Position of a key inside its slot for SCAN: FullKeyHash(key) >> 10 (54 bits).
  static constexpr int kPositionBits = 54;
  static constexpr uint64_t kPositionLimit = uint64_t{1} << kPositionBits;
  static uint64_t PositionOf(std::string_view key);

  // A table for `shard_id` owning `slots` (each < kSlotCount).
  SpacetimeTable(uint32_t shard_id, const std::vector<uint32_t>& slots);
  SpacetimeTable(const SpacetimeTable&) = delete;
  SpacetimeTable& operator=(const SpacetimeTable&) = delete;

  // Every later write is appended to `log` first, which assigns its LSN. Without a log the table
  // numbers writes itself (in-memory only). REQUIRES: called before the table is shared.
  void AttachLog(ShardLog* log) { log_ = log; }
  // The clock expiry is judged by (SystemWallClock() by default). REQUIRES: called before the
  // table is shared; `clock` outlives the table.
  void SetWallClock(const WallClock* clock) { clock_ = clock; }
  int64_t NowUnixMillis() const { return clock_->NowUnixMillis(); }

  uint32_t shard_id() const { return shard_id_; }
  bool Owns(uint32_t slot) const { return slot < slots_.size() && slots_[slot] != nullptr; }

  // Loads the value of `key` into the event horizon cache if the key is cold and unexpired,
  // and marks it warm enough (tiers::kCacheHeat) for its next reads to look there; true if it
  // did. Does not count as a read. Used to warm the cache from a snapshot's hot set at open.
  bool WarmCache(uint32_t slot, std::string_view key);

  // Copies the value of `key` into *value, its version into *version and its expiry into
  // *expire_at_ms (optional; 0 = none). NotFound if absent or expired; Unavailable once sealed.
  // REQUIRES (every key operation): Owns(slot), slot == SlotOfKey(key).
  // *tier (optional) receives the tier the value was read from.
  Status Get(uint32_t slot, std::string_view key, std::string* value, uint64_t* version,
             int64_t* expire_at_ms = nullptr, Tier* tier = nullptr);

  // Inserts or replaces `key`, with expiry `expire_at_ms` (0 = none; it replaces the previous
  // expiry). *version receives the LSN assigned to this write. An expiry already past is
  // stored as given (the key is then absent at once); Universe::Put turns it into a Delete.
  Status Put(uint32_t slot, std::string_view key, std::string_view value, uint64_t* version,
             int64_t expire_at_ms = 0);

  // Removes `key`. *existed tells whether it was there (an expired key was not: it is removed
  // unlogged, as active expiry would); only an existing key consumes an LSN (then *version is
  // it; else 0). Unavailable once sealed.
  Status Delete(uint32_t slot, std::string_view key, bool* existed, uint64_t* version);

  // Atomic read-modify-write: under the slot's exclusive lock, calls fn once with the key's
  // state (an expired key is absent) and applies its Mutation, logged like Put/Delete:
  //   kKeep       nothing is logged, no LSN is consumed;
  //   kPut        a put record (with its expiry), as Put;
  //   kSetExpiry  an expire record; the value and its version stay. InvalidArgument (nothing
  //               logged) if the key does not exist;
  //   kDelete     a delete record if the key exists, else nothing.
  // A kPut or kSetExpiry whose expiry is at or before now (the same instant fn's state was read
  // at) is applied as kDelete, as Redis does. *outcome says what happened. Errors: those of
  // Put, plus InvalidArgument above. fn must not call into this table.
  Status Update(uint32_t slot, std::string_view key, const UpdateFn& fn, UpdateOutcome* outcome);

  // Active expiry: examines about `budget` entries of the slots that hold entries with an
  // expiry, resuming where the previous call stopped (slot by slot, in each slot's set order), and
  // removes those whose expiry is at or before now_ms, unlogged (see the file comment). Holds
  // a slot's lock for at most kExpireEntriesPerLock entries at a time. An entry may be missed
  // when a slot rehashes between calls; a later pass finds it (and lazy expiry hides it
  // meanwhile). examined == 0: no slot holds an entry with an expiry.
  static constexpr size_t kExpireEntriesPerLock = 64;
  ExpireProgress ExpireSome(int64_t now_ms, size_t budget);

  // One step of a SCAN inside `slot`: examines keys whose position is >= `from` in position
  // order, at most about `budget` of them (a run of equal positions is never split), and
  // appends those for which match(key) is true to *out; *examined receives how many keys were
  // looked at. Returns the position to resume from, or kPositionLimit when the slot is
  // exhausted. Unowned slots are empty. REQUIRES: budget >= 1.
  uint64_t ScanSlot(uint32_t slot, uint64_t from, size_t budget,
                    const std::function<bool(std::string_view)>& match,
                    std::vector<std::string>* out, size_t* examined) const;

  TableCounters Counters() const;

  // Recovery (REQUIRES: no concurrent callers, the table not yet shared). Apply a replayed
  // write with its original LSN; InvalidArgument if this shard does not own the key's slot.
  // Entries are kept even if their expiry has passed (a later expire record may change it):
  // RecoverDropExpired() removes them once everything is replayed.
  Status RecoverPut(std::string_view key, std::string_view value, uint64_t version,
                    int64_t expire_at_ms = 0);
  Status RecoverDelete(std::string_view key);
  // Sets the expiry of `key` if it is present (an expire record); else nothing.
  Status RecoverExpire(std::string_view key, int64_t expire_at_ms);
  // Removes every entry whose expiry is at or before now_ms; returns how many.
  uint64_t RecoverDropExpired(int64_t now_ms);
  // Sets the newest LSN (the recovered log's last) and clears the write counters.
  void RecoverLastLsn(uint64_t lsn);
  // Empties every slot (a recovery attempt from a bad snapshot is undone this way).
  void Clear();

  // One entry of a consistent cut.
  struct CutEntry {
    std::string key;
    std::string value;
    uint64_t version = 0;
    int64_t expire_at_ms = 0;  // 0 = none
    uint8_t heat = 0;          // decayed access heat at the cut (for the snapshot's hot set)
  };
  // Starts a cut and returns its LSN S. REQUIRES: no cut in progress (callers serialize).
  uint64_t BeginCut();
  // The contents of owned `slot` as of the cut, in no particular order (appended to *out).
  // Unavailable once sealed (a snapshot must not mistake a closed table for an empty one).
  Status CaptureSlot(uint32_t slot, std::vector<CutEntry>* out);
  // Ends the cut and frees the copies writers made.
  void EndCut();

  // Load rate written by the owning shard actor on each stats tick; read by Stats().
  void set_ops_per_sec(double rate) { ops_per_sec_.store(rate, std::memory_order_relaxed); }
  double ops_per_sec() const { return ops_per_sec_.load(std::memory_order_relaxed); }

  // Counts shard-actor incarnations that adopted this table (1 after the first start).
  uint32_t Adopt() { return adoptions_.fetch_add(1, std::memory_order_relaxed) + 1; }
  uint32_t adoptions() const { return adoptions_.load(std::memory_order_relaxed); }

  // Refuses all further operations and frees the entries. Waits for in-flight calls.
  void Seal();

  // Tiers. REQUIRES: called before the table is shared (before recovery, so that recovery
  // keeps to the budget); `values` and `cache` outlive the table; cache may be null.
  void AttachTiers(const TableTierOptions& options, ValueLog* values, EventHorizonCache* cache);
  // Changes the budget (CONFIG SET maxmemory); the next write or DemoteToBudget keeps to it.
  void SetMemoryBudget(uint64_t bytes) {
    memory_budget_.store(bytes, std::memory_order_relaxed);
    demote_retry_at_.store(0, std::memory_order_relaxed);
  }
  ValueLog* value_log() const { return values_; }
  EventHorizonCache* cache() const { return cache_; }
  uint64_t memory_budget() const { return memory_budget_.load(std::memory_order_relaxed); }
  // Value bytes in memory: hot values and warm LZ4 blocks (what the budget limits; keys,
  // record headers and cold pointers are the per-key overhead, docs/tiered_storage.md).
  uint64_t memory_bytes() const {
    int64_t used = memory_.load(std::memory_order_relaxed);
    return used > 0 ? static_cast<uint64_t>(used) : 0;
  }
  // Demotes the coldest records until memory is at most 95% of the budget (and hot value bytes
  // at most 95% of hot_max_bytes) or a round over the slots found nothing left to demote;
  // returns the bytes of memory freed. Called by writers over the budget and by the
  // shard actor (after the budget shrank). One demotion runs at a time: with `wait` false
  // (reads that promoted), a caller that finds one running returns 0 at once, since that one
  // brings memory under the budget; writers wait for it, which is their backpressure.
  uint64_t DemoteToBudget(bool wait = true);
  // Value-log compaction: rewrites the live values of up to `max_files` files whose dead share
  // is at least `min_dead_ratio` and removes those files; returns how many were removed.
  // Readers are never blocked for more than one record's pointer swap.
  Status CompactColdSome(double min_dead_ratio, size_t max_files, size_t* files_removed);
  // Advances the heat clock (minutes); the shard actor calls it on every stats tick.
  void TickHeatClock();
  // Per record, besides its key and value bytes: the hash set's slot pointer and control byte
  // at its load factor, and the allocator's header and rounding.
  static constexpr uint64_t kEntryOverheadBytes = 32;

 private:
  // Laid out so that a Get touches two cache lines: the lock with the read counter (56 + 8
  // bytes), then the map header with the sealed flag. Write-only counters come last.
  struct alignas(64) Slot {
    mutable std::shared_mutex mu;
    mutable std::atomic<uint64_t> reads{0};
    RecordSet map;  // one TableRecord per key, found by key bytes
    bool sealed = false;
    uint64_t bytes = 0;
    uint64_t writes = 0;
    uint64_t deletes = 0;
    uint64_t expired = 0;
    // Entries with an expiry; written under the lock, read without it by ExpireSome to skip
    // slots with none.
    std::atomic<uint64_t> volatile_keys{0};
    // Tiers (under the lock).
    uint64_t tier_keys[3] = {0, 0, 0};
    uint64_t tier_bytes[3] = {0, 0, 0};
    int64_t memory = 0;
    uint64_t demoted_to_warm = 0;
    uint64_t demoted_to_cold = 0;
    std::atomic<uint64_t> promoted{0};
    std::atomic<uint64_t> cold_reads{0};
    uint64_t captured_cut = 0;       // the newest cut this slot has been captured for
    std::vector<CutEntry> cut_copy;  // the slot at that cut, if a writer copied it
    Status cut_error;                // why that copy is incomplete (a cold value unreadable)
  };

  // Keeps s's tier counters and footprint as `r` leaves (-1) or joins (+1) the slot; returns
  // the bytes the budget charges for it: its in-memory value bytes (lock held).
  int64_t Track(Slot& s, const TableRecord& r, int sign);
  void AddMemory(int64_t delta) {
    if (delta != 0) memory_.fetch_add(delta, std::memory_order_relaxed);
  }
  // Writers (wait) and promoting reads (no wait) call this after releasing their slot lock.
  void MaybeDemote(bool wait = true) {
    if (OverBudget() && memory_bytes() >= demote_retry_at_.load(std::memory_order_relaxed)) {
      DemoteToBudget(wait);
    }
  }
  // A budget is set: reads record heat (without one every record stays hot).
  bool Tiering() const {
    return memory_budget_.load(std::memory_order_relaxed) != 0 || tier_options_.hot_max_bytes != 0;
  }
  bool OverBudget() const {
    uint64_t budget = memory_budget_.load(std::memory_order_relaxed);
    if (budget != 0 && memory_bytes() > budget) return true;
    return tier_options_.hot_max_bytes != 0 &&
           hot_bytes_.load(std::memory_order_relaxed) >
               static_cast<int64_t>(tier_options_.hot_max_bytes);
  }
  // The value of `r`, whatever its tier (lock held, shared is enough). A cold value is looked
  // up in the event horizon cache, and enters it when read from the value log, only if
  // `use_cache`: reads of keys hot enough (tiers::kCacheHeat) ask for it; snapshots, updates
  // and reads of rarely read keys do not, so that one pass over cold data does not flush what
  // the cache holds, and a cold read that would miss costs no cache lookup.
  Status ReadValue(const TableRecord& r, std::string* value, bool use_cache = false);
  // The heat at or below which demotion takes records: the lower quartile of the decayed heat
  // of up to 256 hot and warm records sampled across the slots (255 if there are none).
  uint8_t DemotionCutoff(uint16_t now_minute);
  // Demotes, coldest first, the records of the next window of `s` (its lock is not held) whose
  // heat is at most `cutoff`, until `want` bytes are freed; true when the slot's walk reached
  // its end. Adds the memory freed to *freed.
  bool DemoteInSlot(Slot& s, uint16_t now_minute, uint8_t cutoff, uint64_t want, uint64_t* freed);
  // Makes the record of `key` hot with `value` if it still is the version read (lock not held).
  void Promote(uint32_t slot, std::string_view key, uint64_t version, std::string_view value);
  // Releases what a cold record holds outside memory (value-log bytes, cache entry).
  void ForgetCold(const TableRecord& r);
  uint16_t HeatMinute() const { return heat_minute_.load(std::memory_order_relaxed); }
  uint8_t PromoteThreshold() const {
    return std::max(tier_options_.promote_heat, victim_heat_.PromoteThreshold());
  }

  // A record to log for a write.
  struct LogOp {
    wal::RecordType type = wal::RecordType::kPut;
    std::string_view key;
    std::string_view value;
    int64_t expire_at_ms = 0;
  };
  // The next LSN for a write to `s` (whose lock is held), appending its record to the log.
  Status AssignLsn(Slot& s, const LogOp& op, uint64_t* lsn);
  // Copy-on-write for the cut in progress: copies `s` (lock held) unless it was captured.
  void PreserveForCut(Slot& s);
  // The second half of Update: logs and applies `action` (m's action after the past-expiry
  // rule) to `key`, found at `it` (end() if absent), in `s` (lock held).
  Status ApplyMutation(Slot& s, std::string_view key, RecordSet::iterator it,
                       Mutation::Action action, Mutation* mutation, UpdateOutcome* outcome);
  // Removes an expired entry without logging (lock held), copying the slot first for a cut.
  void RemoveExpired(Slot& s, RecordSet::iterator it);
  // Walks one slot for ExpireSome; true when the walk reached the slot's end.
  bool ExpireInSlot(Slot& s, int64_t now_ms, size_t limit, ExpireProgress* progress);
  static bool Expired(const TableRecord& e, int64_t now_ms) {
    return e.expire_at_ms != 0 && e.expire_at_ms <= now_ms;
  }
  // Sets e's expiry, keeping s.volatile_keys (lock held).
  static void SetExpiry(Slot& s, TableRecord& e, int64_t expire_at_ms);
  // Erases an entry, keeping s.bytes and s.volatile_keys (lock held).
  void Erase(Slot& s, RecordSet::iterator it);
  // Makes `value` the value of `key`, found at `it` (end() if absent: inserted with version and
  // expiry 0), keeping s.bytes; returns its record (lock held).
  TableRecord& StoreValue(Slot& s, RecordSet::iterator it, std::string_view key,
                          std::string_view value);
  // Appends the entries of `s` (lock held), reading warm and cold values; an error if a cold
  // value cannot be read (the copy is then incomplete).
  Status CopySlot(const Slot& s, std::vector<CutEntry>* out);
  Slot* SlotOfRecoveredKey(std::string_view key, Status* status);

  const uint32_t shard_id_;
  std::vector<std::unique_ptr<Slot>> slots_;  // indexed by slot number; null if not owned
  ShardLog* log_ = nullptr;
  const WallClock* clock_ = SystemWallClock();
  std::mutex lsn_mu_;  // assigns LSNs when there is no log (so cuts are consistent)
  std::atomic<uint64_t> last_lsn_{0};
  // The cut in progress: its LSN (kNoCut if none) and its number (1, 2, ...).
  static constexpr uint64_t kNoCut = ~uint64_t{0};
  std::atomic<uint64_t> cut_lsn_{kNoCut};
  std::atomic<uint64_t> cut_number_{0};
  // Where ExpireSome resumes: a slot, and the key of the entry its walk stopped before (empty:
  // the slot's first entry). Guarded by expire_mu_.
  std::mutex expire_mu_;
  uint32_t expire_slot_ = 0;
  bool expire_resume_set_ = false;
  std::string expire_resume_key_;
  std::vector<const TableRecord*> expire_doomed_;  // scratch of ExpireInSlot
  // Tiers.
  TableTierOptions tier_options_;
  ValueLog* values_ = nullptr;
  EventHorizonCache* cache_ = nullptr;
  std::atomic<uint64_t> memory_budget_{0};
  std::atomic<int64_t> memory_{0};
  std::atomic<int64_t> warm_bytes_{0};  // LZ4 bytes of warm records, kept only with warm_max_bytes
  std::atomic<int64_t> hot_bytes_{0};   // raw hot value bytes, kept only with hot_max_bytes
  // After a round that could not get under the budget (what is left is cold: keys and pointers
  // alone exceed it), writers try again only once memory has grown to this.
  std::atomic<uint64_t> demote_retry_at_{0};
  std::atomic<uint16_t> heat_minute_{0};
  // Where demotion resumes (guarded by demote_mu_), as for expiry.
  std::mutex demote_mu_;
  tiers::VictimHeat victim_heat_;  // Add()ed under demote_mu_
  std::mutex compact_mu_;          // serializes CompactColdSome
  uint32_t demote_slot_ = 0;
  bool demote_resume_set_ = false;
  std::string demote_resume_key_;
  std::atomic<double> ops_per_sec_{0.0};
  std::atomic<uint32_t> adoptions_{0};
};

}  // namespace warp
