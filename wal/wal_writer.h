// WalWriter: appends records to one shard's write-ahead log (format: wal/wal_format.h).
//
// Add*() encode a record into an in-memory buffer (no system call). Flush() hands the whole
// buffer to the file in one Append (one write(2)): after it, the records survive a process
// crash. Sync() = Flush() + fdatasync: after it, they survive a power loss. The caller decides
// when to Flush and Sync (group commit, wal.fsync policy); the writer never syncs on its own
// except when rotating (below).
//
// Rotation: after a Flush, if the current segment holds at least segment_bytes, the writer
// syncs and closes it, syncs the directory, and starts a new segment named last_lsn + 1. A
// segment therefore always ends at a record boundary, and every segment but the last is durable
// before the next one exists (so a power loss can only tear the last segment). A caller that
// must coordinate rotation with syncs running on another thread turns automatic rotation off
// and calls ShouldRotate()/Rotate() itself (ShardLog does).
//
// Preallocation (WalWriterOptions::preallocate): segments are created with
// FileSystem::NewLogFile, which may leave room after the appended bytes (a mapped file reserved
// up front, or space zero-filled ahead of pwrite, per log_writes); a crashed segment then ends in
// zero bytes, which the reader treats as unused space.
//
// Errors are sticky (DESIGN.md section 4): once an Append or Sync has failed, every later call
// returns that same IOError, e.g. "wal shard 3: fsync of D/wal/00000000000000000001.log failed:
// ...; the shard refuses writes". Nothing is retried: after a failed fsync the page cache state
// is unknown.
//
// Thread-safety: not thread-safe; the caller (ShardLog, under its append mutex) serializes calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "wal/file.h"
#include "wal/wal_format.h"
#include "warp/status.h"

namespace warp {

struct WalWriterOptions {
  uint64_t segment_bytes = 64ull << 20;  // rotate at this size (> 0)
  uint64_t compress_min_bytes = 0;       // see SetCompressMinBytes
  bool preallocate = false;              // segments come from FileSystem::NewLogFile (above)
  // With preallocate: how segments are written (FileSystem::LogWrites).
  FileSystem::LogWrites log_writes = FileSystem::LogWrites::kMapped;
  // Whether Flush() rotates a full segment by itself, or leaves it to the caller
  // (ShouldRotate/Rotate).
  bool auto_rotate = true;
};

class WalWriter {
 public:
  // Creates `dir` if missing and starts a new segment `dir`/SegmentFileName(first_lsn) (an
  // existing file of that name is replaced: the caller passes the recovered last LSN + 1).
  // REQUIRES: fs outlives the writer; first_lsn >= 1; segment_bytes > 0.
  static Status Open(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t first_lsn,
                     uint64_t segment_bytes, std::unique_ptr<WalWriter>* writer);
  static Status Open(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t first_lsn,
                     const WalWriterOptions& options, std::unique_ptr<WalWriter>* writer);
  // Closes the segment without flushing: records still buffered are dropped, as in a crash.
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Values of at least `min_bytes` bytes are LZ4-compressed when that makes them smaller.
  // 0 (the default) = never compress.
  void SetCompressMinBytes(uint64_t min_bytes) { compress_min_bytes_ = min_bytes; }

  // Buffer one record. REQUIRES: lsn > last_lsn() (else InvalidArgument, nothing buffered);
  // key and value shorter than 4 GiB in total. A put with expire_at_ms != 0 carries it (the
  // expiry flag); an expire record sets an existing key's expiry (0 = persist).
  Status AddPut(uint64_t lsn, std::string_view key, std::string_view value,
                int64_t expire_at_ms = 0);
  Status AddDelete(uint64_t lsn, std::string_view key);
  Status AddExpire(uint64_t lsn, std::string_view key, int64_t expire_at_ms);
  // Buffers a record with an arbitrary type byte and a raw payload (batch markers, and tests
  // writing types this build does not know). Same LSN rule.
  Status AddRaw(uint8_t type, uint64_t lsn, std::string_view payload);

  // Writes the buffer with one Append, then rotates if the segment is full. OK if empty.
  Status Flush();
  // Flush() then fdatasync of the current segment.
  Status Sync();
  // Flush() then close the segment (no fsync). Later calls fail.
  Status Close();

  // The current segment holds at least segment_bytes.
  bool ShouldRotate() const { return file_ && segment_size_ >= segment_bytes_; }
  // Flushes, syncs and closes the current segment, syncs the directory, starts the next one.
  Status Rotate();
  // The current segment's file (shared, so that a sync elsewhere can outlive a rotation).
  std::shared_ptr<WritableFile> file() const { return file_; }
  // Counts the segments started by this writer (1 after Open).
  uint64_t segment_generation() const { return generation_; }

  // The sticky error (OK while healthy).
  const Status& status() const { return error_; }
  // LSN of the last record added (first_lsn - 1 before any).
  uint64_t last_lsn() const { return last_lsn_; }
  // Path of the segment being written.
  const std::string& segment_path() const { return path_; }
  // Bytes buffered and not yet flushed.
  size_t buffered_bytes() const { return buffer_.size(); }

 private:
  WalWriter(FileSystem* fs, std::string dir, uint32_t shard, uint64_t segment_bytes);

  Status StartSegment(uint64_t first_lsn);
  Status CheckLsn(uint64_t lsn) const;
  Status Fail(const char* op, const Status& cause);
  void EncodePutPayload(std::string_view key, std::string_view value, int64_t expire_at_ms,
                        uint8_t* flags);
  // Buffers a record of `type` whose payload is the length-prefixed key and, if with_expiry,
  // the expiry (delete, expire).
  Status AddKeyRecord(wal::RecordType type, uint64_t lsn, std::string_view key, bool with_expiry,
                      int64_t expire_at_ms);

  FileSystem* fs_;
  std::string dir_;
  uint32_t shard_;
  uint64_t segment_bytes_;
  uint64_t compress_min_bytes_ = 0;
  bool preallocate_ = false;
  FileSystem::LogWrites log_writes_ = FileSystem::LogWrites::kMapped;
  bool auto_rotate_ = true;
  uint64_t generation_ = 0;
  std::shared_ptr<WritableFile> file_;
  std::string path_;
  uint64_t segment_size_ = 0;  // bytes appended to the current segment
  uint64_t last_lsn_ = 0;
  bool dir_synced_ = false;  // the current segment's directory entry has been fsynced
  std::string buffer_;
  std::string scratch_;  // payload being encoded (reused)
  Status error_;
};

}  // namespace warp
