#include "store/slot_router.h"

// Inlined XXH3: routing runs on every key operation and a 16-byte key hashes in a few
// instructions once the call into libxxhash is gone. Same algorithm, same values.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace warp {

std::string_view RoutingBytes(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  // "{}" (empty tag) and an unclosed '{' hash the whole key, as in Redis Cluster.
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

uint64_t RoutingHash(std::string_view key) {
  std::string_view bytes = RoutingBytes(key);
  return XXH3_64bits(bytes.data(), bytes.size());
}

uint64_t FullKeyHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

SlotTable SlotTable::Even(uint32_t shard_count) {
  std::vector<uint32_t> shard_of_slot(kSlotCount);
  for (uint32_t slot = 0; slot < kSlotCount; ++slot) {
    shard_of_slot[slot] = static_cast<uint32_t>(uint64_t{slot} * shard_count / kSlotCount);
  }
  return SlotTable(std::move(shard_of_slot));
}

std::vector<uint32_t> SlotTable::SlotsOf(uint32_t shard) const {
  std::vector<uint32_t> slots;
  for (uint32_t slot = 0; slot < shard_of_slot_.size(); ++slot) {
    if (shard_of_slot_[slot] == shard) slots.push_back(slot);
  }
  return slots;
}

}  // namespace warp
