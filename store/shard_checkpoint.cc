#include "store/shard_checkpoint.h"

#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "common/log.h"
#include "store/slot_router.h"
#include "store/tiers.h"

namespace warp {

ShardCheckpointer::ShardCheckpointer(FileSystem* fs, SpacetimeTable* table, ShardLog* log,
                                     std::string dir, uint32_t retain_segments,
                                     uint64_t initial_lsn)
    : fs_(fs),
      table_(table),
      log_(log),
      dir_(std::move(dir)),
      retain_segments_(retain_segments),
      last_at_(Clock::now()) {
  stats_.snapshot_lsn = initial_lsn;
}

bool ShardCheckpointer::Due(const SnapshotOptions& options) const {
  uint64_t last_lsn = log_->last_lsn();
  std::lock_guard lock(mu_);
  if (last_lsn <= stats_.snapshot_lsn) return false;  // nothing new
  if (Clock::now() < retry_at_) return false;         // backing off after a failure
  // LSNs count writes: every put and every delete that removed a key takes one.
  if (options.after_writes > 0 && last_lsn - stats_.snapshot_lsn >= options.after_writes) {
    return true;
  }
  return options.interval_s > 0 &&
         Clock::now() - last_at_ >= std::chrono::seconds(options.interval_s);
}

Status ShardCheckpointer::Checkpoint() {
  std::lock_guard checkpoint_lock(checkpoint_mu_);
  Clock::time_point start = Clock::now();
  {
    std::lock_guard lock(mu_);
    if (log_->last_lsn() <= stats_.snapshot_lsn) {
      last_at_ = start;
      return Status::OK();
    }
  }
  uint64_t cut = table_->BeginCut();
  std::unique_ptr<SnapshotWriter> writer;
  Status s = SnapshotWriter::Create(fs_, dir_, table_->shard_id(), cut, &writer);
  std::vector<SpacetimeTable::CutEntry> entries;
  // The hot set: the kHotSetKeys entries read most (heat above a new key's), a min-heap.
  using Hot = std::pair<uint8_t, std::string>;
  std::priority_queue<Hot, std::vector<Hot>, std::greater<Hot>> hot;
  for (uint32_t slot = 0; s.ok() && slot < kSlotCount; ++slot) {
    if (!table_->Owns(slot)) continue;
    entries.clear();
    s = table_->CaptureSlot(slot, &entries);
    for (size_t i = 0; s.ok() && i < entries.size(); ++i) {
      const auto& entry = entries[i];
      s = writer->Add(entry.key, entry.value, entry.version, entry.expire_at_ms);
      if (entry.heat > tiers::kInitialHeat &&
          (hot.size() < kHotSetKeys || entry.heat > hot.top().first)) {
        hot.emplace(entry.heat, entry.key);
        if (hot.size() > kHotSetKeys) hot.pop();
      }
    }
  }
  table_->EndCut();
  std::vector<std::string> hot_set(hot.size());
  for (size_t i = hot.size(); i > 0; --i) {
    hot_set[i - 1] = hot.top().second;
    hot.pop();
  }
  if (writer) writer->SetHotSet(std::move(hot_set));
  SnapshotInfo info;
  if (s.ok()) s = writer->Finish(&info);
  writer.reset();  // an unfinished snapshot removes its temporary file
  uint32_t removed = 0;
  if (s.ok()) s = PruneSnapshots(fs_, dir_, kKeepSnapshots);
  if (s.ok()) s = log_->RemoveSegmentsThrough(cut, retain_segments_, &removed);

  std::lock_guard lock(mu_);
  stats_.last_duration_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
  last_at_ = Clock::now();
  if (s.IsUnavailable()) return s;  // the universe closed under the snapshot: nothing is wrong
  if (!s.ok()) {
    stats_.last_error = s.ToString();
    retry_at_ = last_at_ + kRetryAfter;
    log::Error("shard ", table_->shard_id(), ": snapshot at LSN ", cut, " failed: ", s.ToString());
    return s;
  }
  stats_.last_error.clear();
  stats_.snapshot_lsn = info.lsn;
  stats_.snapshot_keys = info.keys;
  stats_.snapshot_bytes = info.file_bytes;
  stats_.snapshot_created = info.created;
  ++stats_.taken;
  stats_.segments_removed += removed;
  log::Debug("shard ", table_->shard_id(), ": snapshot at LSN ", info.lsn, ": ", info.keys,
             " keys, ", info.file_bytes, " bytes in ", stats_.last_duration_ms, " ms; ", removed,
             " WAL segments removed");
  return Status::OK();
}

CheckpointStats ShardCheckpointer::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace warp
