#include "wal/shard_log.h"

#include <algorithm>

#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace warp {

ShardLog::ShardLog(FileSystem* fs, std::string dir, uint32_t shard, const ShardLogOptions& options)
    : fs_(fs), dir_(std::move(dir)), shard_(shard), options_(options) {}

ShardLog::~ShardLog() = default;

Status ShardLog::Open(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t next_lsn,
                      const ShardLogOptions& options, std::unique_ptr<ShardLog>* log) {
  std::unique_ptr<ShardLog> l(new ShardLog(fs, dir, shard, options));
  WalWriterOptions writer_options;
  writer_options.segment_bytes = options.segment_bytes;
  writer_options.compress_min_bytes = options.compress_min_bytes;
  writer_options.preallocate = true;
  // Frequent syncs (always) are cheapest on zero-filled space written with pwrite; rare ones on
  // a mapped file, where an append is a memory copy.
  writer_options.log_writes = options.fsync == FsyncPolicy::kAlways
                                  ? FileSystem::LogWrites::kZeroFilledAhead
                                  : FileSystem::LogWrites::kMapped;
  writer_options.auto_rotate = false;  // RotateLocked coordinates with SyncNow
  Status s = WalWriter::Open(fs, dir, shard, next_lsn, writer_options, &l->writer_);
  if (!s.ok()) return s;
  l->last_lsn_.store(next_lsn - 1);
  l->durable_lsn_.store(next_lsn - 1);  // everything before was recovered from durable files
  *log = std::move(l);
  return Status::OK();
}

Status ShardLog::AppendPut(std::string_view key, std::string_view value, int64_t expire_at_ms,
                           uint64_t* lsn) {
  return Append(wal::RecordType::kPut, key, value, expire_at_ms, lsn);
}

Status ShardLog::AppendDelete(std::string_view key, uint64_t* lsn) {
  return Append(wal::RecordType::kDelete, key, {}, 0, lsn);
}

Status ShardLog::AppendExpire(std::string_view key, int64_t expire_at_ms, uint64_t* lsn) {
  return Append(wal::RecordType::kExpire, key, {}, expire_at_ms, lsn);
}

Status ShardLog::Append(wal::RecordType type, std::string_view key, std::string_view value,
                        int64_t expire_at_ms, uint64_t* lsn) {
  Status s;
  {
    std::lock_guard lock(mu_);
    s = AppendLocked(type, key, value, expire_at_ms, lsn);
  }
  if (has_ready_.load(std::memory_order_acquire)) HandOffReady();
  return s;
}

// A rotation or a failure completed callbacks during an append. The appending thread holds a
// table slot lock, so they do not run here but in the next sync, which the WAL writer actor runs
// on this request. Without an actor (before it starts, while it restarts) nobody else would run
// them, and this thread does, as AwaitDurable syncs on its own thread then.
void ShardLog::HandOffReady() {
  bool has_handler = false;
  {
    std::lock_guard lock(wait_mu_);
    has_handler = static_cast<bool>(on_sync_request_);
  }
  if (has_handler) {
    RequestSync();  // a handler removed meanwhile runs them (SetSyncRequestHandler syncs)
  } else {
    RunReady();
  }
}

Status ShardLog::AppendLocked(wal::RecordType type, std::string_view key, std::string_view value,
                              int64_t expire_at_ms, uint64_t* lsn) {
  if (failed_.load(std::memory_order_acquire)) return error();
  if (closed_) return Status::Unavailable("the universe is closed");
  uint64_t next = writer_->last_lsn() + 1;
  Status s;
  switch (type) {
    case wal::RecordType::kPut:
      s = writer_->AddPut(next, key, value, expire_at_ms);
      break;
    case wal::RecordType::kExpire:
      s = writer_->AddExpire(next, key, expire_at_ms);
      break;
    default:
      s = writer_->AddDelete(next, key);
      break;
  }
  if (!s.ok()) return s;  // a record too large to encode: not a log failure
  bytes_ += writer_->buffered_bytes();
  s = writer_->Flush();
  if (!s.ok()) {
    Fail(s);
    return error();
  }
  ++records_;
  last_lsn_.store(next, std::memory_order_release);
  *lsn = next;
  // The record is written; a failed rotation fails the writes after it, not this one.
  if (writer_->ShouldRotate()) (void)RotateLocked();  // a failure is recorded by Fail
  return Status::OK();
}

Status ShardLog::RotateLocked() {
  std::lock_guard sync_lock(sync_mu_);
  uint64_t covered = writer_->last_lsn();
  Status s = writer_->Rotate();  // syncs the full segment and the directory
  if (!s.ok()) {
    Fail(s);
    return error();
  }
  ++rotations_;
  MarkDurable(covered);
  return Status::OK();
}

void ShardLog::WithAppendsPaused(const std::function<void(uint64_t last_lsn)>& fn) {
  std::lock_guard lock(mu_);
  fn(writer_->last_lsn());
}

bool ShardLog::HasUnsynced() const { return last_lsn() > durable_lsn(); }

Status ShardLog::SyncNow() {
  Status s = SyncOnce();
  RunReady();
  return s;
}

Status ShardLog::SyncOnce() {
  sync_requested_.store(false, std::memory_order_release);
  std::shared_ptr<WritableFile> file;
  uint64_t target = 0;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (failed_.load(std::memory_order_acquire)) return error();
    target = writer_->last_lsn();
    file = writer_->file();
    generation = writer_->segment_generation();
  }
  if (target > durable_lsn() && file != nullptr) {
    Status s;
    {
      std::lock_guard sync_lock(sync_mu_);
      // A failure since the capture (a failed rotation, or another thread's failed fsync) is
      // final: a second fsync of the same file may well "succeed" after the kernel dropped the
      // dirty pages, and must not make anything durable.
      if (failed_.load(std::memory_order_acquire)) return error();  // error_mu_ is a leaf lock
      // A rotation since the capture synced that segment already, records up to target included.
      // Otherwise no rotation can happen while sync_mu_ is held, so every record appended by now
      // is in this segment: the sync covers them too (bigger groups), unless an fsync that ran
      // while this one waited for the mutex covered them already.
      if (writer_->segment_generation() == generation) {
        target = std::max(target, last_lsn_.load(std::memory_order_acquire));
      }
      if (writer_->segment_generation() == generation && target > durable_lsn()) {
        s = file->Sync();
        if (!s.ok()) {
          s = Status::IOError("wal shard " + std::to_string(shard_) + ": fsync of " + file->path() +
                              " failed: " + s.message() + "; the shard refuses writes");
        } else if (dir_synced_generation_ < generation) {
          // The segment's directory entry must be durable too.
          s = fs_->SyncDir(dir_);
          if (s.ok()) {
            dir_synced_generation_ = generation;
          } else {
            s = Status::IOError("wal shard " + std::to_string(shard_) + ": fsync of directory " +
                                dir_ + " failed: " + s.message() + "; the shard refuses writes");
          }
        }
        ++syncs_;
        // Failed before sync_mu_ is released, so no later sync can get past it.
        if (!s.ok()) Fail(s);
      }
    }
    if (!s.ok()) return error();
  }
  MarkDurable(target);
  return Status::OK();
}

void ShardLog::MarkDurable(uint64_t lsn) {
  if (failed_.load(std::memory_order_acquire)) return;  // nothing becomes durable after a failure
  uint64_t prev = durable_lsn_.load(std::memory_order_acquire);
  while (lsn > prev && !durable_lsn_.compare_exchange_weak(prev, lsn)) {
  }
  std::lock_guard lock(wait_mu_);
  ReadyLocked(durable_lsn_.load(std::memory_order_acquire), Status::OK());
  WakeLocked(/*all=*/false);
}

void ShardLog::ReadyLocked(uint64_t through, const Status& status) {
  // Stable, so that callbacks completed together run in the order they were registered.
  auto done = std::stable_partition(callbacks_.begin(), callbacks_.end(),
                                    [&](const auto& c) { return c.first > through; });
  if (done == callbacks_.end()) return;
  for (auto it = done; it != callbacks_.end(); ++it) {
    ready_.emplace_back(std::move(it->second), status);
  }
  callbacks_.erase(done, callbacks_.end());
  has_ready_.store(true, std::memory_order_release);
}

void ShardLog::RunReady() {
  std::vector<std::pair<DurableCallback, Status>> run;
  {
    std::lock_guard lock(wait_mu_);
    run.swap(ready_);
    has_ready_.store(false, std::memory_order_release);
  }
  for (auto& [done, status] : run) done(std::move(status));
}

void ShardLog::WakeLocked(bool all) {
  uint64_t durable = durable_lsn_.load(std::memory_order_acquire);
  auto keep = std::partition(waiters_.begin(), waiters_.end(),
                             [&](const Waiter* w) { return !all && w->lsn > durable; });
  // Notified under the lock: a woken waiter may return and destroy its Waiter right after.
  for (auto it = keep; it != waiters_.end(); ++it) {
    (*it)->woken = true;
    (*it)->cv.notify_one();
  }
  waiters_.erase(keep, waiters_.end());
}

void ShardLog::Fail(const Status& error) {
  {
    std::lock_guard lock(error_mu_);
    if (error_.ok()) error_ = error;
  }
  failed_.store(true, std::memory_order_release);
  Status sticky = this->error();
  std::lock_guard lock(wait_mu_);
  ReadyLocked(UINT64_MAX, sticky);
  WakeLocked(/*all=*/true);
}

Status ShardLog::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

void ShardLog::RequestSync() {
  if (sync_requested_.exchange(true, std::memory_order_acq_rel)) return;  // already asked
  std::function<void()> handler;
  {
    std::lock_guard lock(wait_mu_);
    handler = on_sync_request_;
  }
  if (handler) handler();
}

uint64_t ShardLog::SetSyncRequestHandler(std::function<void()> handler) {
  std::function<void()> pending;  // a request raised before this handler existed
  bool orphaned_futures = false;  // futures nobody would sync for
  uint64_t token = 0;
  {
    std::lock_guard lock(wait_mu_);
    on_sync_request_ = std::move(handler);
    token = ++handler_token_;
    if (on_sync_request_ && sync_requested()) pending = on_sync_request_;
    orphaned_futures = !on_sync_request_ && (!callbacks_.empty() || !ready_.empty());
    WakeLocked(/*all=*/true);  // blocked waiters re-check who syncs
  }
  if (pending) pending();
  if (orphaned_futures) (void)SyncNow();  // a failure completes them with the error
  return token;
}

void ShardLog::ClearSyncRequestHandler(uint64_t token) {
  {
    std::lock_guard lock(wait_mu_);
    if (token != handler_token_) return;  // a newer handler (a restarted actor's) stays
  }
  SetSyncRequestHandler(nullptr);
}

Status ShardLog::AwaitDurable(uint64_t lsn) {
  if (durable_lsn() >= lsn) return Status::OK();
  RequestSync();
  Waiter waiter;
  waiter.lsn = lsn;
  std::unique_lock lock(wait_mu_);
  while (durable_lsn() < lsn && !failed_.load(std::memory_order_acquire)) {
    if (!on_sync_request_) {
      lock.unlock();
      (void)SyncNow();  // nobody else will: sync here (a failure ends the loop)
      lock.lock();
      continue;
    }
    waiter.woken = false;
    waiters_.push_back(&waiter);
    waiter.cv.wait(lock, [&] { return waiter.woken; });
  }
  if (durable_lsn() >= lsn) return Status::OK();
  lock.unlock();
  return error();
}

void ShardLog::OnDurable(uint64_t lsn, std::function<void(Status)> done) {
  Status now;
  bool inline_sync = false;
  {
    std::lock_guard lock(wait_mu_);
    if (durable_lsn() >= lsn) {
      // now stays OK
    } else if (failed_.load(std::memory_order_acquire)) {
      now = error();  // the sticky error: names the file and the cause
    } else if (callbacks_closed_) {
      now = Status::Unavailable("the universe is closed");
    } else {
      callbacks_.emplace_back(lsn, std::move(done));
      inline_sync = !on_sync_request_;
      done = nullptr;
    }
  }
  if (done) {
    done(std::move(now));
  } else if (inline_sync) {
    (void)SyncNow();  // a failure completes the callback with the error
  } else {
    RequestSync();
  }
}

std::future<Status> ShardLog::DurableFuture(uint64_t lsn) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  OnDurable(lsn, [promise](Status s) { promise->set_value(std::move(s)); });
  return future;
}

Status ShardLog::RemoveSegmentsThrough(uint64_t lsn, uint32_t retain, uint32_t* removed) {
  *removed = 0;
  std::string current;
  {
    std::lock_guard lock(mu_);
    current = writer_->segment_path();
  }
  std::vector<std::pair<uint64_t, std::string>> segments;
  Status s = ListWalSegments(fs_, dir_, &segments);
  if (!s.ok()) return s;
  // Segment i holds LSNs [first_i, first_{i+1}); it is wholly <= lsn iff first_{i+1} <= lsn + 1.
  std::vector<std::string> covered;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    std::string path = JoinPath(dir_, segments[i].second);
    if (segments[i + 1].first <= lsn + 1 && path != current) covered.push_back(path);
  }
  size_t remove = covered.size() > retain ? covered.size() - retain : 0;
  for (size_t i = 0; i < remove; ++i) {
    s = fs_->RemoveFile(covered[i]);
    if (!s.ok()) return s;
    ++*removed;
  }
  if (*removed > 0) return fs_->SyncDir(dir_);
  return Status::OK();
}

Status ShardLog::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return error();
    closed_ = true;  // no more appends
  }
  Status s = SyncNow();
  {
    std::lock_guard lock(mu_);
    std::lock_guard sync_lock(sync_mu_);
    Status c = writer_->Close();
    if (s.ok() && failed_.load(std::memory_order_acquire)) s = error();
    if (s.ok() && !c.ok()) s = c;
    std::lock_guard wait_lock(wait_mu_);
    on_sync_request_ = nullptr;
    // The close sync completed what it covered; nothing else will ever become durable.
    ReadyLocked(UINT64_MAX, failed_.load(std::memory_order_acquire)
                                ? error()
                                : Status::Unavailable("the universe is closed"));
    callbacks_closed_ = true;
    WakeLocked(/*all=*/true);
  }
  RunReady();
  return s;
}

ShardLogStats ShardLog::Stats() const {
  ShardLogStats stats;
  std::lock_guard lock(mu_);
  stats.last_lsn = last_lsn();
  stats.durable_lsn = durable_lsn();
  stats.records = records_;
  stats.bytes = bytes_;
  stats.rotations = rotations_;
  stats.segment = writer_->segment_path();
  stats.syncs = syncs_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace warp
