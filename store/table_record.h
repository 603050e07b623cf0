// TableRecord: one key of a SpacetimeTable slot, in one heap block.
//
// The block holds a fixed header (version, expiry, sizes), then the key bytes, then the
// payload: the value itself for a hot entry. A slot's hash set stores only a pointer per key
// (RecordRef), so a lookup reads the set's control bytes and one pointer, then the record,
// whose header, key and (short) value share cache lines; there is no node, no separate key
// allocation and no separate value allocation, as there was with std::unordered_map of
// std::string. Lookups take a std::string_view (the set's hash and equality are transparent).
//
// The payload depends on the record's residency tier (store/tiers.h): the raw value (hot), an
// LZ4 block (warm) or where the value lives in the shard's value log (cold).
//
// The payload's capacity is what was allocated for it; SetPayloadInPlace reuses the block when
// the new payload fits and is not much smaller, so an overwrite with a value of the same size
// (the common SET) does not allocate.
// Thread-safety: the owning slot's lock guards every record: shared to read, exclusive to
// change. The heat fields are the exception: readers holding the lock shared update them, so
// they are relaxed atomics (a lost update only makes the estimate a little colder).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"

namespace warp {

class TableRecord {
 public:
  // Frees a record made by Make.
  struct Free {
    void operator()(TableRecord* r) const { std::free(r); }
  };
  using Ptr = std::unique_ptr<TableRecord, Free>;

  // A record for `key` whose payload is `payload`, with room for at least `capacity` payload
  // bytes (at least payload.size()). Throws std::bad_alloc when memory is exhausted.
  static Ptr Make(std::string_view key, std::string_view payload, size_t capacity = 0) {
    if (capacity < payload.size()) capacity = payload.size();
    void* block = std::malloc(sizeof(TableRecord) + key.size() + capacity);
    if (block == nullptr) throw std::bad_alloc();
    auto* r = new (block) TableRecord();
    r->key_size_ = static_cast<uint32_t>(key.size());
    r->capacity_ = static_cast<uint32_t>(capacity);
    std::memcpy(r->key_data(), key.data(), key.size());
    r->payload_size_ = static_cast<uint32_t>(payload.size());
    if (!payload.empty()) std::memcpy(r->payload_data(), payload.data(), payload.size());
    return Ptr(r);
  }

  // A record for old's key with old's version, expiry and heat, holding `payload` in `tier`:
  // the replacement when a value changes size or tier.
  static Ptr Rebuild(const TableRecord& old, std::string_view payload, uint8_t tier) {
    Ptr fresh = Make(old.key(), payload);
    fresh->version = old.version;
    fresh->expire_at_ms = old.expire_at_ms;
    fresh->tier = tier;
    fresh->heat.store(old.heat.load(std::memory_order_relaxed), std::memory_order_relaxed);
    fresh->touched.store(old.touched.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return fresh;
  }

  std::string_view key() const { return {key_data(), key_size_}; }
  std::string_view payload() const { return {key_data() + key_size_, payload_size_}; }
  size_t capacity() const { return capacity_; }
  // Heap bytes of this record (header, key, payload capacity), without the allocator's own.
  size_t allocated_bytes() const { return sizeof(TableRecord) + key_size_ + capacity_; }

  // Replaces the payload in place and returns true if it fits and uses at least half of the
  // capacity (so that shrinking values give memory back); else returns false, unchanged.
  bool SetPayloadInPlace(std::string_view payload) {
    if (payload.size() > capacity_ || payload.size() < capacity_ / 2) return false;
    if (!payload.empty()) std::memmove(payload_data(), payload.data(), payload.size());
    payload_size_ = static_cast<uint32_t>(payload.size());
    return true;
  }

  uint64_t version = 0;      // LSN of the write that produced the value
  int64_t expire_at_ms = 0;  // Unix ms; 0 = never
  uint8_t tier = 0;          // a Tier (warp/options.h): what the payload holds
  // Observation (store/tiers.h): a logarithmic access counter and the heat clock's minute of
  // the last access, from which the counter decays.
  std::atomic<uint8_t> heat{0};
  std::atomic<uint16_t> touched{0};

 private:
  TableRecord() = default;
  char* key_data() { return reinterpret_cast<char*>(this + 1); }
  const char* key_data() const { return reinterpret_cast<const char*>(this + 1); }
  char* payload_data() { return key_data() + key_size_; }

  uint32_t key_size_ = 0;
  uint32_t payload_size_ = 0;
  uint32_t capacity_ = 0;
};
static_assert(sizeof(TableRecord) == 32, "the record header is part of every key's memory");

// The element of a slot's hash set. The pointer is mutable so that a record can be replaced
// by a bigger one for the same key without erasing and reinserting (the key, and therefore the
// hash, never changes).
struct RecordRef {
  mutable TableRecord::Ptr record;
};

// Hash and equality by key bytes, accepting either a RecordRef or a std::string_view.
struct RecordKeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return absl::Hash<std::string_view>()(key); }
  size_t operator()(const RecordRef& ref) const { return (*this)(ref.record->key()); }
};
struct RecordKeyEq {
  using is_transparent = void;
  static std::string_view KeyOf(std::string_view key) { return key; }
  static std::string_view KeyOf(const RecordRef& ref) { return ref.record->key(); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return KeyOf(a) == KeyOf(b);
  }
};

using RecordSet = absl::flat_hash_set<RecordRef, RecordKeyHash, RecordKeyEq>;

}  // namespace warp
