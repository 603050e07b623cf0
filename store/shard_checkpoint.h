// ShardCheckpointer: takes one spacetime shard's snapshots (checkpoints) and collects the WAL
// segments they make unnecessary.
//
// Checkpoint() takes a consistent cut of the table at its current LSN S without stopping
// writes (SpacetimeTable::BeginCut: copy-on-write per slot), streams the slots into a snapshot
// file (store/snapshot.h) that holds exactly the writes with LSN <= S, makes it durable, keeps
// the newest kKeepSnapshots snapshots, then deletes the WAL segments wholly at or below S except
// the newest wal.retain_segments of them. A shard with no write since its last snapshot is not
// snapshotted again. Due() says whether a snapshot.* trigger has fired.
//
// Thread-safety: every method may be called from any thread; checkpoints of one shard are
// serialized (a second caller waits for the first).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "store/snapshot.h"
#include "store/spacetime_table.h"
#include "wal/file.h"
#include "wal/shard_log.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp {

struct CheckpointStats {
  uint64_t snapshot_lsn = 0;  // LSN of the newest snapshot (0 if none)
  uint64_t snapshot_keys = 0;
  uint64_t snapshot_bytes = 0;    // file size
  std::string snapshot_created;   // UTC, ISO-8601
  uint32_t taken = 0;             // snapshots taken since Open
  uint32_t segments_removed = 0;  // WAL segments deleted since Open
  uint64_t last_duration_ms = 0;
  std::string last_error;  // empty if the last attempt succeeded
};

class ShardCheckpointer {
 public:
  static constexpr size_t kKeepSnapshots = 2;
  // Keys recorded in a snapshot's hot set (its sidecar): the most read, for warming the event
  // horizon cache on the next open.
  static constexpr size_t kHotSetKeys = 10000;
  static constexpr std::chrono::seconds kRetryAfter{30};

  // `initial_lsn`/`initial` describe the snapshot recovery loaded (0/empty if none).
  ShardCheckpointer(FileSystem* fs, SpacetimeTable* table, ShardLog* log, std::string dir,
                    uint32_t retain_segments, uint64_t initial_lsn);

  // Takes a snapshot now (or does nothing if no write happened since the last one).
  Status Checkpoint();
  // Whether snapshot.after_writes or snapshot.interval_s has fired. After a failed snapshot
  // the triggers rest for kRetryAfter (a full disk should not be rewritten five times a second).
  bool Due(const SnapshotOptions& options) const;
  CheckpointStats Stats() const;

 private:
  using Clock = std::chrono::steady_clock;

  FileSystem* const fs_;
  SpacetimeTable* const table_;
  ShardLog* const log_;
  const std::string dir_;
  const uint32_t retain_segments_;

  std::mutex checkpoint_mu_;  // one checkpoint at a time
  mutable std::mutex mu_;     // guards the fields below
  CheckpointStats stats_;
  Clock::time_point last_at_;
  Clock::time_point retry_at_;  // after a failure, triggers wait until then
};

}  // namespace warp
