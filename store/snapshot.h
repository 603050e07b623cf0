// Shard snapshots (checkpoints): every key of one shard's table as of one LSN, in one file, so
// recovery loads the newest snapshot and replays only the WAL records above its LSN.
// Format: store/snapshot_format.h and docs/snapshot_format.md; names: store/filename.h.
//
// SnapshotWriter streams entries into `snapshot-<lsn>.snap.tmp` in LZ4-compressed blocks of
// about 64 KiB and, in Finish(), seals the file with a footer, fsyncs it, renames it to its
// final name, fsyncs the directory and writes the human-readable sidecar `snapshot-<lsn>.json`
// (tmp + fsync + rename + fsync of the directory). A snapshot therefore either exists under its
// final name complete and durable, or not at all; a crash leaves at most a `.tmp` file, which
// readers ignore and PruneSnapshots() removes.
//
// ReadSnapshot verifies the whole file (every checksum, the footer's counts, every entry's
// framing) before it hands over a single entry: either every entry is visited, or none is and
// the result is a Corruption naming the file and byte offset, e.g.
//   "snapshot corruption in D/snapshots/snapshot-00000000000000000042.snap at offset 4133:
//    block checksum mismatch"
// (the offset is the start of the damaged header, block or footer, or of the field at fault).
// The caller then falls back to an older snapshot (and a longer WAL replay) or refuses to open.
//
// Errors: IOError (the file system refused: the message names the path and the OS error),
// NotFound (ReadSnapshot of a missing file), Corruption (above), InvalidArgument (a caller's
// mistake: entry too large, version above the snapshot LSN, writer already finished).
//
// Thread-safety: a SnapshotWriter is used by one thread at a time. The free functions keep no
// state; they may run concurrently on different files. PruneSnapshots must not run while a
// writer of the same directory is active (it deletes *.snap.tmp files).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/snapshot_format.h"
#include "wal/file.h"
#include "warp/status.h"

namespace warp {

struct SnapshotInfo {
  uint32_t shard = 0;
  uint64_t lsn = 0;            // the cut: the snapshot holds exactly the writes with LSN <= lsn
  uint64_t keys = 0;           // entries
  uint64_t logical_bytes = 0;  // sum of key and value sizes
  uint64_t file_bytes = 0;     // size of the .snap file
  uint32_t blocks = 0;
  std::string created;  // UTC ISO-8601 with milliseconds, "2026-11-24T10:00:00.123Z"
  std::string path;     // the .snap file
};

class SnapshotWriter {
 public:
  // Creates `dir` if missing and starts dir/snapshot-<lsn>.snap.tmp (replacing a leftover of
  // that name), with the header already written.
  // REQUIRES: fs outlives the writer. The caller adds exactly the table's state at `lsn`.
  static Status Create(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t lsn,
                       std::unique_ptr<SnapshotWriter>* writer);
  // If Finish() was not called or failed: closes and removes the tmp file (errors ignored).
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Buffers one entry (with its expiry, Unix ms, 0 = none: every block is written with the
  // expiry flag); writes a block once about 64 KiB are buffered. No allocation per entry (the
  // block buffer is reused). REQUIRES: each key added once. InvalidArgument (nothing added) if
  // version > the snapshot's lsn or key + value exceed 4 GiB; IOError if a block write fails.
  // Errors are sticky: every later call returns the first one. Entries are written as given:
  // one whose expiry has passed is kept (recovery decides; see store/shard_recovery.h).
  Status Add(std::string_view key, std::string_view value, uint64_t version,
             int64_t expire_at_ms = 0);

  // Writes the last block and the footer, fsyncs, renames the file to snapshot-<lsn>.snap,
  // fsyncs the directory, then writes snapshot-<lsn>.json the same way, and fills *info
  // (optional). On any error, it removes what it wrote (best effort; the final .snap is never
  // left behind by a failed Finish) and returns the error: the caller keeps its WAL and may
  // retry with a new writer. Call once.
  Status Finish(SnapshotInfo* info);

  // The shard's hot set, hottest first, recorded in the sidecar as "hot_set" (hex-encoded
  // keys) so that the next open can warm the event horizon cache (docs/tiered_storage.md).
  // Call before Finish.
  void SetHotSet(std::vector<std::string> keys) { hot_set_ = std::move(keys); }

  uint64_t entries() const { return entries_; }
  const std::string& tmp_path() const { return tmp_path_; }

 private:
  SnapshotWriter(FileSystem* fs, std::string dir, uint32_t shard, uint64_t lsn);
  Status WriteBlock();
  Status Append(std::string_view data);
  Status FinishFile();
  Status WriteSidecar(const SnapshotInfo& info);
  std::vector<std::string> hot_set_;
  std::string Where() const;  // "snapshot shard 3 lsn 42", the prefix of error messages
  Status Fail(const std::string& op, const std::string& path, const Status& cause);
  void RemoveLeftovers();

  FileSystem* fs_;
  std::string dir_;
  uint32_t shard_;
  uint64_t lsn_;
  uint64_t created_unix_ms_ = 0;
  std::string tmp_path_;
  std::string final_path_;
  std::unique_ptr<WritableFile> file_;
  std::string block_;  // raw entries of the block being filled (reused)
  std::string out_;    // block header + stored bytes being written (reused)
  uint32_t block_entries_ = 0;
  uint64_t entries_ = 0;
  uint64_t logical_bytes_ = 0;
  uint64_t file_bytes_ = 0;
  uint32_t blocks_ = 0;
  uint32_t file_crc_ = 0;  // crc32c of every byte written so far (for the sidecar)
  bool finished_ = false;
  bool renamed_ = false;          // the .snap exists under its final name
  bool sidecar_renamed_ = false;  // so does the sidecar
  Status error_;
};

// One entry as read: key, value, version and expiry (0 = none, also for every entry of a block
// written without the expiry flag).
using SnapshotEntry = snapshot::Entry;

// Called once per entry, in file order; key and value are valid only during the call. A
// non-OK result stops the visit and is returned.
using SnapshotVisitor = std::function<Status(const SnapshotEntry& entry)>;

// ReadSnapshot with this shard skips the shard check (tools reading a file of any shard).
inline constexpr uint32_t kAnyShard = UINT32_MAX;

// Reads and verifies `path` whole, then visits every entry (see the file comment). Also
// Corruption: a header of another shard (unless kAnyShard), a newer format version, a header
// LSN differing from the file name's (when the name is a snapshot name), a version above the
// snapshot's LSN. NotFound or IOError if the file cannot be read. *info (optional) is filled
// with what was read: on error at least path and file_bytes, plus shard, lsn and created once
// the header is intact and of a known version. No allocation per entry: key and value point
// into the file's buffer or into one decompression buffer reused for every block.
Status ReadSnapshot(FileSystem* fs, const std::string& path, uint32_t shard,
                    const SnapshotVisitor& visit, SnapshotInfo* info);

// The snapshot files of `dir`, newest (highest LSN) first; only lsn and path are filled (no
// file is read). Ignores *.tmp, sidecars and other names. A missing directory is empty (OK).
Status ListSnapshots(FileSystem* fs, const std::string& dir, std::vector<SnapshotInfo>* found);

// Deletes all but the newest `keep` snapshots (each file, then its sidecar), every sidecar
// without a kept snapshot, and every *.snap.tmp and *.json.tmp, then fsyncs the directory.
// Tries every deletion and returns the first error. A missing directory is OK.
Status PruneSnapshots(FileSystem* fs, const std::string& dir, size_t keep);

// The hot set recorded in the sidecar of snapshot `lsn` in `dir` (SnapshotWriter::SetHotSet):
// keys, hottest first; empty if the sidecar has none. NotFound without a sidecar; Corruption
// naming the file and the entry if it does not parse.
Status ReadSnapshotHotSet(FileSystem* fs, const std::string& dir, uint64_t lsn,
                          std::vector<std::string>* keys);

}  // namespace warp
