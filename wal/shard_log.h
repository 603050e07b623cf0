// ShardLog: one spacetime shard's write-ahead log as the engine uses it: thread-safe appends
// that assign the shard's LSNs, group commit, and the durability waits of DESIGN.md section 4.
//
// Appends (AppendPut/AppendDelete/AppendExpire) are called by client threads inside the table's
// slot critical section. Under one short mutex they take the next LSN and write the encoded record
// into the current segment (wal/file.h NewLogFile): a memory copy into a preallocated, mapped
// segment under `everysec` and `no` (no system call per append), a pwrite into zero-filled space
// under `always` (so that the many fsyncs flush data only). When the call returns the record is in
// the OS page cache, so it survives kill -9 of the process. The WAL order of the shard is its LSN
// order.
//
// Durability is group commit. SyncNow() fsyncs everything appended so far with one fdatasync
// and advances durable_lsn(); it runs on the shard's WAL writer actor (once a second under
// `everysec`, on request under `always`), never under the append mutex, so appends continue
// while a sync is in flight and the next sync covers all of them. A writer that must wait
// (AwaitDurable under `always`; OnDurable and DurableFuture for callers that do not block)
// raises a sync request; the first request since the last sync calls the handler the actor
// installed (one message per group, not per write). A finished sync wakes exactly the waiters it
// covers and runs the callbacks it covers. Without a handler (before the actor starts, after it
// stops) the waiter syncs on its own thread.
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
#include "wal/wal_format.h"
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

  // Assign the next LSN to a put, delete or expire record and write it to the OS. On error
  // nothing is assigned and the caller must not apply the write. expire_at_ms: Unix ms, 0 = none
  // (a put) or persist (an expire record).
  Status AppendPut(std::string_view key, std::string_view value, uint64_t* lsn) {
    return AppendPut(key, value, 0, lsn);
  }
  Status AppendPut(std::string_view key, std::string_view value, int64_t expire_at_ms,
                   uint64_t* lsn);
  Status AppendDelete(std::string_view key, uint64_t* lsn);
  Status AppendExpire(std::string_view key, int64_t expire_at_ms, uint64_t* lsn);

  // Runs fn(last_lsn) while no LSN can be assigned: a consistent cut for snapshots.
  void WithAppendsPaused(const std::function<void(uint64_t last_lsn)>& fn);

  // Blocks until the record with `lsn` is fsynced (OK) or the log failed (its sticky error).
  Status AwaitDurable(uint64_t lsn);
  // The same without blocking: calls done(OK) once `lsn` is durable, on the thread that made it
  // so (the WAL writer actor's sync, a rotation, another waiter's sync), or at once on this
  // thread if it already is (lsn 0 always is). done(error) with the sticky error if the log
  // failed first (at once if it already had). Raises a sync request as AwaitDurable does, or
  // syncs on this thread when no handler is installed. After Close(), and for a callback still
  // pending when Close() ends (an LSN that was never appended), done(Unavailable). Each done
  // runs exactly once, never while the log holds a lock of its own and, while a sync handler is
  // installed, never on a thread that is appending (which may hold a table slot lock); it must
  // still be short (the syncing thread runs the next group's sync after it) and must not write
  // to the log: post to your own loop.
  void OnDurable(uint64_t lsn, std::function<void(Status)> done);
  // OnDurable as a future.
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

  Status Append(wal::RecordType type, std::string_view key, std::string_view value,
                int64_t expire_at_ms, uint64_t* lsn);
  // REQUIRES (both): mu_ held.
  Status AppendLocked(wal::RecordType type, std::string_view key, std::string_view value,
                      int64_t expire_at_ms, uint64_t* lsn);
  Status RotateLocked();
  Status SyncOnce();  // SyncNow without running the callbacks it completes
  void RequestSync();
  // Records the sticky error, wakes every waiter and readies every callback with the error.
  void Fail(const Status& error);
  // Advances durable_lsn_, wakes the waiters it covers and readies the callbacks it covers.
  void MarkDurable(uint64_t lsn);
  // Runs the callbacks readied so far. Called by every public method that may ready some,
  // after it released its locks, so that no callback runs under a lock of the log.
  void RunReady();
  // After an append: has the next sync run the callbacks its rotation or failure readied.
  void HandOffReady();

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
  // only those it covers) and callbacks (OnDurable, DurableFuture).
  struct Waiter {
    uint64_t lsn = 0;
    bool woken = false;
    std::condition_variable cv;
  };
  using DurableCallback = std::function<void(Status)>;
  void WakeLocked(bool all);  // REQUIRES: wait_mu_ held
  // Moves the pending callbacks with an LSN <= `through` to ready_ with `status`.
  void ReadyLocked(uint64_t through, const Status& status);  // REQUIRES: wait_mu_ held
  std::mutex wait_mu_;
  std::vector<Waiter*> waiters_;
  std::vector<std::pair<uint64_t, DurableCallback>> callbacks_;  // pending, by LSN
  std::vector<std::pair<DurableCallback, Status>> ready_;        // completed, not yet run
  std::atomic<bool> has_ready_{false};  // ready_ is not empty (checked without the lock)
  bool callbacks_closed_ = false;       // Close() completed every callback; later ones at once
  std::function<void()> on_sync_request_;
  uint64_t handler_token_ = 0;  // counts SetSyncRequestHandler calls
  std::atomic<uint64_t> durable_lsn_{0};
  std::atomic<bool> sync_requested_{false};
};

}  // namespace warp
