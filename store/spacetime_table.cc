#include "store/spacetime_table.h"

#include <algorithm>
#include <mutex>

#include "common/log.h"
#include "store/event_horizon_cache.h"
#include "store/slot_router.h"
#include "store/tiers.h"
#include "store/value_log.h"
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
                           uint64_t* version, int64_t* expire_at_ms, Tier* tier) {
  if (!Owns(slot)) return Status::InvalidArgument("slot not owned by this shard");
  Slot& s = *slots_[slot];
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
  *version = e.version;
  if (expire_at_ms != nullptr) *expire_at_ms = e.expire_at_ms;
  if (tier != nullptr) *tier = static_cast<Tier>(e.tier);
  if (e.tier == static_cast<uint8_t>(Tier::kHot)) {
    value->assign(e.payload().data(), e.payload().size());
    if (Tiering()) tiers::Observe(e, HeatMinute(), tier_options_.heat_decay_minutes);
    return Status::OK();
  }
  if (e.tier == static_cast<uint8_t>(Tier::kCold)) {
    s.cold_reads.fetch_add(1, std::memory_order_relaxed);
  }
  // The cache is for keys read before (the heat before this read), a doorkeeper.
  uint8_t before = 0;
  uint8_t heat = tiers::Observe(e, HeatMinute(), tier_options_.heat_decay_minutes, &before);
  Status read = ReadValue(e, value, /*use_cache=*/before >= tiers::kCacheHeat);
  if (!read.ok() || heat < PromoteThreshold()) return read;
  uint64_t read_version = e.version;
  lock.unlock();
  Promote(slot, key, read_version, *value);
  return Status::OK();
}

bool SpacetimeTable::WarmCache(uint32_t slot, std::string_view key) {
  if (!Owns(slot) || cache_ == nullptr) return false;
  Slot& s = *slots_[slot];
  std::shared_lock lock(s.mu);
  if (s.sealed) return false;
  auto it = s.map.find(key);
  if (it == s.map.end()) return false;
  const TableRecord& e = *it->record;
  if (e.tier != static_cast<uint8_t>(Tier::kCold) || Expired(e, clock_->NowUnixMillis())) {
    return false;
  }
  std::string value;
  if (!ReadValue(e, &value, /*use_cache=*/true).ok()) return false;
  tiers::RaiseHeat(e, tiers::kCacheHeat, HeatMinute(), tier_options_.heat_decay_minutes);
  return true;
}

Status SpacetimeTable::ReadValue(const TableRecord& r, std::string* value, bool use_cache) {
  switch (static_cast<Tier>(r.tier)) {
    case Tier::kWarm:
      return tiers::DecompressWarm(r.payload(), value);
    case Tier::kCold: {
      use_cache = use_cache && cache_ != nullptr;
      if (use_cache && cache_->Lookup(r.key(), r.version, value, nullptr)) return Status::OK();
      Status read = values_->Read(tiers::DecodeColdPointer(r.payload()), r.key(), value);
      if (read.ok() && use_cache) cache_->Insert(r.key(), r.version, *value);
      return read;
    }
    default:
      value->assign(r.payload().data(), r.payload().size());
      return Status::OK();
  }
}

void SpacetimeTable::Promote(uint32_t slot, std::string_view key, uint64_t version,
                             std::string_view value) {
  Slot& s = *slots_[slot];
  {
    std::unique_lock lock(s.mu);
    if (s.sealed) return;
    auto it = s.map.find(key);
    if (it == s.map.end()) return;
    TableRecord& old = *it->record;
    if (old.version != version || old.tier == static_cast<uint8_t>(Tier::kHot)) return;
    int64_t before = Track(s, old, -1);
    if (old.tier == static_cast<uint8_t>(Tier::kCold)) ForgetCold(old);
    it->record = TableRecord::Rebuild(old, value, static_cast<uint8_t>(Tier::kHot));
    AddMemory(Track(s, *it->record, +1) - before);
    s.promoted.fetch_add(1, std::memory_order_relaxed);
  }
  MaybeDemote(/*wait=*/false);
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
  lock.unlock();
  MaybeDemote();
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
  std::string materialized;  // the value of a warm or cold record
  if (it != s.map.end()) {
    const TableRecord& e = *it->record;
    current.exists = true;
    if (e.tier == static_cast<uint8_t>(Tier::kHot)) {
      current.value = e.payload();
    } else {
      Status read = ReadValue(e, &materialized);
      if (!read.ok()) return read;
      current.value = materialized;
    }
    current.expire_at_ms = e.expire_at_ms;
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
  Status applied = ApplyMutation(s, key, it, action, &m, outcome);
  lock.unlock();
  if (applied.ok() && action == Mutation::Action::kPut) MaybeDemote();
  return applied;
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
    for (int t = 0; t < 3; ++t) {
      counters.tier_keys[t] += slot->tier_keys[t];
      counters.tier_bytes[t] += slot->tier_bytes[t];
    }
    counters.memory_bytes += static_cast<uint64_t>(std::max<int64_t>(slot->memory, 0));
    counters.demoted_to_warm += slot->demoted_to_warm;
    counters.demoted_to_cold += slot->demoted_to_cold;
    counters.promoted += slot->promoted.load(std::memory_order_relaxed);
    counters.cold_reads += slot->cold_reads.load(std::memory_order_relaxed);
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
      Status copied = CopySlot(s, &s.cut_copy);
      if (!copied.ok()) s.cut_error = copied;  // the write goes on; the cut reports it
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
    Status copied = CopySlot(s, &s.cut_copy);
    if (!copied.ok()) s.cut_error = copied;
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
  s.bytes -= e.key().size() + tiers::ValueSize(e);
  if (e.expire_at_ms != 0) s.volatile_keys.fetch_sub(1, std::memory_order_relaxed);
  AddMemory(-Track(s, e, -1));
  if (e.tier == static_cast<uint8_t>(Tier::kCold)) ForgetCold(e);
  s.map.erase(it);
}

TableRecord& SpacetimeTable::StoreValue(Slot& s, RecordSet::iterator it, std::string_view key,
                                        std::string_view value) {
  if (it == s.map.end()) {
    it = s.map.insert(RecordRef{TableRecord::Make(key, value)}).first;
    TableRecord& r = *it->record;
    r.tier = static_cast<uint8_t>(Tier::kHot);
    tiers::InitHeat(r, HeatMinute());
    s.bytes += key.size() + value.size();
    AddMemory(Track(s, r, +1));
    return r;
  }
  TableRecord& old = *it->record;
  s.bytes = s.bytes - tiers::ValueSize(old) + value.size();
  int64_t before = Track(s, old, -1);
  if (old.tier == static_cast<uint8_t>(Tier::kHot) && old.SetPayloadInPlace(value)) {
    AddMemory(Track(s, old, +1) - before);
    return old;
  }
  if (old.tier == static_cast<uint8_t>(Tier::kCold)) ForgetCold(old);
  it->record = TableRecord::Rebuild(old, value, static_cast<uint8_t>(Tier::kHot));
  AddMemory(Track(s, *it->record, +1) - before);
  return *it->record;
}

int64_t SpacetimeTable::Track(Slot& s, const TableRecord& r, int sign) {
  auto footprint = static_cast<int64_t>(r.allocated_bytes() + kEntryOverheadBytes);
  uint64_t stored =
      r.tier == static_cast<uint8_t>(Tier::kCold) ? tiers::ValueSize(r) : r.payload().size();
  // The tiers' own caps are kept only when set (each costs an atomic per change).
  int64_t signed_stored = sign > 0 ? static_cast<int64_t>(stored) : -static_cast<int64_t>(stored);
  if (r.tier == static_cast<uint8_t>(Tier::kHot) && tier_options_.hot_max_bytes != 0) {
    hot_bytes_.fetch_add(signed_stored, std::memory_order_relaxed);
  }
  if (r.tier == static_cast<uint8_t>(Tier::kWarm) && tier_options_.warm_max_bytes != 0) {
    warm_bytes_.fetch_add(signed_stored, std::memory_order_relaxed);
  }
  if (sign > 0) {
    ++s.tier_keys[r.tier];
    s.tier_bytes[r.tier] += stored;
    s.memory += footprint;
  } else {
    --s.tier_keys[r.tier];
    s.tier_bytes[r.tier] -= stored;
    s.memory -= footprint;
  }
  // What the budget charges: the value bytes the record keeps in memory.
  return r.tier == static_cast<uint8_t>(Tier::kCold) ? 0 : static_cast<int64_t>(stored);
}

void SpacetimeTable::ForgetCold(const TableRecord& r) {
  values_->MarkDead(tiers::DecodeColdPointer(r.payload()));
  if (cache_ != nullptr) cache_->Erase(r.key());
}

Status SpacetimeTable::CopySlot(const Slot& s, std::vector<CutEntry>* out) {
  out->reserve(out->size() + s.map.size());
  for (const RecordRef& ref : s.map) {
    const TableRecord& e = *ref.record;
    CutEntry entry{std::string(e.key()), std::string(), e.version, e.expire_at_ms,
                   tiers::DecayedHeat(e, HeatMinute(), tier_options_.heat_decay_minutes)};
    Status read = ReadValue(e, &entry.value);
    if (!read.ok()) {
      // The value is not lost (the WAL and the previous snapshot hold it), but this cut
      // cannot be complete: the snapshot fails.
      return Status::IOError("cannot read the value of a cold key for a snapshot: " +
                             read.ToString());
    }
    out->push_back(std::move(entry));
  }
  return Status::OK();
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
    Status copied = s.cut_error;
    s.cut_error = Status::OK();
    for (CutEntry& entry : s.cut_copy) out->push_back(std::move(entry));
    std::vector<CutEntry>().swap(s.cut_copy);
    return copied;
  }
  s.captured_cut = number;
  return CopySlot(s, out);
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
  MaybeDemote();  // recovery keeps to the budget too
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
    while (!slot->map.empty()) Erase(*slot, slot->map.begin());
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
    AddMemory(-static_cast<int64_t>(slot->tier_bytes[0] + slot->tier_bytes[1]));
    slot->memory = 0;
    for (int t = 0; t < 3; ++t) slot->tier_keys[t] = slot->tier_bytes[t] = 0;
  }
}

// --- Tiers -------------------------------------------------------------------------------------

void SpacetimeTable::AttachTiers(const TableTierOptions& options, ValueLog* values,
                                 EventHorizonCache* cache) {
  tier_options_ = options;
  values_ = values;
  cache_ = cache;
  memory_budget_.store(options.memory_budget, std::memory_order_relaxed);
  TickHeatClock();
}

void SpacetimeTable::TickHeatClock() {
  heat_minute_.store(static_cast<uint16_t>(clock_->NowUnixMillis() / 60000),
                     std::memory_order_relaxed);
}

uint64_t SpacetimeTable::DemoteToBudget(bool wait) {
  if (values_ == nullptr) return 0;
  std::unique_lock guard(demote_mu_, std::defer_lock);
  if (wait) {
    guard.lock();
  } else if (!guard.try_lock()) {
    return 0;
  }
  // Down to 95% of the budgets, so that the next writes do not demote again at once.
  uint64_t budget = memory_budget();
  uint64_t target = budget - budget / 20;
  int64_t hot_target =
      static_cast<int64_t>(tier_options_.hot_max_bytes - tier_options_.hot_max_bytes / 20);
  auto excess = [&]() -> uint64_t {
    uint64_t over = 0;
    if (budget != 0 && memory_bytes() > target) over = memory_bytes() - target;
    if (tier_options_.hot_max_bytes != 0) {
      int64_t hot = hot_bytes_.load(std::memory_order_relaxed);
      if (hot > hot_target) over = std::max(over, static_cast<uint64_t>(hot - hot_target));
    }
    return over;
  };
  uint64_t freed = 0;
  uint16_t now = HeatMinute();
  uint8_t cutoff = excess() > 0 ? DemotionCutoff(now) : 0;
  // Rounds over the slots while they free memory. A round that frees nothing under the sampled
  // cutoff is followed by one without it; one that frees nothing without it means what is left
  // is cold (keys and pointers alone exceed the budget), and the writer goes on.
  for (uint64_t round_start = 0; excess() > 0;) {
    round_start = freed;
    for (uint32_t visited = 0; visited < kSlotCount && excess() > 0;) {
      Slot* s = slots_[demote_slot_].get();
      bool slot_done = true;
      if (s != nullptr) slot_done = DemoteInSlot(*s, now, cutoff, excess(), &freed);
      if (slot_done) {
        demote_slot_ = (demote_slot_ + 1) % kSlotCount;
        demote_resume_set_ = false;
        ++visited;
      }
    }
    if (freed == round_start) {
      if (cutoff == 255) break;
      cutoff = 255;
    }
  }
  uint64_t retry_at = 0;
  if (excess() > 0) retry_at = memory_bytes() + std::max<uint64_t>(budget / 64, 1 << 20);
  demote_retry_at_.store(retry_at, std::memory_order_relaxed);
  return freed;
}

uint8_t SpacetimeTable::DemotionCutoff(uint16_t now_minute) {
  // Up to kPerSlot records from each slot in turn, from where demotion resumes, so that the
  // sample spreads over the keyspace however few keys each slot holds.
  constexpr size_t kSample = 256;
  constexpr size_t kPerSlot = 8;
  std::vector<uint8_t> heats;
  heats.reserve(kSample);
  for (uint32_t i = 0; i < kSlotCount && heats.size() < kSample; ++i) {
    Slot* s = slots_[(demote_slot_ + i) % kSlotCount].get();
    if (s == nullptr) continue;
    std::shared_lock lock(s->mu);
    size_t taken = 0;
    for (auto it = s->map.begin(); it != s->map.end() && taken < kPerSlot; ++it) {
      const TableRecord& r = *it->record;
      if (r.tier == static_cast<uint8_t>(Tier::kCold)) continue;
      heats.push_back(tiers::DecayedHeat(r, now_minute, tier_options_.heat_decay_minutes));
      ++taken;
    }
  }
  if (heats.empty()) return 255;
  auto quartile = heats.begin() + static_cast<std::ptrdiff_t>(heats.size() / 4);
  std::nth_element(heats.begin(), quartile, heats.end());
  return *quartile;
}

bool SpacetimeTable::DemoteInSlot(Slot& s, uint16_t now_minute, uint8_t cutoff, uint64_t want,
                                  uint64_t* freed) {
  constexpr size_t kWindow = 64;
  std::unique_lock lock(s.mu);
  if (s.sealed) return true;
  if (s.tier_keys[0] + s.tier_keys[1] == 0) return true;  // all cold already
  auto it = s.map.begin();
  if (demote_resume_set_) {
    auto resume = s.map.find(std::string_view(demote_resume_key_));
    if (resume != s.map.end()) it = resume;
  }
  // The window: up to kWindow records in set order (effectively a random sample of the
  // slot), of which those at most as hot as the cutoff are demoted, coldest first (sampled LFU,
  // as Redis samples keys for eviction).
  struct Candidate {
    TableRecord* record;
    const RecordRef* ref;
    uint8_t heat;
  };
  std::vector<Candidate> window;
  window.reserve(kWindow);
  size_t examined = 0;
  for (; it != s.map.end() && examined < kWindow; ++it, ++examined) {
    TableRecord& r = *it->record;
    if (r.tier == static_cast<uint8_t>(Tier::kCold)) continue;
    uint8_t heat = tiers::DecayedHeat(r, now_minute, tier_options_.heat_decay_minutes);
    if (heat <= cutoff) window.push_back({&r, &*it, heat});
  }
  bool done = it == s.map.end();
  demote_resume_set_ = !done;
  if (!done) demote_resume_key_.assign(it->record->key());
  if (window.empty()) return done;
  std::sort(window.begin(), window.end(),
            [](const Candidate& a, const Candidate& b) { return a.heat < b.heat; });

  // Replaces c's record by one with `payload` in `tier`, keeping its metadata.
  auto replace = [&](const Candidate& c, std::string_view payload, Tier tier) {
    TableRecord& old = *c.record;
    int64_t before = Track(s, old, -1);
    c.ref->record = TableRecord::Rebuild(old, payload, static_cast<uint8_t>(tier));
    int64_t after = Track(s, *c.ref->record, +1);
    AddMemory(after - before);
    if (before > after) *freed += static_cast<uint64_t>(before - after);
  };

  int64_t warm_bytes = 0;
  if (tier_options_.warm_max_bytes != 0) warm_bytes = warm_bytes_.load(std::memory_order_relaxed);
  std::vector<std::string> cold_values;
  std::vector<const Candidate*> to_cold;
  std::string value;
  std::string payload;
  uint64_t before_freed = *freed;
  uint8_t hottest_taken = 0;
  for (const Candidate& c : window) {
    if (*freed - before_freed >= want) break;
    hottest_taken = std::max(hottest_taken, c.heat);
    Status read = ReadValue(*c.record, &value);
    if (!read.ok()) {
      log::Error("shard ", shard_id_, ": cannot demote a record: ", read.ToString());
      continue;
    }
    bool room_warm = tier_options_.warm_max_bytes == 0 ||
                     warm_bytes < static_cast<int64_t>(tier_options_.warm_max_bytes);
    if (c.record->tier == static_cast<uint8_t>(Tier::kHot) && room_warm &&
        value.size() >= tier_options_.compress_min_bytes && tiers::CompressWarm(value, &payload)) {
      replace(c, payload, Tier::kWarm);
      warm_bytes += static_cast<int64_t>(payload.size());
      ++s.demoted_to_warm;
      continue;
    }
    cold_values.push_back(value);
    to_cold.push_back(&c);
  }
  victim_heat_.Add(hottest_taken);
  if (!to_cold.empty()) {
    std::vector<std::pair<std::string_view, std::string_view>> batch;
    for (size_t i = 0; i < to_cold.size(); ++i) {
      batch.emplace_back(to_cold[i]->record->key(), cold_values[i]);
    }
    std::vector<ValuePointer> where;
    Status appended = values_->AppendBatch(batch, &where);
    if (!appended.ok()) {
      // Nothing is lost: the records stay in memory, over the budget, and the error is loud.
      log::Error("shard ", shard_id_, ": cannot demote ", to_cold.size(),
                 " values to the value log: ", appended.ToString());
      return true;
    }
    for (size_t i = 0; i < to_cold.size(); ++i) {
      replace(*to_cold[i],
              tiers::EncodeColdPayload(where[i], static_cast<uint32_t>(cold_values[i].size())),
              Tier::kCold);
      ++s.demoted_to_cold;
    }
  }
  return done;
}

Status SpacetimeTable::CompactColdSome(double min_dead_ratio, size_t max_files,
                                       size_t* files_removed) {
  *files_removed = 0;
  if (values_ == nullptr) return Status::OK();
  // One compaction at a time; demotion goes on meanwhile (it only makes hot and warm records
  // cold, and every pointer swap below checks the record still points at the old copy), so
  // writers over the budget never wait for a compaction.
  std::lock_guard guard(compact_mu_);
  // Live values are moved in batches of about this many bytes: appended to the active file,
  // then each pointer is swapped under its slot's lock if the record still points at the old
  // copy (else the new copy is garbage at once).
  constexpr size_t kBatchBytes = 1 << 20;
  struct Live {
    std::string key;
    std::string value;
    ValuePointer from;
  };
  std::vector<Live> batch;
  size_t batch_bytes = 0;
  auto move_batch = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    std::vector<std::pair<std::string_view, std::string_view>> records;
    for (const Live& l : batch) records.emplace_back(l.key, l.value);
    std::vector<ValuePointer> to;
    Status appended = values_->AppendBatch(records, &to);
    if (!appended.ok()) return appended;
    for (size_t i = 0; i < batch.size(); ++i) {
      Slot& s = *slots_[SlotOfKey(batch[i].key)];
      std::unique_lock lock(s.mu);
      auto it = s.map.find(std::string_view(batch[i].key));
      bool current = !s.sealed && it != s.map.end() &&
                     it->record->tier == static_cast<uint8_t>(Tier::kCold) &&
                     tiers::DecodeColdPointer(it->record->payload()) == batch[i].from;
      if (!current) {
        values_->MarkDead(to[i]);
        continue;
      }
      // Same payload size: the pointer is rewritten in place; the version and the cache entry
      // (keyed by version) stay valid.
      std::string payload = tiers::EncodeColdPayload(to[i], tiers::ValueSize(*it->record));
      it->record->SetPayloadInPlace(payload);
    }
    batch.clear();
    batch_bytes = 0;
    return Status::OK();
  };
  for (uint32_t file_id : values_->CompactionCandidates(min_dead_ratio)) {
    if (*files_removed >= max_files) break;
    Status s = values_->ForEachRecord(
        file_id, [&](std::string_view key, std::string_view value, const ValuePointer& where) {
          uint32_t slot = SlotOfKey(key);
          if (!Owns(slot)) return Status::OK();
          {
            Slot& sl = *slots_[slot];
            std::shared_lock lock(sl.mu);
            auto it = sl.map.find(key);
            if (it == sl.map.end() || it->record->tier != static_cast<uint8_t>(Tier::kCold) ||
                !(tiers::DecodeColdPointer(it->record->payload()) == where)) {
              return Status::OK();  // overwritten, deleted or promoted: garbage
            }
          }
          batch.push_back(Live{std::string(key), std::string(value), where});
          batch_bytes += key.size() + value.size();
          return batch_bytes >= kBatchBytes ? move_batch() : Status::OK();
        });
    if (s.ok()) s = move_batch();
    if (!s.ok()) return s;
    s = values_->RemoveFile(file_id);
    if (!s.ok()) return s;
    ++*files_removed;
  }
  return Status::OK();
}

}  // namespace warp
