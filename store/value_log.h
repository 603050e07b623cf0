// ValueLog: the value log of one shard's cold tier (tiered storage). Values demoted out of memory
// are appended to a set of append-only files in spacetime/shard-NN/cold/; the table keeps each
// cold key with a ValuePointer (file, offset, size) in memory, as Bitcask keeps its keydir, and
// reads a value back with one pread of exactly its record. Format: store/value_log_format.h and
// docs/value_log_format.md.
//
// NOT A SOURCE OF TRUTH. Every value in the log is also in the shard's WAL and snapshots, from
// which recovery rebuilds the table in memory, and the pointers into the log live in memory
// only. So Open() deletes every value-log file left in the directory by a previous run and
// starts empty, a crash loses nothing that matters, and nothing is fsynced unless asked
// (ValueLogSync::kEachBatch, to bound the dirty pages a demotion leaves behind).
//
// Files. Records go to the active file, one write per batch. When a batch would take the active
// file past max_file_bytes and the file already holds a record, the file is sealed and a file
// with the next id (1, 2, 3, ... in each run) becomes active; so a batch larger than
// max_file_bytes makes one file of its own. A failed write or fsync seals the active file at
// its last good record (what the failed call wrote is never pointed to) and the next append
// starts a new file.
//
// Garbage. The table calls MarkDead when a value in the log stops being its key's value
// (overwritten, deleted, expired, promoted back to memory); each file counts its live and dead
// record bytes. Compaction is driven by the table, which alone knows liveness: it takes
// CompactionCandidates(), reads each file with ForEachRecord(), appends the records that are
// still current again (AppendBatch), repoints its keys, and calls RemoveFile().
//
// Lifetime: the FileSystem must outlive the log. Destroying the log closes its files and leaves
// them on disk (for `warp value-log dump`) until the next Open() of the directory.
//
// Thread-safety: every method may be called from any thread at any time. Appends are serialized
// (one writer at a time); Read, ForEachRecord, MarkDead, Stats and CompactionCandidates run
// concurrently with appends, rolling, removal and each other. Files are kept in a map of
// shared_ptr under a mutex, so a reader keeps its file alive (and counts itself as its reader);
// RemoveFile first takes the file out of the map (later reads of it get NotFound), then waits
// for the reads and visits already under way to finish before it closes and deletes the file.
//
// Errors: IOError (the file system refused; the message names the path, the offset where it
// matters and the OS error), NotFound (a pointer into, or the id of, a file that RemoveFile
// removed or that never existed), Corruption (a record that fails its checksum, holds another
// key than expected, or does not decode: "value log corruption in <path> at offset <n>: ..."),
// InvalidArgument (a caller's mistake: a record of 4 GiB or more, a pointer reaching past the
// end of its file, removing the active file).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/value_log_format.h"
#include "wal/file.h"
#include "warp/status.h"

namespace warp {

// When the value log fsyncs. Durability is never needed (see the file comment).
enum class ValueLogSync : uint8_t {
  kNever,      // never on its own; Sync() still works
  kEachBatch,  // every Append / AppendBatch ends with an fdatasync of the active file
};

struct ValueLogOptions {
  // The active file is sealed, and a new one started, before a batch that would take it past
  // this many bytes (unless it holds no record yet).
  uint64_t max_file_bytes = 64ull << 20;
  ValueLogSync sync = ValueLogSync::kNever;
};

struct ValueLogStats {
  uint64_t files = 0;            // files in the log now, the active one included
  uint64_t total_bytes = 0;      // their bytes: file headers and records
  uint64_t live_bytes = 0;       // record bytes not marked dead
  uint64_t dead_bytes = 0;       // record bytes marked dead and not yet reclaimed
  uint64_t appended_bytes = 0;   // record bytes appended since Open (failed writes excluded)
  uint64_t reclaimed_bytes = 0;  // file bytes deleted by RemoveFile since Open
  uint64_t files_compacted = 0;  // files deleted by RemoveFile since Open
};

// One file's accounting: bytes = file header + live_bytes + dead_bytes.
struct ValueLogFileStats {
  uint32_t file_id = 0;
  uint64_t bytes = 0;
  uint64_t live_bytes = 0;
  uint64_t dead_bytes = 0;
  bool active = false;  // the file appends go to (never a compaction candidate)
};

// Called once per record in file order; key and value are valid only during the call. A
// non-OK result stops the visit and is returned.
using ValueLogVisitor =
    std::function<Status(std::string_view key, std::string_view value, const ValuePointer& where)>;

class ValueLog {
 public:
  // ForEachRecord and ScanValueLogFile read a file in reads of this many bytes (more for a
  // record larger than that).
  static constexpr size_t kScanChunkBytes = 1 << 20;

  // Creates `dir` if missing, deletes every value-log file in it (names of the form
  // NNNNNNNN.vlog; other files are left alone) and returns an empty log for shard `shard_id`.
  // The first file is created by the first append. IOError if the directory cannot be created,
  // listed or cleared.
  static Status Open(FileSystem* fs, const std::string& dir, uint32_t shard_id,
                     const ValueLogOptions& options, std::unique_ptr<ValueLog>* log);
  ~ValueLog();
  ValueLog(const ValueLog&) = delete;
  ValueLog& operator=(const ValueLog&) = delete;

  // Appends one record and sets *where to it. Same as AppendBatch of one record.
  Status Append(std::string_view key, std::string_view value, ValuePointer* where);

  // Appends the records (key, value) with one write, all in the same file, and sets (*where)[i]
  // to records[i]; an empty batch writes nothing. On error nothing of the batch may be read:
  // *where is cleared. InvalidArgument (nothing written) if a record would be 4 GiB or more;
  // IOError if creating a file, the write or (kEachBatch) the fsync fails: the active file is
  // then sealed, and the bytes of a batch whose fsync failed count as dead.
  Status AppendBatch(const std::vector<std::pair<std::string_view, std::string_view>>& records,
                     std::vector<ValuePointer>* where);

  // Reads the record at `where` with one pread, checks its checksum and that its key is
  // `expected_key`, and sets *value to its value. NotFound if the file was removed;
  // InvalidArgument if the pointer reaches past the end of the file or is smaller than a
  // record; Corruption (naming file and offset) if the checksum fails, the record's size is
  // not the pointer's or it holds another key; IOError if the read fails. On any error *value
  // is empty: a value is returned only once checked.
  Status Read(const ValuePointer& where, std::string_view expected_key, std::string* value) const;

  // Counts the record at `where` as garbage in its file (its value was overwritten, deleted or
  // promoted back to memory). Ignored for a file already removed or a pointer past its file's
  // end. REQUIRES: called at most once per record (a second call is clamped, not detected).
  void MarkDead(const ValuePointer& where);

  // Sealed files (never the active one) whose dead bytes are at least `min_dead_ratio` of their
  // record bytes (a sealed file without records counts as all dead), most dead bytes first
  // (ties: lowest id first).
  std::vector<uint32_t> CompactionCandidates(double min_dead_ratio) const;

  // Visits every record of file `file_id`, in file order, reading the file sequentially in
  // chunks of kScanChunkBytes (not all at once) up to its end as of the call (records appended
  // to the active file during the visit are not visited). The header is checked first (magic,
  // checksum, version, this shard and this file id). NotFound if there is no such file;
  // Corruption naming file and offset at the first record that does not decode (the records
  // before it have been visited); IOError if a read fails. `visit` may call any method except
  // RemoveFile(file_id) (which would wait for this visit to end: a deadlock).
  Status ForEachRecord(uint32_t file_id, const ValueLogVisitor& visit) const;

  // Deletes sealed file `file_id`: at once for new reads (NotFound), after the reads and visits
  // already under way; counts its bytes as reclaimed once the file is deleted. NotFound if
  // there is no such file; InvalidArgument for the active file; IOError if the file system
  // cannot delete it (it is gone from the log all the same, and the next Open deletes it).
  Status RemoveFile(uint32_t file_id);

  ValueLogStats Stats() const;
  // Every file's accounting, in id order.
  std::vector<ValueLogFileStats> FileStats() const;

  // Makes every record appended so far durable (fdatasync of the active file and of every
  // sealed file written since its last sync). Only for callers that want the page cache
  // written back: nothing in WarpEngine needs the log durable. IOError if an fsync fails.
  Status Sync();

  const std::string& dir() const { return dir_; }
  uint32_t shard_id() const { return shard_id_; }

 private:
  struct File;
  class ReaderHold;
  using Batch = std::vector<std::pair<std::string_view, std::string_view>>;

  ValueLog(FileSystem* fs, std::string dir, uint32_t shard_id, const ValueLogOptions& options);
  // Under write_mu_: makes sure an active file can take `batch_bytes` more bytes.
  Status PrepareActive(uint64_t batch_bytes);
  // Under write_mu_, after PrepareActive: encodes and writes the batch to the active file.
  Status WriteBatch(const Batch& records, uint64_t batch_bytes, std::vector<ValuePointer>* where);
  Status StartFile();
  void SealActive();
  // The file `file_id` and its readable end, counted as read until a ReaderHold releases it;
  // NotFound if it is not in the log.
  Status FindFile(uint32_t file_id, std::shared_ptr<File>* file, uint64_t* end) const;
  // "value log of shard 3", the prefix of messages that name no file.
  std::string Where() const;

  FileSystem* const fs_;
  const std::string dir_;
  const uint32_t shard_id_;
  const ValueLogOptions options_;

  // Serializes appends, rolling and Sync; guards the members up to mu_.
  std::mutex write_mu_;
  std::shared_ptr<File> active_;  // null before the first append and after a failure
  std::unique_ptr<WritableFile> active_writer_;
  uint64_t active_end_ = 0;  // bytes written to the active file
  uint32_t next_file_id_ = 1;
  std::string buffer_;  // the encoded batch (reused)

  // Guards files_, every File's accounting and reader count, and the counters below. Never held
  // during I/O.
  mutable std::mutex mu_;
  mutable std::condition_variable readers_done_;  // a removed file's last reader is done
  std::map<uint32_t, std::shared_ptr<File>> files_;
  uint64_t appended_bytes_ = 0;
  uint64_t reclaimed_bytes_ = 0;
  uint64_t files_compacted_ = 0;
};

// Reads one value-log file sequentially, in chunks of ValueLog::kScanChunkBytes: checks the
// header and passes it to `on_header` (whose error stops the scan), then visits every record
// up to byte `end` (use file.Size() for a whole file). Corruption naming the file and offset at
// the first record that does not decode, after visiting the records before it; a record cut
// short by `end` (a torn tail) is Corruption too ("truncated record"). For ValueLog and the
// dump tool; no state, so it may run on several files at once.
Status ScanValueLogFile(const RandomAccessFile& file, uint64_t end,
                        const std::function<Status(const vlog::FileHeader&)>& on_header,
                        const ValueLogVisitor& visit);

}  // namespace warp
