// EventHorizonCache: a bounded, two-level, in-memory cache of values read from the cold tier (the
// shard value logs, store/value_log.h). A cold read that hits here costs no pread; one that misses
// reads the value log and inserts the value. One cache serves every shard of a universe.
//
// Levels. Level 1 holds values as they are; level 2 holds them LZ4-compressed
// ("spaghettification"). A new value enters level 1. When level 1 is over its share, its least
// recently used entry moves to level 2, compressed, if the value is at least compress_min_bytes
// long and LZ4 makes it smaller; otherwise it is dropped. When level 2 is over its share, its
// least recently used entry is dropped. A level-2 hit decompresses the value and moves the entry
// back to level 1 (unless it no longer fits there after a SetCapacity shrink: it then stays in
// level 2 as its most recently used entry). Each level is an exact LRU list per stripe.
//
// Versions. Every entry is stamped with the version (the LSN of the write that produced the
// value) it was inserted with. A lookup hits only if the caller's version equals the stamp; an
// entry with another stamp is stale, is erased and the lookup counts as a miss. So the cache
// never returns a superseded value even if an Erase was missed or raced with an Insert of an
// older read: correctness rests on the stamp, not on the order of Insert and Erase calls. Insert
// replaces any entry of the same key, whatever its stamp (the last insert wins).
//
// Capacity (the "Schwarzschild radius"). capacity_bytes is split into `stripes` stripes
// (capacity / stripes each, the remainder spread over the first stripes); a key's stripe is
// chosen by a hash of its bytes. Each stripe gives floor(its capacity * l1_share) bytes to level 1
// and the rest to level 2. An entry is charged
//   key.size() + stored value size + kEntryOverheadBytes
// where the stored value size is the raw size in level 1 and the compressed size in level 2. After
// every method returns, each level of each stripe holds at most its share, so
//   Stats().l1_bytes + Stats().l2_bytes <= capacity.
// An entry whose level-1 charge exceeds its stripe's level-1 share is never cached (Insert
// ignores it and erases any older entry of the key); with l1_share 0 nothing is cached.
//
// Memory. kEntryOverheadBytes (260) covers what an entry costs besides its key and value bytes
// with libstdc++ and glibc malloc on 64-bit Linux: the LRU list node holding the entry (112 bytes
// with its malloc header), the index's slots (an absl flat hash map: 25 bytes per slot, up to 4
// slots per entry, since a stripe's index gives its slots back when it falls to a quarter of
// them), and malloc's header and rounding of the
// key's and of the value's heap blocks (up to 24 each; keys and values are allocated at their
// exact size). So the heap held by the entries stays within their charged bytes, hence within
// capacity, plus a fixed cost that does not grow with the entries: the cache object and its
// stripes, under 400 bytes per stripe (6.4 KiB with the default 16 stripes).
// Values handed to callers are their copies, not the cache's.
//
// Lifetime: plain object; destroying it frees every entry. No method fails: the cache has no
// error to report (a value it cannot compress is dropped, one too large is not cached).
//
// Thread-safety: every method may be called from any thread at any time, concurrently with any
// other. Each stripe has its own mutex, held for the whole of an operation on one key (LZ4
// compression on demotion and decompression on a level-2 hit run under it: their cost is bounded
// by the stripe's level-1 share). Stats, HottestKeys, Clear and SetCapacity visit the stripes
// one at a time, so under concurrent use their view of the whole cache is not one instant.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace warp {

// Counters since construction (hits, misses, inserts, evictions, demotions) and the state now
// (entries, bytes, capacity). Bytes are charged bytes (see the file comment).
struct EventHorizonStats {
  uint64_t capacity = 0;      // capacity_bytes now
  uint64_t l1_hits = 0;       // lookups answered from level 1
  uint64_t l2_hits = 0;       // lookups answered from level 2 (decompressed)
  uint64_t misses = 0;        // lookups not answered (absent or stale entry)
  uint64_t inserts = 0;       // values cached by Insert (too large ones are not counted)
  uint64_t l1_evictions = 0;  // entries pushed out of level 1 for room (demoted or dropped)
  uint64_t demotions = 0;     // of those, entries moved to level 2
  uint64_t l2_evictions = 0;  // entries dropped from level 2 for room
  uint64_t l1_entries = 0, l2_entries = 0;
  uint64_t l1_bytes = 0, l2_bytes = 0;
};

class EventHorizonCache {
 public:
  // What an entry is charged besides its key and stored value bytes (see the file comment).
  static constexpr uint64_t kEntryOverheadBytes = 260;

  struct Options {
    uint64_t capacity_bytes = 64ull << 20;  // both levels together
    double l1_share = 0.5;                  // part of each stripe for level 1, clamped to [0, 1]
    // Values shorter than this are dropped, not compressed, when level 1 evicts them.
    uint64_t compress_min_bytes = 256;
    uint32_t stripes = 16;  // independent locks and LRU lists; 0 counts as 1
  };

  explicit EventHorizonCache(const Options& options);
  ~EventHorizonCache();
  EventHorizonCache(const EventHorizonCache&) = delete;
  EventHorizonCache& operator=(const EventHorizonCache&) = delete;

  // If `key` is cached with stamp `version`, sets *value to its bytes, *level (if not null) to
  // the level that answered (1 or 2), makes it the most recently used and returns true; a level-2
  // hit moves it to level 1 (see the file comment). Otherwise returns false and leaves *value and
  // *level untouched; a stale entry (another stamp) is erased.
  bool Lookup(std::string_view key, uint64_t version, std::string* value, int* level);

  // Caches `value` as the value of `key` at `version` in level 1, most recently used, replacing
  // any entry of `key`, then evicts as needed. Not cached (and any older entry of the key erased)
  // if the entry's charge exceeds the level-1 share of its stripe.
  void Insert(std::string_view key, uint64_t version, std::string_view value);

  // Removes the entry of `key`, if any.
  void Erase(std::string_view key);

  // Removes every entry. Counters (hits, misses, ...) keep counting from where they were.
  void Clear();

  // Sets capacity_bytes (the split between stripes and levels follows the options) and, if it
  // shrank, evicts at once, by the usual rules, until every level is within its new share.
  void SetCapacity(uint64_t bytes);

  // Sums of every stripe's counters.
  EventHorizonStats Stats() const;

  // Up to n keys, most recently used first: every level-1 key before any level-2 key, each level
  // in the order of its last Lookup hit or Insert across all stripes. Used to record the hot set.
  std::vector<std::string> HottestKeys(size_t n) const;

 private:
  struct Entry {
    std::string key;
    std::string value;      // raw in level 1, an LZ4 block in level 2
    uint64_t version = 0;   // the stamp
    uint64_t tick = 0;      // the cache's use clock at the last hit or insert
    uint32_t raw_size = 0;  // in level 2: the size of the value before compression
    uint8_t level = 1;
  };
  using List = std::list<Entry>;
  struct Stripe;

  Stripe& StripeOf(std::string_view key) const;
  // The capacity of stripe i when the whole cache has `capacity` bytes.
  uint64_t StripeCapacity(uint64_t capacity, size_t i) const;
  void SetStripeCapacity(Stripe& s, uint64_t stripe_capacity);
  // Under s.mu: the level-1 then level-2 tails go until each level is within its share.
  void EvictOverflow(Stripe& s);
  // Under s.mu: moves the level-1 tail to level 2 if it qualifies, else drops it.
  void EvictL1Tail(Stripe& s);
  void Remove(Stripe& s, List::iterator it);
  uint64_t NextTick() { return tick_.fetch_add(1, std::memory_order_relaxed) + 1; }

  const double l1_share_;
  const uint64_t compress_min_bytes_;
  const size_t stripe_count_;
  std::unique_ptr<Stripe[]> stripes_;
  std::mutex capacity_mu_;  // serializes SetCapacity; taken before any stripe's mutex
  std::atomic<uint64_t> capacity_;
  // The use clock that orders entries across stripes for HottestKeys.
  std::atomic<uint64_t> tick_{0};
};

}  // namespace warp
