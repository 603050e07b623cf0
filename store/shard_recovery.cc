#include "store/shard_recovery.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/log.h"
#include "store/snapshot.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace warp {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t MillisSince(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// Bytes of every segment in wal_dir (progress estimates only: errors count as 0).
uint64_t WalBytesOnDisk(FileSystem* fs, const std::string& wal_dir) {
  std::vector<std::pair<uint64_t, std::string>> segments;
  if (!ListWalSegments(fs, wal_dir, &segments).ok()) return 0;
  uint64_t total = 0;
  for (const auto& [first, name] : segments) {
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(JoinPath(wal_dir, name), ec);
    if (!ec) total += size;
  }
  return total;
}

// Loads the newest snapshot that verifies into `table`.
Status LoadNewestSnapshot(FileSystem* fs, const std::string& snapshot_dir, SpacetimeTable* table,
                          ShardRecoveryReport* report) {
  std::vector<SnapshotInfo> found;
  Status s = ListSnapshots(fs, snapshot_dir, &found);
  if (!s.ok()) return s;
  for (const SnapshotInfo& candidate : found) {
    SnapshotInfo info;
    s = ReadSnapshot(
        fs, candidate.path, table->shard_id(),
        [&](const SnapshotEntry& e) {
          return table->RecoverPut(e.key, e.value, e.version, e.expire_at_ms);
        },
        &info);
    if (s.ok()) {
      report->snapshot_lsn = info.lsn;
      report->snapshot_keys = info.keys;
      report->snapshot_file = candidate.path;
      return Status::OK();
    }
    // Only a damaged snapshot is skipped (an I/O error stops recovery), and it is renamed aside:
    // the LSNs after the older snapshot are about to be reused, so it must never be loaded again.
    if (!s.IsCorruption()) return s;
    table->Clear();
    std::string aside = candidate.path + ".rejected";
    Status renamed = fs->Rename(candidate.path, aside);
    if (!renamed.ok()) return renamed;
    std::string note = "snapshot " + candidate.path + " failed verification (" + s.ToString() +
                       "); renamed to " + aside + ", trying an older one";
    log::Warn("shard ", table->shard_id(), ": ", note);
    report->notes.push_back(std::move(note));
  }
  return Status::OK();  // none: replay the log from its beginning
}

}  // namespace

Status RecoverShard(FileSystem* fs, const std::string& data_dir, const std::string& wal_dir,
                    const std::string& snapshot_dir, SpacetimeTable* table,
                    ShardRecoveryReport* report) {
  Clock::time_point start = Clock::now();
  const uint32_t shard = table->shard_id();
  report->shard = shard;
  Status s = LoadNewestSnapshot(fs, snapshot_dir, table, report);
  if (!s.ok()) return s;
  const uint64_t base = report->snapshot_lsn;

  // Replay every record above the snapshot. The first one must be base + 1.
  uint64_t total_bytes = WalBytesOnDisk(fs, wal_dir);
  uint64_t expected = base + 1;
  bool gap = false;
  uint64_t gap_lsn = 0;
  Clock::time_point next_progress = start + std::chrono::seconds(1);
  uint64_t seen = 0;
  uint64_t seen_bytes = 0;  // approximate: record headers plus key and value sizes
  ReadSummary summary;
  s = ReadWal(
      fs, wal_dir, shard,
      [&](const WalRecord& record) {
        seen_bytes += wal::kRecordHeaderSize + 2 + record.key.size() + record.value.size();
        if ((++seen & 4095) == 0 && Clock::now() >= next_progress) {
          next_progress = Clock::now() + std::chrono::seconds(1);
          double elapsed = static_cast<double>(MillisSince(start)) / 1000.0;
          double fraction = total_bytes == 0 ? 1.0
                                             : std::min(1.0, static_cast<double>(seen_bytes) /
                                                                 static_cast<double>(total_bytes));
          double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
          log::Info("shard ", shard, ": replaying WAL: ", seen, " records, ", seen_bytes >> 20,
                    " of ", total_bytes >> 20, " MiB, ", static_cast<uint64_t>(elapsed),
                    " s elapsed, about ", static_cast<uint64_t>(eta + 0.5), " s to go");
        }
        if (record.lsn <= base) return Status::OK();  // the snapshot has it
        if (record.lsn != expected) {
          gap = true;
          gap_lsn = record.lsn;
          return Status::Corruption("stop");
        }
        ++expected;
        ++report->wal_records;
        switch (static_cast<wal::RecordType>(record.type)) {
          case wal::RecordType::kPut:
            return table->RecoverPut(record.key, record.value, record.lsn, record.expire_at_ms);
          case wal::RecordType::kDelete:
            return table->RecoverDelete(record.key);
          case wal::RecordType::kExpire:
            return table->RecoverExpire(record.key, record.expire_at_ms);
          default:
            return Status::OK();  // reserved types carry nothing to apply yet
        }
      },
      &summary);
  std::string repair = "; run `warp repair --data " + data_dir +
                       "` to truncate the log at the last good record (damaged files are saved "
                       "aside)";
  if (gap) {
    return Status::Corruption("shard " + std::to_string(shard) + ": the WAL in " + wal_dir +
                              " continues at LSN " + std::to_string(gap_lsn) +
                              " but the snapshot ends at LSN " + std::to_string(base) +
                              ": a segment is missing" + repair);
  }
  if (!s.ok()) {
    if (s.IsCorruption()) return Status::Corruption(s.message() + repair);
    return s;
  }
  report->wal_bytes = summary.bytes;
  report->last_lsn = std::max(base, summary.last_lsn);
  report->expired_dropped = table->RecoverDropExpired(table->NowUnixMillis());
  if (report->expired_dropped > 0) {
    log::Info("shard ", shard, ": dropped ", report->expired_dropped,
              " recovered keys whose expiry had passed");
  }

  // Cut what follows the last good record off the newest segment, then make the segment durable:
  // after a kill -9 its tail may still be only in the page cache, and the log about to start
  // counts everything recovered as durable. Segments before it were synced when they rotated.
  if (!summary.end_file.empty()) {
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(summary.end_file, ec);
    if (!ec && size > summary.end_offset) {
      s = fs->Truncate(summary.end_file, summary.end_offset);
      if (!s.ok()) return s;
      report->truncated_bytes = size - summary.end_offset;
    }
    s = fs->SyncFile(summary.end_file);
    if (!s.ok()) return s;
  }
  if (summary.torn_tail) {
    report->torn_tail = true;
    report->torn_file = summary.torn_file;
    report->torn_offset = summary.torn_offset;
    std::string note = "torn WAL tail truncated: " + summary.torn_file + " at offset " +
                       std::to_string(summary.torn_offset) +
                       " (a record whose write was interrupted, so never acknowledged)";
    log::Warn("shard ", shard, ": ", note);
    report->notes.push_back(std::move(note));
  }

  // The snapshot may be ahead of the log (its sync happened, the log's did not): the old
  // segments then hold nothing new, and the next segment (base + 1) must not follow a gap.
  if (base > summary.last_lsn && summary.segments > 0) {
    std::vector<std::pair<uint64_t, std::string>> segments;
    s = ListWalSegments(fs, wal_dir, &segments);
    if (!s.ok()) return s;
    for (const auto& [first, name] : segments) {
      s = fs->RemoveFile(JoinPath(wal_dir, name));
      if (!s.ok()) return s;
      ++report->removed_segments;
    }
    s = fs->SyncDir(wal_dir);
    if (!s.ok()) return s;
    report->notes.push_back("the snapshot at LSN " + std::to_string(base) +
                            " is newer than the log (last LSN " + std::to_string(summary.last_lsn) +
                            "); removed " + std::to_string(report->removed_segments) +
                            " old segments");
  }
  table->RecoverLastLsn(report->last_lsn);
  report->elapsed_ms = MillisSince(start);
  return Status::OK();
}

}  // namespace warp
