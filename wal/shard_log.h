// ShardLog: one spacetime shard's write-ahead log as the engine uses it: thread-safe appends
// that assign the shard's LSNs, group commit, and the durability waits of DESIGN.md section 4.
//
// Appends (AppendPut/AppendDelete) are called by client threads inside the table's slot critical
// section. Under one short mutex they take the next LSN and write the encoded record into the
// current segment (wal/file.h NewLogFile): a memory copy into a preallocated, mapped segment
// under `everysec` and `no` (no system call per append), a pwrite into zero-filled space under
// `always` (so that the many fsyncs flush data only). When the call returns the record is in the
// OS page cache, so it survives kill -9 of the process. The WAL order of the shard is its LSN
// order.
//
// Durability is group commit. SyncNow() fsyncs everything appended so far with one fdatasync
// and advances durable_lsn(); it runs on the shard's WAL writer actor (once a second under
// `everysec`, on request under `always`), never under the append mutex, so appends continue
// while a sync is in flight and the next sync covers all of them. A writer that must wait
// (AwaitDurable under `always`, DurableFuture for async puts) raises a sync request; the first
// request since the last sync calls the handler the actor installed (one message per group, not
// per write). A finished sync wakes exactly the waiters it covers. Without a handler (before the
// actor starts, after it stops) the waiter syncs on its own thread.
//
// Errors are sticky (leveldb's rule): once a write or fsync failed, every later append and every
// waiter gets the same IOError, "wal shard 3: fsync of D/wal/...log failed: ...; the shard
// refuses writes". error() reports it for health.
//
// Segments rotate at segment_bytes (ShouldRotate is checked after each append). Rotation syncs
// the full segment, so every segment but the newest is durable (a power loss can only tear the
// newest). It waits for an in-flight SyncNow to finish (the sync mutex), which is the only time an
// append waits for an fsync.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wal/file.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp {

class WalWriter;

struct ShardLogOptions {
  FsyncPolicy fsync = FsyncPolicy::kEverySec;
  uint64_t segment_bytes = 64ull << 20;
  uint64_t compress_min_bytes = 4096;
};

struct ShardLogStats {
  uint64_t last_lsn = 0;     // newest LSN appended
  uint64_t durable_lsn = 0;  // every record up to here is fsynced
  uint64_t records = 0;      // records appended since Open
  uint64_t bytes = 0;        // bytes appended since Open (headers included)
  uint64_t syncs = 0;        // fdatasync calls that covered new records
  uint64_t rotations = 0;    // segments closed since Open
  std::string segment;       // path of the segment being written
};

class ShardLog {
 public:
  // Starts a new segment in `dir` whose first record will have LSN `next_lsn` (recovery passes
  // its last LSN + 1). REQUIRES: fs outlives the log; next_lsn >= 1.
  static Status Open(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t next_lsn,
                     const ShardLogOptions& options, std::unique_ptr<ShardLog>* log);
  // Abandons the current segment without syncing (as a crash would); call Close() first.
  ~ShardLog();
  ShardLog(const ShardLog&) = delete;
  ShardLog& operator=(const ShardLog&) = delete;

  // Assign the next LSN to a put or delete and write its record to the OS. On error nothing is
  // assigned and the caller must not apply the write.
  Status AppendPut(std::string_view key, std::string_view value, uint64_t* lsn);
  Status AppendDelete(std::string_view key, uint64_t* lsn);

  // Runs fn(last_lsn) while no LSN can be assigned: a consistent cut for snapshots.
  void WithAppendsPaused(const std::function<void(uint64_t last_lsn)>& fn);

  // Blocks until the record with `lsn` is fsynced (OK) or the log failed (its sticky error).
  Status AwaitDurable(uint64_t lsn);
  // The same without blocking: the future completes when `lsn` is durable or the log failed.
  std::future<Status> DurableFuture(uint64_t lsn);
  // What a write under the configured policy waits for before it is acknowledged: `always`
  // AwaitDurable(lsn); `everysec` and `no` nothing more than the append.
  Status AwaitPolicy(uint64_t lsn) {
    return options_.fsync == FsyncPolicy::kAlways ? AwaitDurable(lsn) : Status::OK();
  }

  // Makes every record appended so far durable and completes the waiters it covers.
  Status SyncNow();
  // A waiter has asked for a sync since the last one started.
  bool sync_requested() const { return sync_requested_.load(std::memory_order_acquire); }
  // Records were appended after the last sync.
  bool HasUnsynced() const;
  // Called (from a writer's thread) when a waiter needs a sync and none is requested yet. The
  // handler must be cheap (send a message). Pass nullptr to make waiters sync on their own
  // (futures still pending are then synced at once). Returns a token for the call below.
  uint64_t SetSyncRequestHandler(std::function<void()> handler);
  // Removes the handler installed with `token`, unless another one replaced it since.
  void ClearSyncRequestHandler(uint64_t token);

  // Deletes segments whose records all have LSN <= lsn, except the `retain` newest of them,
  // and never the segment being written. *removed receives how many files were deleted.
  Status RemoveSegmentsThrough(uint64_t lsn, uint32_t retain, uint32_t* removed);

  // Syncs, closes the segment (cut to its length) and fails later appends with Unavailable.
  Status Close();

  uint64_t last_lsn() const { return last_lsn_.load(std::memory_order_acquire); }
  uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
  Status error() const;
  const std::string& dir() const { return dir_; }
  const ShardLogOptions& options() const { return options_; }
  ShardLogStats Stats() const;

 private:
  ShardLog(FileSystem* fs, std::string dir, uint32_t shard, const ShardLogOptions& options);

  Status Append(bool is_put, std::string_view key, std::string_view value, uint64_t* lsn);
  Status RotateLocked();  // REQUIRES: mu_ held
  void RequestSync();
  void Fail(const Status& error);  // records the sticky error, wakes every waiter
  void MarkDurable(uint64_t lsn);  // advances durable_lsn_, wakes the waiters it covers

  FileSystem* const fs_;
  const std::string dir_;
  const uint32_t shard_;
  const ShardLogOptions options_;

  // Appends: LSN assignment and the writer.
  mutable std::mutex mu_;
  std::unique_ptr<WalWriter> writer_;
  bool closed_ = false;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t rotations_ = 0;
  std::atomic<uint64_t> last_lsn_{0};
  // The sticky error: set once by Fail (from under any other lock: error_mu_ is taken last and
  // nothing is locked inside it); failed_ is set right after it.
  mutable std::mutex error_mu_;
  Status error_;
  std::atomic<bool> failed_{false};

  // Serializes fsyncs with rotation (lock order: mu_ before sync_mu_).
  std::mutex sync_mu_;
  std::atomic<uint64_t> syncs_{0};
  uint64_t dir_synced_generation_ = 0;  // the newest segment whose directory entry is durable

  // Waiters for durability: blocked threads (each on its own condition variable, so a sync wakes
  // only those it covers) and futures.
  struct Waiter {
    uint64_t lsn = 0;
    bool woken = false;
    std::condition_variable cv;
  };
  void WakeLocked(bool all);  // REQUIRES: wait_mu_ held
  std::mutex wait_mu_;
  std::vector<Waiter*> waiters_;
  std::vector<std::pair<uint64_t, std::promise<Status>>> promises_;
  std::function<void()> on_sync_request_;
  uint64_t handler_token_ = 0;  // counts SetSyncRequestHandler calls
  std::atomic<uint64_t> durable_lsn_{0};
  std::atomic<bool> sync_requested_{false};
};

}  // namespace warp
