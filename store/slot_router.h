// Gravitational routing, step one: key -> slot. This is the only key-placement function in
// the code base; every component that needs to know where a key lives asks it.
//
// A key hashes (XXH3-64, seed 0: stable across builds and machines) to one of kSlotCount
// slots. As in Redis Cluster, if the key contains a non-empty hash tag "{...}" (the first
// '{' and the first '}' after it), only the tag is hashed, so "user:{42}" and
// "profile:{42}" share a slot and therefore a shard. Slots map to shards through the slot
// table stored in universe.json (see SlotTable). docs/slot_routing.md documents the function.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace warp {

inline constexpr uint32_t kSlotCount = 1024;

// The bytes that decide placement: the hash tag if there is a non-empty one, else the key.
std::string_view RoutingBytes(std::string_view key);

// XXH3-64 of RoutingBytes(key).
uint64_t RoutingHash(std::string_view key);

// RoutingHash(key) % kSlotCount.
inline uint32_t SlotOf(uint64_t routing_hash) {
  return static_cast<uint32_t>(routing_hash % kSlotCount);
}
inline uint32_t SlotOfKey(std::string_view key) { return SlotOf(RoutingHash(key)); }

// XXH3-64 of the whole key (ignoring hash tags): orders keys inside a slot for SCAN cursors.
uint64_t FullKeyHash(std::string_view key);

// Slot -> shard assignment. Persisted in universe.json as ranges of consecutive slots.
class SlotTable {
 public:
  // Even assignment: shard i owns the i-th contiguous block of kSlotCount / shard_count slots.
  static SlotTable Even(uint32_t shard_count);

  SlotTable() = default;
  explicit SlotTable(std::vector<uint32_t> shard_of_slot)
      : shard_of_slot_(std::move(shard_of_slot)) {}

  uint32_t ShardOf(uint32_t slot) const { return shard_of_slot_[slot]; }
  const std::vector<uint32_t>& shard_of_slot() const { return shard_of_slot_; }
  // Slots owned by `shard`, ascending.
  std::vector<uint32_t> SlotsOf(uint32_t shard) const;

 private:
  std::vector<uint32_t> shard_of_slot_;  // kSlotCount entries
};

}  // namespace warp
