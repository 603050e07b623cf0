#include "store/spacetime_table.h"

#include <algorithm>
#include <mutex>

#include "store/slot_router.h"
#include "wal/shard_log.h"

namespace warp {

namespace {

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
                           uint64_t* version, int64_t* expire_at_ms) const {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  const Slot& s = *slots_[slot];
  std::shared_lock lock(s.mu);
  if (s.sealed) return SealedError();
  s.reads.fetch_add(1, std::memory_order_relaxed);
  auto it = s.map.find(key);
  if (it == s.map.end()) return Status::NotFound("key not found");
  const TableRecord& e = *it->record;
  // Lazy expiry; the clock is read only for an entry that has an expiry.
  if (e.expire_at_ms != 0 && e.expire_at_ms <= clock_->NowUnixMillis()) {
    return Status::NotFound("key not found");
  }
  value->assign(e.payload().data(), e.payload().size());
  *version = e.version;
  if (expire_at_ms != nullptr) *expire_at_ms = e.expire_at_ms;
  return Status::OK();
}

Status SpacetimeTable::Put(uint32_t slot, std::string_view key, std::string_view value,
                           uint64_t* version, int64_t expire_at_ms) {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  Slot& s = *slots_[slot];
  std::unique_lock lock(s.mu);
  if (s.sealed) return SealedError();
  // The LSN is taken and logged inside the slot's critical section so that, per key, WAL order
  // equals application order.
  uint64_t lsn = 0;
  Status status = AssignLsn(s, {wal::RecordType::kPut, key, value, expire_at_ms}, &lsn);
  if (!status.ok()) return status;
  TableRecord& e = StoreValue(s, s.map.find(key), key, value);
  e.version = lsn;
  SetExpiry(s, e, expire_at_ms);
  ++s.writes;
  *version = lsn;
  return Status::OK();
}

Status SpacetimeTable::Delete(uint32_t slot, std::string_view key, bool* existed,
                              uint64_t* version) {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  Slot& s = *slots_[slot];
  std::unique_lock lock(s.mu);
  if (s.sealed) return SealedError();
  auto it = s.map.find(key);
  *existed = it != s.map.end();
  *version = 0;
  if (!*existed) return Status::OK();
  if (it->record->expire_at_ms != 0 && Expired(*it->record, clock_->NowUnixMillis())) {
    RemoveExpired(s, it);
    *existed = false;
    return Status::OK();
  }
  Status status = AssignLsn(s, {wal::RecordType::kDelete, key, {}, 0}, version);
  if (!status.ok()) return status;
  Erase(s, it);
  ++s.deletes;
  return Status::OK();
}

Status SpacetimeTable::Update(uint32_t slot, std::string_view key, const UpdateFn& fn,
                              UpdateOutcome* outcome) {
  *outcome = UpdateOutcome();
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  Slot& s = *slots_[slot];
  std::unique_lock lock(s.mu);
  if (s.sealed) return SealedError();
  // Read once, when first needed: for the state fn sees and for the past-expiry rule below.
  // Keys and mutations without an expiry never read the clock.
  int64_t now = 0;
  auto now_ms = [&] { return now != 0 ? now : (now = clock_->NowUnixMillis()); };
  auto it = s.map.find(key);
  if (it != s.map.end() && it->record->expire_at_ms != 0 && Expired(*it->record, now_ms())) {
    RemoveExpired(s, it);
    it = s.map.end();
  }
  KeyState current;
  if (it != s.map.end()) {
    current.exists = true;
    current.value = it->record->payload();
    current.expire_at_ms = it->record->expire_at_ms;
  }
  outcome->existed = current.exists;
  outcome->expire_at_ms = current.expire_at_ms;
  Mutation m;
  fn(current, &m);
  Mutation::Action action = m.action;
  if (action == Mutation::Action::kSetExpiry && !current.exists) {
    return Status::InvalidArgument("cannot set the expiry of a key that does not exist");
  }
  if ((action == Mutation::Action::kPut || action == Mutation::Action::kSetExpiry) &&
      m.expire_at_ms != 0 && m.expire_at_ms <= now_ms()) {
    action = Mutation::Action::kDelete;  // an expiry in the past deletes, as in Redis
  }
  return ApplyMutation(s, key, it, action, &m, outcome);
}

Status SpacetimeTable::ApplyMutation(Slot& s, std::string_view key, RecordSet::iterator it,
                                     Mutation::Action action, Mutation* mutation,
                                     UpdateOutcome* outcome) {
  Mutation& m = *mutation;
  Status status;
  switch (action) {
    case Mutation::Action::kKeep:
      return Status::OK();
    case Mutation::Action::kPut: {
      status =
          AssignLsn(s, {wal::RecordType::kPut, key, m.value, m.expire_at_ms}, &outcome->version);
      if (!status.ok()) return status;
      TableRecord& e = StoreValue(s, it, key, m.value);
      e.version = outcome->version;
      SetExpiry(s, e, m.expire_at_ms);
      ++s.writes;
      outcome->expire_at_ms = m.expire_at_ms;
      return Status::OK();
    }
    case Mutation::Action::kSetExpiry:
      status = AssignLsn(s, {wal::RecordType::kExpire, key, {}, m.expire_at_ms}, &outcome->version);
      if (!status.ok()) return status;
      SetExpiry(s, *it->record, m.expire_at_ms);
      ++s.writes;
      outcome->expire_at_ms = m.expire_at_ms;
      return Status::OK();
    case Mutation::Action::kDelete:
      outcome->expire_at_ms = 0;
      if (it == s.map.end()) return Status::OK();
      status = AssignLsn(s, {wal::RecordType::kDelete, key, {}, 0}, &outcome->version);
      if (!status.ok()) return status;
      Erase(s, it);
      ++s.deletes;
      return Status::OK();
  }
  return Status::InvalidArgument("unknown mutation action " +
                                 std::to_string(static_cast<int>(m.action)));
}

ExpireProgress SpacetimeTable::ExpireSome(int64_t now_ms, size_t budget) {
  ExpireProgress progress;
  std::lock_guard cursor_lock(expire_mu_);
  // At most one round over the slots; a slot whose walk stopped at the per-lock limit is taken
  // up again at once (its lock was released in between, so writers got their turn).
  for (uint32_t visited = 0; visited < kSlotCount && progress.examined < budget;) {
    Slot* s = slots_[expire_slot_].get();
    bool slot_done = true;
    if (s != nullptr && s->volatile_keys.load(std::memory_order_relaxed) > 0) {
      size_t limit = std::min(kExpireEntriesPerLock, budget - progress.examined);
      slot_done = ExpireInSlot(*s, now_ms, limit, &progress);
    }
    if (slot_done) {
      expire_slot_ = (expire_slot_ + 1) % kSlotCount;
      expire_resume_set_ = false;
      ++visited;
    }
  }
  return progress;
}

bool SpacetimeTable::ExpireInSlot(Slot& s, int64_t now_ms, size_t limit, ExpireProgress* progress) {
  std::unique_lock lock(s.mu);
  if (s.sealed) return true;
  // The walk resumes at the entry it stopped before (its key was kept). If that entry is gone,
  // the slot's walk starts over; if the set rehashed, its order changed and the walk goes on in
  // the new order (an entry may then be missed until the next pass; lazy expiry hides it).
  auto it = s.map.begin();
  if (expire_resume_set_) {
    auto resume = s.map.find(std::string_view(expire_resume_key_));
    if (resume != s.map.end()) it = resume;
  }
  size_t examined = 0;
  expire_doomed_.clear();
  for (; it != s.map.end() && examined < limit; ++it, ++examined) {
    if (Expired(*it->record, now_ms)) expire_doomed_.push_back(it->record.get());
  }
  bool done = it == s.map.end();
  expire_resume_set_ = !done;
  if (!done) expire_resume_key_.assign(it->record->key());
  for (const TableRecord* doomed : expire_doomed_) {
    RemoveExpired(s, s.map.find(doomed->key()));
  }
  progress->examined += examined;
  progress->expired += expire_doomed_.size();
  return done;
}

uint64_t SpacetimeTable::ScanSlot(uint32_t slot, uint64_t from, size_t budget,
                                  const std::function<bool(std::string_view)>& match,
                                  std::vector<std::string>* out, size_t* examined) const {
  *examined = 0;
  if (!Owns(slot)) return kPositionLimit;
  const Slot& s = *slots_[slot];
  std::shared_lock lock(s.mu);
  if (s.sealed) return kPositionLimit;
  std::vector<std::pair<uint64_t, std::string_view>> candidates;
  int64_t now = 0;  // read at the first entry with an expiry
  for (const RecordRef& ref : s.map) {
    const TableRecord& entry = *ref.record;
    if (entry.expire_at_ms != 0) {
      if (now == 0) now = clock_->NowUnixMillis();
      if (Expired(entry, now)) continue;  // lazy expiry
    }
    uint64_t position = PositionOf(entry.key());
    if (position >= from) candidates.emplace_back(position, entry.key());
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
    if (match(key)) out->push_back(std::string(key));
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
    counters.volatile_keys += slot->volatile_keys.load(std::memory_order_relaxed);
    counters.expired += slot->expired;
  }
  counters.last_lsn =
      log_ != nullptr ? log_->last_lsn() : last_lsn_.load(std::memory_order_relaxed);
  return counters;
}

Status SpacetimeTable::AssignLsn(Slot& s, const LogOp& op, uint64_t* lsn) {
  if (log_ != nullptr) {
    Status status;
    switch (op.type) {
      case wal::RecordType::kPut:
        status = log_->AppendPut(op.key, op.value, op.expire_at_ms, lsn);
        break;
      case wal::RecordType::kExpire:
        status = log_->AppendExpire(op.key, op.expire_at_ms, lsn);
        break;
      default:
        status = log_->AppendDelete(op.key, lsn);
        break;
    }
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

// An unlogged change has no LSN to compare with the cut's, so any cut in progress counts: the
// change happens after BeginCut fixed S, or so close to it that the entries it removes were
// already expired at S and absent either way.
void SpacetimeTable::PreserveForCut(Slot& s) {
  if (cut_lsn_.load(std::memory_order_acquire) == kNoCut) return;
  uint64_t number = cut_number_.load(std::memory_order_acquire);
  if (s.captured_cut != number) {
    CopySlot(s, &s.cut_copy);
    s.captured_cut = number;
  }
}

void SpacetimeTable::RemoveExpired(Slot& s, RecordSet::iterator it) {
  PreserveForCut(s);
  Erase(s, it);
  ++s.expired;
}

void SpacetimeTable::SetExpiry(Slot& s, TableRecord& e, int64_t expire_at_ms) {
  if ((e.expire_at_ms != 0) != (expire_at_ms != 0)) {
    if (expire_at_ms != 0) {
      s.volatile_keys.fetch_add(1, std::memory_order_relaxed);
    } else {
      s.volatile_keys.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  e.expire_at_ms = expire_at_ms;
}

void SpacetimeTable::Erase(Slot& s, RecordSet::iterator it) {
  const TableRecord& e = *it->record;
  s.bytes -= e.key().size() + e.payload().size();
  if (e.expire_at_ms != 0) s.volatile_keys.fetch_sub(1, std::memory_order_relaxed);
  s.map.erase(it);
}

TableRecord& SpacetimeTable::StoreValue(Slot& s, RecordSet::iterator it, std::string_view key,
                                        std::string_view value) {
  if (it == s.map.end()) {
    it = s.map.insert(RecordRef{TableRecord::Make(key, value)}).first;
    s.bytes += key.size() + value.size();
    return *it->record;
  }
  TableRecord& old = *it->record;
  s.bytes = s.bytes - old.payload().size() + value.size();
  if (old.SetPayloadInPlace(value)) return old;
  TableRecord::Ptr fresh = TableRecord::Make(key, value);
  fresh->version = old.version;
  fresh->expire_at_ms = old.expire_at_ms;
  it->record = std::move(fresh);
  return *it->record;
}

void SpacetimeTable::CopySlot(const Slot& s, std::vector<CutEntry>* out) {
  out->reserve(out->size() + s.map.size());
  for (const RecordRef& ref : s.map) {
    const TableRecord& e = *ref.record;
    out->push_back(
        CutEntry{std::string(e.key()), std::string(e.payload()), e.version, e.expire_at_ms});
  }
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

Status SpacetimeTable::RecoverPut(std::string_view key, std::string_view value, uint64_t version,
                                  int64_t expire_at_ms) {
  Status status;
  Slot* s = SlotOfRecoveredKey(key, &status);
  if (s == nullptr) return status;
  TableRecord& e = StoreValue(*s, s->map.find(key), key, value);
  e.version = version;
  SetExpiry(*s, e, expire_at_ms);
  return Status::OK();
}

Status SpacetimeTable::RecoverDelete(std::string_view key) {
  Status status;
  Slot* s = SlotOfRecoveredKey(key, &status);
  if (s == nullptr) return status;
  auto it = s->map.find(key);
  if (it != s->map.end()) Erase(*s, it);
  return Status::OK();
}

Status SpacetimeTable::RecoverExpire(std::string_view key, int64_t expire_at_ms) {
  Status status;
  Slot* s = SlotOfRecoveredKey(key, &status);
  if (s == nullptr) return status;
  auto it = s->map.find(key);
  if (it != s->map.end()) SetExpiry(*s, *it->record, expire_at_ms);
  return Status::OK();
}

uint64_t SpacetimeTable::RecoverDropExpired(int64_t now_ms) {
  uint64_t dropped = 0;
  for (auto& slot : slots_) {
    if (!slot || slot->volatile_keys.load(std::memory_order_relaxed) == 0) continue;
    for (auto it = slot->map.begin(); it != slot->map.end();) {
      if (Expired(*it->record, now_ms)) {
        Erase(*slot, it++);  // absl: erase(iterator) leaves other iterators valid
        ++dropped;
      } else {
        ++it;
      }
    }
  }
  return dropped;
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
    slot->volatile_keys.store(0, std::memory_order_relaxed);
  }
}

void SpacetimeTable::Seal() {
  for (auto& slot : slots_) {
    if (!slot) continue;
    std::unique_lock lock(slot->mu);
    slot->sealed = true;
    RecordSet().swap(slot->map);
    std::vector<CutEntry>().swap(slot->cut_copy);
    slot->bytes = 0;
    slot->volatile_keys.store(0, std::memory_order_relaxed);
  }
}

}  // namespace warp
