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
// Lifetime: the table outlives the shard actor that owns it (ETS "heir"): a restarted actor
// re-adopts the same object. Seal() ends its life for callers: every later call returns
// Unavailable, and calls already inside a slot finish first.
// Thread-safety: every method is safe to call from any thread concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "warp/status.h"

namespace warp {

class ShardLog;

// Load counters of a table, read without stopping writers (each slot read under its lock).
struct TableCounters {
  uint64_t keys = 0;
  uint64_t bytes = 0;  // sum of key and value sizes (logical bytes)
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t deletes = 0;
  uint64_t last_lsn = 0;
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

  uint32_t shard_id() const { return shard_id_; }
  bool Owns(uint32_t slot) const { return slot < slots_.size() && slots_[slot] != nullptr; }

  // Copies the value of `key` into *value and its version into *version.
  // NotFound if absent; Unavailable once sealed. REQUIRES: Owns(slot), slot == SlotOfKey(key).
  Status Get(uint32_t slot, std::string_view key, std::string* value, uint64_t* version) const;

  // Inserts or replaces `key`. *version receives the LSN assigned to this write.
  Status Put(uint32_t slot, std::string_view key, std::string_view value, uint64_t* version);

  // Removes `key`. *existed tells whether it was there; only an existing key consumes an LSN
  // (then *version is it; else 0). Unavailable once sealed.
  Status Delete(uint32_t slot, std::string_view key, bool* existed, uint64_t* version);

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
  Status RecoverPut(std::string_view key, std::string_view value, uint64_t version);
  Status RecoverDelete(std::string_view key);
  // Sets the newest LSN (the recovered log's last) and clears the write counters.
  void RecoverLastLsn(uint64_t lsn);
  // Empties every slot (a recovery attempt from a bad snapshot is undone this way).
  void Clear();

  // One entry of a consistent cut.
  struct CutEntry {
    std::string key;
    std::string value;
    uint64_t version = 0;
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

 private:
  struct Entry {
    std::string value;
    uint64_t version = 0;
  };
  // Laid out so that a Get touches two cache lines: the lock with the read counter (56 + 8
  // bytes), then the map header with the sealed flag. Write-only counters come last.
  struct alignas(64) Slot {
    mutable std::shared_mutex mu;
    mutable std::atomic<uint64_t> reads{0};
    std::unordered_map<std::string, Entry> map;
    bool sealed = false;
    uint64_t bytes = 0;
    uint64_t writes = 0;
    uint64_t deletes = 0;
    uint64_t captured_cut = 0;       // the newest cut this slot has been captured for
    std::vector<CutEntry> cut_copy;  // the slot at that cut, if a writer copied it
  };

  // The next LSN for a write to `s` (whose lock is held), appending its record to the log.
  Status AssignLsn(Slot& s, bool is_put, std::string_view key, std::string_view value,
                   uint64_t* lsn);
  static void CopySlot(const Slot& s, std::vector<CutEntry>* out);
  Slot* SlotOfRecoveredKey(std::string_view key, Status* status);

  const uint32_t shard_id_;
  std::vector<std::unique_ptr<Slot>> slots_;  // indexed by slot number; null if not owned
  ShardLog* log_ = nullptr;
  std::mutex lsn_mu_;  // assigns LSNs when there is no log (so cuts are consistent)
  std::atomic<uint64_t> last_lsn_{0};
  // The cut in progress: its LSN (kNoCut if none) and its number (1, 2, ...).
  static constexpr uint64_t kNoCut = ~uint64_t{0};
  std::atomic<uint64_t> cut_lsn_{kNoCut};
  std::atomic<uint64_t> cut_number_{0};
  std::atomic<double> ops_per_sec_{0.0};
  std::atomic<uint32_t> adoptions_{0};
};

}  // namespace warp
