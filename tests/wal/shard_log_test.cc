#include "wal/shard_log.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::TempDir;

namespace {

ShardLogOptions Small(FsyncPolicy fsync = FsyncPolicy::kEverySec) {
  ShardLogOptions options;
  options.fsync = fsync;
  options.segment_bytes = 1 << 20;
  options.compress_min_bytes = 4096;
  return options;
}

std::vector<WalRecord> ReadAll(const std::string& dir, ReadSummary* summary) {
  std::vector<WalRecord> records;
  Status s = ReadWal(
      DefaultFileSystem(), dir, 0,
      [&](const WalRecord& r) {
        records.push_back(r);
        return Status::OK();
      },
      summary);
  REQUIRE(s.ok());
  return records;
}

}  // namespace

TEST_CASE("appends from many threads get consecutive LSNs in log order") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, Small(), &log).ok());
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        uint64_t lsn = 0;
        std::string key = std::to_string(t) + ":" + std::to_string(i);
        if (!log->AppendPut(key, std::string(300, 'a' + t), &lsn).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  CHECK(log->last_lsn() == 8000);
  REQUIRE(log->Close().ok());
  ReadSummary summary;
  std::vector<WalRecord> records = ReadAll(tmp.Sub("wal"), &summary);
  REQUIRE(records.size() == 8000);
  for (size_t i = 0; i < records.size(); ++i) CHECK(records[i].lsn == i + 1);
  CHECK(summary.segments >= 2);  // 8000 * ~320 bytes rotated through 1 MiB segments
  CHECK_FALSE(summary.torn_tail);
  CHECK(summary.zero_tail_bytes == 0);  // a clean close cuts the preallocated space off
}

TEST_CASE("a log abandoned without close reads back cleanly up to its last append") {
  TempDir tmp;
  {
    std::unique_ptr<ShardLog> log;
    REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 7, Small(), &log).ok());
    uint64_t lsn = 0;
    REQUIRE(log->AppendPut("a", "1", &lsn).ok());
    CHECK(lsn == 7);
    REQUIRE(log->AppendDelete("a", &lsn).ok());
    CHECK(lsn == 8);
    // destroyed without Close(), as a crash leaves it: preallocated zeros follow the records
  }
  ReadSummary summary;
  std::vector<WalRecord> records = ReadAll(tmp.Sub("wal"), &summary);
  REQUIRE(records.size() == 2);
  CHECK(records[1].type == static_cast<uint8_t>(wal::RecordType::kDelete));
  CHECK_FALSE(summary.torn_tail);
  CHECK(summary.zero_tail_bytes > 0);
  CHECK(summary.last_lsn == 8);
}

TEST_CASE("awaiting durability without a sync handler fsyncs on the waiting thread") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(DefaultFileSystem());
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(&faulty, tmp.Sub("wal"), 0, 1, Small(FsyncPolicy::kAlways), &log).ok());
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  CHECK(log->durable_lsn() == 0);
  CHECK(log->HasUnsynced());
  REQUIRE(log->AwaitPolicy(lsn).ok());
  CHECK(log->durable_lsn() == 1);
  CHECK(faulty.sync_count() >= 1);
  CHECK_FALSE(log->HasUnsynced());
}

TEST_CASE("a sync request reaches the handler once per group of waiters") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, Small(), &log).ok());
  std::atomic<int> requests{0};
  log->SetSyncRequestHandler([&] { ++requests; });
  std::vector<std::future<Status>> futures;
  for (int i = 0; i < 10; ++i) {
    uint64_t lsn = 0;
    REQUIRE(log->AppendPut("k" + std::to_string(i), "v", &lsn).ok());
    futures.push_back(log->DurableFuture(lsn));
  }
  CHECK(requests == 1);  // nobody synced yet: the first request stands for all ten
  CHECK(futures[0].wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  REQUIRE(log->SyncNow().ok());  // what the WAL writer actor does on the request
  for (auto& f : futures) CHECK(f.get().ok());
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("later", "v", &lsn).ok());
  std::future<Status> later = log->DurableFuture(lsn);
  CHECK(requests == 2);
  // Without a handler nobody would sync for the pending future: removing it syncs at once.
  log->SetSyncRequestHandler(nullptr);
  REQUIRE(later.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready);
  CHECK(later.get().ok());
}

TEST_CASE("a stopped actor's handler removal leaves its successor's handler in place") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, Small(), &log).ok());
  std::atomic<int> first{0}, second{0};
  uint64_t old_token = log->SetSyncRequestHandler([&] { ++first; });
  log->SetSyncRequestHandler([&] { ++second; });  // the restarted actor
  log->ClearSyncRequestHandler(old_token);        // the old incarnation's exit
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  std::future<Status> durable = log->DurableFuture(lsn);
  CHECK(first == 0);
  CHECK(second == 1);
  REQUIRE(log->SyncNow().ok());
  CHECK(durable.get().ok());
}

TEST_CASE("a failed fsync is sticky: waiters and later appends get the same error") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(DefaultFileSystem());
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(&faulty, tmp.Sub("wal"), 3, 1, Small(FsyncPolicy::kAlways), &log).ok());
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  faulty.FailNextSync();
  Status failed = log->AwaitDurable(lsn);
  REQUIRE(failed.IsIOError());
  CHECK(failed.message().find("wal shard 3: fsync of " + tmp.Sub("wal")) == 0);
  CHECK(failed.message().find("the shard refuses writes") != std::string::npos);
  Status append = log->AppendPut("k2", "v", &lsn);
  CHECK(append.ToString() == failed.ToString());
  CHECK(log->error().ToString() == failed.ToString());
  CHECK(log->DurableFuture(99).get().IsIOError());
  CHECK(log->last_lsn() == 1);  // the refused append took no LSN
}

TEST_CASE("segments wholly at or below an LSN are removed except the retained ones") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log;
  ShardLogOptions options = Small();
  options.compress_min_bytes = 0;  // keep the records 10 KB each
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, options, &log).ok());
  uint64_t lsn = 0;
  std::string value(10000, 'v');
  for (int i = 0; i < 500; ++i) REQUIRE(log->AppendPut("k", value, &lsn).ok());  // ~5 segments
  auto count = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp.Sub("wal"))) {
      uint64_t first = 0;
      n += wal::ParseSegmentFileName(e.path().filename().string(), &first) ? 1 : 0;
    }
    return n;
  };
  size_t before = count();
  REQUIRE(before >= 4);
  uint32_t removed = 0;
  REQUIRE(log->RemoveSegmentsThrough(0, 0, &removed).ok());
  CHECK(removed == 0);  // nothing is wholly at or below LSN 0
  REQUIRE(log->RemoveSegmentsThrough(lsn, 1, &removed).ok());
  CHECK(removed == before - 2);  // every full segment but one retained; the current one stays
  CHECK(count() == 2);
  REQUIRE(log->Close().ok());
  ReadSummary summary;
  std::vector<WalRecord> records = ReadAll(tmp.Sub("wal"), &summary);
  REQUIRE_FALSE(records.empty());
  CHECK(records.back().lsn == 500);
}

TEST_CASE("the consistent-cut hook sees the last LSN with appends paused") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, Small(), &log).ok());
  uint64_t lsn = 0;
  for (int i = 0; i < 5; ++i) REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  uint64_t seen = 0;
  log->WithAppendsPaused([&](uint64_t last) { seen = last; });
  CHECK(seen == 5);
}

}  // namespace warp

namespace warp {

TEST_CASE("after a failed fsync no later sync makes anything durable") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(DefaultFileSystem());
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(&faulty, tmp.Sub("wal"), 0, 1, Small(FsyncPolicy::kAlways), &log).ok());
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  faulty.FailNextSync();
  Status failed = log->SyncNow();
  REQUIRE(failed.IsIOError());
  // The next fdatasync of the same file would succeed (the kernel forgot the dirty pages):
  // it must not be attempted, and the record must not count as durable.
  int syncs = faulty.sync_count();
  CHECK(log->SyncNow().ToString() == failed.ToString());
  CHECK(faulty.sync_count() == syncs);
  CHECK(log->durable_lsn() == 0);
  CHECK(log->AwaitDurable(lsn).ToString() == failed.ToString());
  CHECK(log->DurableFuture(lsn).get().ToString() == failed.ToString());
}

}  // namespace warp

// OnDurable: callbacks instead of blocked threads or futures.
namespace warp {

namespace {

// Records what a durability callback was called with, and on which thread.
struct Completion {
  std::atomic<int> calls{0};
  Status status;
  std::thread::id thread;
  std::function<void(Status)> Callback() {
    return [this](Status s) {
      status = std::move(s);
      thread = std::this_thread::get_id();
      ++calls;
    };
  }
};

// A log of shard 0 in tmp/wal whose sync requests nobody answers (a handler that does
// nothing): records become durable only through explicit syncs, rotations and Close.
std::unique_ptr<ShardLog> OpenIdleLog(const TempDir& tmp, FileSystem* fs = DefaultFileSystem(),
                                      const ShardLogOptions& options = Small()) {
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(fs, tmp.Sub("wal"), 0, 1, options, &log).ok());
  log->SetSyncRequestHandler([] {});
  return log;
}

}  // namespace

TEST_CASE("a durability callback runs at once when its LSN is already durable") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log = OpenIdleLog(tmp);
  Completion zero;
  log->OnDurable(0, zero.Callback());  // LSN 0 always counts as durable
  CHECK(zero.calls == 1);
  CHECK(zero.status.ok());
  CHECK(zero.thread == std::this_thread::get_id());
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  REQUIRE(log->SyncNow().ok());
  Completion done;
  log->OnDurable(lsn, done.Callback());
  CHECK(done.calls == 1);
  CHECK(done.status.ok());
}

TEST_CASE("durability callbacks raise one sync request and run on the thread that syncs") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, Small(FsyncPolicy::kNo), &log)
              .ok());
  std::atomic<int> requests{0};
  log->SetSyncRequestHandler([&] { ++requests; });
  std::vector<Completion> completions(5);
  for (Completion& c : completions) {
    uint64_t lsn = 0;
    REQUIRE(log->AppendPut("k", "v", &lsn).ok());
    log->OnDurable(lsn, c.Callback());
  }
  CHECK(requests == 1);
  for (const Completion& c : completions) CHECK(c.calls == 0);
  std::thread::id syncer;
  std::thread actor([&] {
    syncer = std::this_thread::get_id();
    (void)log->SyncNow();  // what the WAL writer actor does on the request
  });
  actor.join();
  for (const Completion& c : completions) {
    CHECK(c.calls == 1);
    CHECK(c.status.ok());
    CHECK(c.thread == syncer);
  }
}

TEST_CASE("without a sync handler a durability callback syncs on the calling thread") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(DefaultFileSystem());
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(&faulty, tmp.Sub("wal"), 0, 1, Small(FsyncPolicy::kNo), &log).ok());
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  Completion done;
  log->OnDurable(lsn, done.Callback());
  CHECK(done.calls == 1);
  CHECK(done.status.ok());
  CHECK(faulty.sync_count() >= 1);
  CHECK(log->durable_lsn() == lsn);
}

TEST_CASE("at Close pending callbacks complete: OK if the close sync covered them") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log = OpenIdleLog(tmp);
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  Completion covered, never;
  log->OnDurable(lsn, covered.Callback());
  log->OnDurable(lsn + 5, never.Callback());  // an LSN that is never appended
  CHECK(covered.calls == 0);
  REQUIRE(log->Close().ok());
  CHECK(covered.calls == 1);
  CHECK(covered.status.ok());
  CHECK(never.calls == 1);
  CHECK(never.status.IsUnavailable());
  Completion after_durable, after_missing;
  log->OnDurable(lsn, after_durable.Callback());
  log->OnDurable(lsn + 1, after_missing.Callback());
  CHECK(after_durable.status.ok());
  CHECK(after_missing.calls == 1);
  CHECK(after_missing.status.IsUnavailable());
}

TEST_CASE("after a failed fsync pending and later callbacks get the sticky error") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(DefaultFileSystem());
  std::unique_ptr<ShardLog> log = OpenIdleLog(tmp, &faulty);
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  Completion pending;
  log->OnDurable(lsn, pending.Callback());
  faulty.FailNextSync();
  Status failed = log->SyncNow();
  REQUIRE(failed.IsIOError());
  CHECK(pending.calls == 1);
  CHECK(pending.status.ToString() == failed.ToString());
  Completion later;
  log->OnDurable(lsn, later.Callback());
  CHECK(later.status.ToString() == failed.ToString());
  CHECK(log->Close().ToString() == failed.ToString());
}

TEST_CASE("a callback completed by a rotation runs on the syncing thread, not the appender") {
  TempDir tmp;
  ShardLogOptions options = Small();
  options.segment_bytes = 4096;
  std::unique_ptr<ShardLog> log;
  REQUIRE(ShardLog::Open(DefaultFileSystem(), tmp.Sub("wal"), 0, 1, options, &log).ok());
  std::atomic<int> requests{0};
  log->SetSyncRequestHandler([&] { ++requests; });
  uint64_t first = 0;
  REQUIRE(log->AppendPut("first", "v", &first).ok());
  Completion done;
  log->OnDurable(first, done.Callback());
  CHECK(requests == 1);
  uint64_t lsn = 0;
  while (log->durable_lsn() < first) {
    REQUIRE(log->AppendPut("fill", std::string(1000, 'f'), &lsn).ok());  // rotates at 4 KiB
    REQUIRE(lsn < 20);
  }
  // The rotation made `first` durable, but the appender handed the callback on.
  CHECK(done.calls == 0);
  CHECK(log->sync_requested());
  std::thread::id syncer;
  std::thread actor([&] {
    syncer = std::this_thread::get_id();
    (void)log->SyncNow();
  });
  actor.join();
  CHECK(done.calls == 1);
  CHECK(done.status.ok());
  CHECK(done.thread == syncer);
  REQUIRE(log->Close().ok());
}

TEST_CASE("removing the sync handler syncs at once for the pending callbacks") {
  TempDir tmp;
  std::unique_ptr<ShardLog> log = OpenIdleLog(tmp);
  uint64_t lsn = 0;
  REQUIRE(log->AppendPut("k", "v", &lsn).ok());
  Completion done;
  log->OnDurable(lsn, done.Callback());
  CHECK(done.calls == 0);
  log->SetSyncRequestHandler(nullptr);  // the actor stopped: nobody else would sync
  CHECK(done.calls == 1);
  CHECK(done.status.ok());
  REQUIRE(log->Close().ok());
}

}  // namespace warp
