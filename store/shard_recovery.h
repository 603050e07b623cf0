// RecoverShard: rebuilds one spacetime shard's table from its data directory, DESIGN.md
// section 4: the newest valid snapshot, then every WAL record above the snapshot's LSN.
//
//  - Snapshots are tried newest first. One that fails verification is reported (notes) and the
//    next older is tried; the WAL must then reach back to that older snapshot.
//  - WAL replay follows the torn-tail rule of docs/wal_format.md. The bytes after the last good
//    record of the newest segment (a torn record, or the zero-filled preallocated space a crash
//    leaves) are cut off, and a torn record is reported (torn_tail, torn_file, torn_offset).
//  - Anything else is refused with the reader's Corruption naming file and offset, plus the
//    remedy: "...; run `warp repair --data DIR` to truncate the log there (damaged files are
//    saved aside)". So is a WAL that does not reach back to the snapshot ("missing segment").
//  - Expiry: entries are loaded and replayed whether or not their expiry has passed, and
//    once the whole log is applied, those whose expiry is at or before now (the table's
//    clock) are dropped (expired_dropped). Dropping them earlier would be wrong: an expire
//    record later in the log may give such a key a later expiry or make it persistent, and it
//    applies only to a key that is present. Active expiry removes keys unlogged, so a log
//    holds the record that set an expiry but nothing for its removal: replay yields the key,
//    expired, and this rule drops it again.
//  - When the snapshot is newer than the last WAL record (everysec after a power loss: the
//    snapshot was synced, the log tail was not), the old segments hold nothing the snapshot
//    lacks and are removed, so that the new segment continues the log without a gap.
//  - Long replays log progress about once a second: records, MiB, elapsed, ETA.
//
// On success the table holds the recovered state, its last LSN is set, and *report says what
// happened; the caller opens a ShardLog at report->last_lsn + 1.
// Thread-safety: one call per shard; calls for different shards may run in parallel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/spacetime_table.h"
#include "wal/file.h"
#include "warp/status.h"

namespace warp {

struct ShardRecoveryReport {
  uint32_t shard = 0;
  uint64_t snapshot_lsn = 0;  // 0 = no snapshot used
  uint64_t snapshot_keys = 0;
  std::string snapshot_file;
  uint64_t wal_records = 0;  // records above the snapshot applied
  uint64_t wal_bytes = 0;    // bytes of log read
  uint64_t last_lsn = 0;     // newest LSN recovered
  bool torn_tail = false;    // a torn record was cut off the end of the log
  std::string torn_file;
  uint64_t torn_offset = 0;
  uint64_t truncated_bytes = 0;   // bytes cut off the newest segment (torn or preallocated)
  uint32_t removed_segments = 0;  // old segments removed because the snapshot covers them
  uint64_t expired_dropped = 0;   // entries dropped because their expiry had passed
  uint64_t elapsed_ms = 0;
  std::vector<std::string> notes;  // one line per noteworthy event (bad snapshot, tear, ...)
};

// `data_dir` is the universe's directory (for messages naming `warp repair`); wal_dir and
// snapshot_dir the shard's folders. REQUIRES: `table` is empty and not shared yet.
Status RecoverShard(FileSystem* fs, const std::string& data_dir, const std::string& wal_dir,
                    const std::string& snapshot_dir, SpacetimeTable* table,
                    ShardRecoveryReport* report);

}  // namespace warp
