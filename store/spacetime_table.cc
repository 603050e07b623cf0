#include "store/spacetime_table.h"

#include <algorithm>
#include <mutex>

#include "store/slot_router.h"
#include "wal/shard_log.h"

namespace warp {

namespace {

// Lookups by string_view without a heap allocation per call: std::unordered_map in C++17 has
// no heterogeneous find, and 16-byte keys exceed libstdc++'s 15-byte small-string buffer.
const std::string& LookupKey(std::string_view key) {
  thread_local std::string buffer;
  buffer.assign(key.data(), key.size());
  return buffer;
}

Status SealedError() { return Status::Unavailable("the universe is closed"); }

}  // namespace

uint64_t SpacetimeTable::PositionOf(std::string_view key) {
  return FullKeyHash(key) >> (64 - kPositionBits);
}

SpacetimeTable::SpacetimeTable(uint32_t shard_id, const std::vector<uint32_t>& slots)
    : shard_id_(shard_id), slots_(kSlotCount) {
  for (uint32_t slot : slots) slots_[slot] = std::make_unique<Slot>();
}

Status SpacetimeTable::Get(uint32_t slot, std::string_view key, std::string* value,
                           uint64_t* version) const {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  const Slot& s = *slots_[slot];
  const std::string& lookup = LookupKey(key);
  std::shared_lock lock(s.mu);
  if (s.sealed) return SealedError();
  s.reads.fetch_add(1, std::memory_order_relaxed);
  auto it = s.map.find(lookup);
  if (it == s.map.end()) return Status::NotFound("key not found");
  value->assign(it->second.value);
  *version = it->second.version;
  return Status::OK();
}

Status SpacetimeTable::Put(uint32_t slot, std::string_view key, std::string_view value,
                           uint64_t* version) {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  Slot& s = *slots_[slot];
  const std::string& lookup = LookupKey(key);  // copied into the map only on insert
  std::unique_lock lock(s.mu);
  if (s.sealed) return SealedError();
  // The LSN is taken and logged inside the slot's critical section so that, per key, WAL order
  // equals application order.
  uint64_t lsn = 0;
  Status status = AssignLsn(s, /*is_put=*/true, key, value, &lsn);
  if (!status.ok()) return status;
  auto [it, inserted] = s.map.try_emplace(lookup);
  if (inserted) {
    s.bytes += key.size() + value.size();
  } else {
    s.bytes = s.bytes - it->second.value.size() + value.size();
  }
  it->second.value.assign(value.data(), value.size());
  it->second.version = lsn;
  ++s.writes;
  *version = lsn;
  return Status::OK();
}

Status SpacetimeTable::Delete(uint32_t slot, std::string_view key, bool* existed,
                              uint64_t* version) {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  Slot& s = *slots_[slot];
  const std::string& lookup = LookupKey(key);
  std::unique_lock lock(s.mu);
  if (s.sealed) return SealedError();
  auto it = s.map.find(lookup);
  *existed = it != s.map.end();
  *version = 0;
  if (!*existed) return Status::OK();
  Status status = AssignLsn(s, /*is_put=*/false, key, {}, version);
  if (!status.ok()) return status;
  s.bytes -= it->first.size() + it->second.value.size();
  s.map.erase(it);
  ++s.deletes;
  return Status::OK();
}

uint64_t SpacetimeTable::ScanSlot(uint32_t slot, uint64_t from, size_t budget,
                                  const std::function<bool(std::string_view)>& match,
                                  std::vector<std::string>* out, size_t* examined) const {
  *examined = 0;
  if (!Owns(slot)) return kPositionLimit;
  const Slot& s = *slots_[slot];
  std::shared_lock lock(s.mu);
  if (s.sealed) return kPositionLimit;
  std::vector<std::pair<uint64_t, const std::string*>> candidates;
  for (const auto& [key, entry] : s.map) {
    uint64_t position = PositionOf(key);
    if (position >= from) candidates.emplace_back(position, &key);
  }
  uint64_t resume = kPositionLimit;
  if (candidates.size() > budget) {
    // Only the `budget` smallest positions are examined; a run of equal positions stays whole.
    std::nth_element(candidates.begin(), candidates.begin() + budget, candidates.end());
    uint64_t cut = candidates[budget].first;
    auto end = std::partition(candidates.begin(), candidates.end(),
                              [&](const auto& c) { return c.first < cut; });
    if (end == candidates.begin()) {
      // The first run alone exceeds the budget (positions collide): take it whole.
      end = std::partition(candidates.begin(), candidates.end(),
                           [&](const auto& c) { return c.first == cut; });
      for (auto it = end; it != candidates.end(); ++it) resume = std::min(resume, it->first);
    } else {
      resume = cut;
    }
    candidates.erase(end, candidates.end());
  }
  std::sort(candidates.begin(), candidates.end());
  *examined = candidates.size();
  for (const auto& [position, key] : candidates) {
    if (match(*key)) out->push_back(*key);
  }
  return resume;
}

TableCounters SpacetimeTable::Counters() const {
  TableCounters counters;
  for (const auto& slot : slots_) {
    if (!slot) continue;
    std::shared_lock lock(slot->mu);
    counters.keys += slot->map.size();
    counters.bytes += slot->bytes;
    counters.writes += slot->writes;
    counters.deletes += slot->deletes;
    counters.reads += slot->reads.load(std::memory_order_relaxed);
  }
  counters.last_lsn =
      log_ != nullptr ? log_->last_lsn() : last_lsn_.load(std::memory_order_relaxed);
  return counters;
}

Status SpacetimeTable::AssignLsn(Slot& s, bool is_put, std::string_view key, std::string_view value,
                                 uint64_t* lsn) {
  if (log_ != nullptr) {
    Status status = is_put ? log_->AppendPut(key, value, lsn) : log_->AppendDelete(key, lsn);
    if (!status.ok()) return status;
  } else {
    std::lock_guard lock(lsn_mu_);
    *lsn = last_lsn_.load(std::memory_order_relaxed) + 1;
    last_lsn_.store(*lsn, std::memory_order_relaxed);
  }
  // Copy-on-write for a cut in progress: the first write past the cut LSN into a slot that has
  // not been captured preserves the slot as it was at the cut. The cut fields were set while
  // LSN assignment was paused, so a write numbered above the cut sees them.
  if (*lsn > cut_lsn_.load(std::memory_order_acquire)) {
    uint64_t number = cut_number_.load(std::memory_order_acquire);
    if (s.captured_cut != number) {
      CopySlot(s, &s.cut_copy);
      s.captured_cut = number;
    }
  }
  return Status::OK();
}

void SpacetimeTable::CopySlot(const Slot& s, std::vector<CutEntry>* out) {
  out->reserve(out->size() + s.map.size());
  for (const auto& [key, entry] : s.map) out->push_back(CutEntry{key, entry.value, entry.version});
}

uint64_t SpacetimeTable::BeginCut() {
  uint64_t cut = 0;
  auto begin = [&](uint64_t last_lsn) {
    cut = last_lsn;
    cut_number_.fetch_add(1, std::memory_order_acq_rel);
    cut_lsn_.store(last_lsn, std::memory_order_release);
  };
  if (log_ != nullptr) {
    log_->WithAppendsPaused(begin);
  } else {
    std::lock_guard lock(lsn_mu_);
    begin(last_lsn_.load(std::memory_order_relaxed));
  }
  return cut;
}

Status SpacetimeTable::CaptureSlot(uint32_t slot, std::vector<CutEntry>* out) {
  if (!Owns(slot)) return Status::OK();
  Slot& s = *slots_[slot];
  std::unique_lock lock(s.mu);
  if (s.sealed) return SealedError();
  uint64_t number = cut_number_.load(std::memory_order_acquire);
  if (s.captured_cut == number) {  // a writer preserved it
    for (CutEntry& entry : s.cut_copy) out->push_back(std::move(entry));
    std::vector<CutEntry>().swap(s.cut_copy);
    return Status::OK();
  }
  CopySlot(s, out);
  s.captured_cut = number;
  return Status::OK();
}

void SpacetimeTable::EndCut() {
  cut_lsn_.store(kNoCut, std::memory_order_release);
  for (auto& slot : slots_) {
    if (!slot) continue;
    std::unique_lock lock(slot->mu);
    std::vector<CutEntry>().swap(slot->cut_copy);
  }
}

SpacetimeTable::Slot* SpacetimeTable::SlotOfRecoveredKey(std::string_view key, Status* status) {
  uint32_t slot = SlotOfKey(key);
  if (!Owns(slot)) {
    *status = Status::InvalidArgument("key of slot " + std::to_string(slot) +
                                      " is not owned by shard " + std::to_string(shard_id_));
    return nullptr;
  }
  return slots_[slot].get();
}

Status SpacetimeTable::RecoverPut(std::string_view key, std::string_view value, uint64_t version) {
  Status status;
  Slot* s = SlotOfRecoveredKey(key, &status);
  if (s == nullptr) return status;
  auto [it, inserted] = s->map.try_emplace(LookupKey(key));
  if (inserted) {
    s->bytes += key.size() + value.size();
  } else {
    s->bytes = s->bytes - it->second.value.size() + value.size();
  }
  it->second.value.assign(value.data(), value.size());
  it->second.version = version;
  return Status::OK();
}

Status SpacetimeTable::RecoverDelete(std::string_view key) {
  Status status;
  Slot* s = SlotOfRecoveredKey(key, &status);
  if (s == nullptr) return status;
  auto it = s->map.find(LookupKey(key));
  if (it != s->map.end()) {
    s->bytes -= it->first.size() + it->second.value.size();
    s->map.erase(it);
  }
  return Status::OK();
}

void SpacetimeTable::RecoverLastLsn(uint64_t lsn) {
  last_lsn_.store(lsn, std::memory_order_relaxed);
  for (auto& slot : slots_) {
    if (!slot) continue;
    slot->writes = 0;
    slot->deletes = 0;
  }
}

void SpacetimeTable::Clear() {
  for (auto& slot : slots_) {
    if (!slot) continue;
    std::unique_lock lock(slot->mu);
    slot->map.clear();
    slot->bytes = 0;
  }
}

void SpacetimeTable::Seal() {
  for (auto& slot : slots_) {
    if (!slot) continue;
    std::unique_lock lock(slot->mu);
    slot->sealed = true;
    std::unordered_map<std::string, Entry>().swap(slot->map);
    std::vector<CutEntry>().swap(slot->cut_copy);
    slot->bytes = 0;
  }
}

}  // namespace warp
