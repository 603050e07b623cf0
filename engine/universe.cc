// warp::Universe: the facade of the engine. Open() wires the data directory, the shard tables
// and the supervision tree together; key operations go straight to the tables.

#include "warp/universe.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "actors/runtime_config.h"
#include "actors/snapshot_actor.h"
#include "actors/universe_actor.h"
#include "common/cycle_clock.h"
#include "common/glob.h"
#include "common/log.h"
#include "config/config.h"
#include "engine/supervision_tree.h"
#include "engine/universe_test_peer.h"
#include "store/data_dir.h"
#include "store/event_horizon_cache.h"
#include "store/filename.h"
#include "store/shard_checkpoint.h"
#include "store/shard_recovery.h"
#include "store/slot_router.h"
#include "store/snapshot.h"
#include "store/value_log.h"
#include "supervision/supervisor.h"
#include "wal/shard_log.h"

namespace warp {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kAdminTimeout{5};
constexpr std::chrono::seconds kShutdownTimeout{30};

uint64_t NanosSince(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

Status NotOpen() { return Status::Unavailable("the universe is not open"); }

// The CAF runtime of one open universe. The config must outlive the system.
struct ActorRuntime {
  explicit ActorRuntime(const RuntimeOptions& runtime) : config(runtime), system(config) {}
  RuntimeConfig config;
  caf::actor_system system;
  caf::actor root;
};

struct Route {
  uint32_t shard = 0;
  SpacetimeTable* table = nullptr;
  ShardLog* log = nullptr;
};

// Recovers every shard's table, shards in parallel (as many threads as cores, at most one per
// shard). Returns the first failure in shard order.
Status RecoverShards(FileSystem* fs, const std::string& data_dir,
                     const std::vector<std::shared_ptr<SpacetimeTable>>& tables,
                     std::vector<ShardRecoveryReport>* reports) {
  reports->assign(tables.size(), ShardRecoveryReport{});
  std::vector<Status> results(tables.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < tables.size(); i = next++) {
      uint32_t shard = static_cast<uint32_t>(i);
      results[i] =
          RecoverShard(fs, data_dir, filename::ShardWal(data_dir, shard),
                       filename::ShardSnapshots(data_dir, shard), tables[i].get(), &(*reports)[i]);
    }
  };
  size_t threads =
      std::min<size_t>(tables.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  for (Status& result : results) {
    if (!result.ok()) return std::move(result);
  }
  return Status::OK();
}

// The event horizon cache's capacity: tiers.cold.cache_bytes, at most a sixteenth of the memory
// budget when there is one. Promotion keeps the keys read often hot, at the cost of their value
// bytes; a cache entry costs EventHorizonCache::kEntryOverheadBytes (260) more, so for small
// values the budget serves more reads as hot values than as cache entries (bench/README.md,
// "Tiered storage": a quarter measured 0.75x of all-in-memory on zipf reads, a sixteenth 0.81x).
constexpr uint64_t kCacheBudgetDivisor = 16;
uint64_t CacheBytes(const Options& options, uint64_t max_bytes) {
  uint64_t cache = options.tiers.cold.cache_bytes;
  return max_bytes == 0 ? cache : std::min(cache, max_bytes / kCacheBudgetDivisor);
}

// Each shard's share of the memory budget, once the cache has its capacity (0 = unbounded).
uint64_t ShardBudget(const Options& options, uint64_t max_bytes, uint32_t shards) {
  if (max_bytes == 0) return 0;
  return std::max<uint64_t>(1, (max_bytes - CacheBytes(options, max_bytes)) / shards);
}

}  // namespace

// Everything that exists while a universe is open. Never freed before ~Universe: a thread
// that loaded the pointer just before Close() may still call into its (sealed) tables.
struct OpenUniverse {
  Options options;
  std::unique_ptr<DataDir> dir;
  std::vector<std::shared_ptr<SpacetimeTable>> tables;
  std::vector<std::shared_ptr<ShardLog>> logs;
  std::vector<std::shared_ptr<ShardCheckpointer>> checkpointers;
  // Tiers: the event horizon cache shared by the shards, and each shard's value log.
  std::unique_ptr<EventHorizonCache> cache;
  std::vector<std::unique_ptr<ValueLog>> value_logs;
  std::atomic<uint64_t> memory_budget{0};  // memory.max_bytes in effect
  std::vector<std::string> notices;        // what recovery reported
  std::array<Route, kSlotCount> routes;
  std::shared_ptr<ControllerContext> context;
  std::unique_ptr<ActorRuntime> runtime;
  Clock::time_point opened_at;
};

struct Universe::Impl {
  std::mutex lifecycle_mu;  // serializes Open, Close, Stats, Health
  std::atomic<OpenUniverse*> open{nullptr};
  std::vector<std::unique_ptr<OpenUniverse>> retired;
  Options options;
  FileSystem* fs = DefaultFileSystem();
  const WallClock* clock = SystemWallClock();

  Status OpenLocked(const Options& options);
  Status CloseLocked();
};

Universe::Universe() : impl_(std::make_unique<Impl>()) {}

Universe::~Universe() { (void)Close(); }

Status Universe::Open(const Options& options) {
  std::lock_guard lock(impl_->lifecycle_mu);
  return impl_->OpenLocked(options);
}

Status Universe::Open(const std::string& yaml_path) {
  Options options;
  Status s = config::LoadFile(yaml_path, &options);
  if (!s.ok()) return s;
  return Open(options);
}

namespace {

// Opens each shard's value log (spacetime/shard-NN/cold/) and the event horizon cache, and
// gives each table its share of the memory budget (docs/tiered_storage.md).
Status AttachTiers(FileSystem* fs, const Options& opts, OpenUniverse* u) {
  uint64_t max_bytes = opts.memory.max_bytes;
  EventHorizonCache::Options cache_options;
  cache_options.capacity_bytes = CacheBytes(opts, max_bytes);
  cache_options.compress_min_bytes = opts.tiers.warm.compress_min_bytes;
  u->cache = std::make_unique<EventHorizonCache>(cache_options);
  u->memory_budget.store(max_bytes, std::memory_order_relaxed);
  ValueLogOptions log_options;
  log_options.max_file_bytes = opts.tiers.cold.file_bytes;
  log_options.sync = opts.tiers.cold.fsync == FsyncPolicy::kAlways ? ValueLogSync::kEachBatch
                                                                   : ValueLogSync::kNever;
  TableTierOptions tier_options;
  tier_options.memory_budget = ShardBudget(opts, max_bytes, opts.shards);
  tier_options.hot_max_bytes = opts.tiers.hot.max_bytes / opts.shards;
  tier_options.warm_max_bytes = opts.tiers.warm.max_bytes / opts.shards;
  tier_options.compress_min_bytes = opts.tiers.warm.compress_min_bytes;
  for (uint32_t shard = 0; shard < opts.shards; ++shard) {
    std::unique_ptr<ValueLog> values;
    Status s =
        ValueLog::Open(fs, filename::ShardCold(opts.data_dir, shard), shard, log_options, &values);
    if (!s.ok()) return s;
    u->tables[shard]->AttachTiers(tier_options, values.get(), u->cache.get());
    u->value_logs.push_back(std::move(values));
  }
  return Status::OK();
}

}  // namespace

namespace {

// Reads the hot set of each shard's snapshot (the keys read most when it was taken) and loads
// those whose values recovery left cold into the event horizon cache, hottest first, until the
// cache is full. Returns how many values it loaded. A missing or unreadable hot set is only
// a colder start (logged).
uint64_t WarmCache(FileSystem* fs, const Options& opts, const OpenUniverse& u,
                   const std::vector<ShardRecoveryReport>& reports) {
  if (u.memory_budget.load(std::memory_order_relaxed) == 0) return 0;  // nothing is cold
  uint64_t warmed = 0;
  for (uint32_t shard = 0; shard < reports.size(); ++shard) {
    if (reports[shard].snapshot_lsn == 0) continue;
    std::vector<std::string> keys;
    Status s = ReadSnapshotHotSet(fs, filename::ShardSnapshots(opts.data_dir, shard),
                                  reports[shard].snapshot_lsn, &keys);
    if (!s.ok()) {
      if (!s.IsNotFound()) log::Warn("cache warm-up skipped: ", s.ToString());
      continue;
    }
    SpacetimeTable& table = *u.tables[shard];
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i % 256 == 0) {
        EventHorizonStats cache = u.cache->Stats();
        if (cache.l1_bytes + cache.l2_bytes >= cache.capacity) return warmed;
      }
      uint32_t slot = SlotOfKey(keys[i]);
      if (table.WarmCache(slot, keys[i])) ++warmed;
    }
  }
  return warmed;
}

}  // namespace

Status Universe::SetMemoryBudget(uint64_t max_bytes) {
  std::lock_guard lock(impl_->lifecycle_mu);
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  if (u == nullptr) return NotOpen();
  u->memory_budget.store(max_bytes, std::memory_order_relaxed);
  u->cache->SetCapacity(CacheBytes(u->options, max_bytes));
  uint64_t share = ShardBudget(u->options, max_bytes, static_cast<uint32_t>(u->tables.size()));
  for (auto& table : u->tables) {
    table->SetMemoryBudget(share);
    table->DemoteToBudget();
  }
  log::Info("memory budget set to ", max_bytes, " bytes (", share, " per shard)");
  return Status::OK();
}

uint64_t Universe::memory_budget() const {
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  return u == nullptr ? 0 : u->memory_budget.load(std::memory_order_relaxed);
}

Status Universe::Impl::OpenLocked(const Options& requested) {
  Options opts = requested;  // shards 0 is resolved from the data directory below
  if (open.load()) return Status::InvalidArgument("the universe is already open");
  cycle_clock::Calibrate();
  Status s = config::Validate(opts);
  if (!s.ok()) return s;
  log::Level level;
  if (log::ParseLevel(opts.log_level, &level)) log::SetLevel(level);

  auto u = std::make_unique<OpenUniverse>();
  u->options = opts;
  FileSystem* fs = this->fs;
  s = DataDir::Open(opts.data_dir, opts.shards, &u->dir);
  if (!s.ok()) return s;
  opts.shards = u->dir->manifest().shard_count;
  u->options = opts;
  // From here on a failed Open has not crashed: record a clean close so that the next Open
  // does not report "previous session did not close cleanly".
  auto abandon = [&u](Status failure) {
    for (auto& log : u->logs) (void)log->Close();
    (void)u->dir->MarkClosed();
    return failure;
  };
  s = u->dir->WriteEffectiveConfig(config::ToJson(opts));
  if (!s.ok()) return abandon(s);

  const SlotTable& slot_table = u->dir->manifest().slot_table;
  std::vector<uint32_t> slots_per_shard;
  for (uint32_t shard = 0; shard < opts.shards; ++shard) {
    std::vector<uint32_t> slots = slot_table.SlotsOf(shard);
    slots_per_shard.push_back(static_cast<uint32_t>(slots.size()));
    u->tables.push_back(std::make_shared<SpacetimeTable>(shard, slots));
    u->tables.back()->SetWallClock(clock);
  }

  // Tiers before recovery, so that recovery keeps to the memory budget.
  s = AttachTiers(fs, opts, u.get());
  if (!s.ok()) return abandon(s);

  // Recovery: newest snapshot + WAL tail per shard, then a fresh log segment for each.
  auto recovery_start = Clock::now();
  std::vector<ShardRecoveryReport> reports;
  s = RecoverShards(fs, opts.data_dir, u->tables, &reports);
  if (!s.ok()) return abandon(s);
  ShardLogOptions log_options;
  log_options.fsync = opts.wal.fsync;
  log_options.segment_bytes = opts.wal.segment_bytes;
  log_options.compress_min_bytes = opts.wal.compress_min_bytes;
  uint64_t keys = 0;
  uint64_t records = 0;
  for (uint32_t shard = 0; shard < opts.shards; ++shard) {
    const ShardRecoveryReport& report = reports[shard];
    std::unique_ptr<ShardLog> log;
    s = ShardLog::Open(fs, filename::ShardWal(opts.data_dir, shard), shard, report.last_lsn + 1,
                       log_options, &log);
    if (!s.ok()) return abandon(s);
    u->logs.push_back(std::move(log));
    u->tables[shard]->AttachLog(u->logs.back().get());
    u->checkpointers.push_back(
        std::make_shared<ShardCheckpointer>(fs, u->tables[shard].get(), u->logs.back().get(),
                                            filename::ShardSnapshots(opts.data_dir, shard),
                                            opts.wal.retain_segments, report.snapshot_lsn));
    for (const std::string& note : report.notes) {
      u->notices.push_back(filename::ShardName(shard) + ": " + note);
    }
    keys += u->tables[shard]->Counters().keys;
    records += report.wal_records;
  }
  if (keys > 0 || records > 0) {
    log::Info("recovered ", keys, " keys (", records, " WAL records replayed) in ",
              NanosSince(recovery_start) / 1000000, " ms");
  }
  for (uint32_t slot = 0; slot < kSlotCount; ++slot) {
    uint32_t shard = slot_table.ShardOf(slot);
    u->routes[slot] = Route{shard, u->tables[shard].get(), u->logs[shard].get()};
  }
  uint64_t warmed = WarmCache(fs, opts, *u, reports);
  if (warmed > 0) {
    log::Info("event horizon cache warmed with ", warmed,
              " cold values of the snapshots' hot sets");
  }
  u->context = std::make_shared<ControllerContext>(u->tables, std::move(slots_per_shard), u->logs,
                                                   u->checkpointers);
  u->runtime = std::make_unique<ActorRuntime>(opts.runtime);
  u->runtime->root = StartSupervisionTree(u->runtime->system, opts, u->context);
  s = AwaitShardsStarted(u->runtime->system, u->runtime->root, opts.shards, kAdminTimeout);
  if (!s.ok()) {
    (void)supervision::ShutdownSupervisor(u->runtime->system, u->runtime->root, kShutdownTimeout);
    return abandon(s);
  }
  u->opened_at = Clock::now();
  log::Info("universe open: ", opts.data_dir, ", ", opts.shards, " shards",
            u->dir->recovered_from_crash() ? " (previous session did not close cleanly)" : "");
  options = opts;
  open.store(u.release(), std::memory_order_release);
  return Status::OK();
}

Status Universe::Close() {
  std::lock_guard lock(impl_->lifecycle_mu);
  return impl_->CloseLocked();
}

Status Universe::Impl::CloseLocked() {
  OpenUniverse* u = open.exchange(nullptr, std::memory_order_acq_rel);
  if (u == nullptr) return Status::OK();
  retired.emplace_back(u);
  // Stop accepting operations first; calls already inside a slot finish before Seal returns.
  for (auto& table : u->tables) table->Seal();
  if (!supervision::ShutdownSupervisor(u->runtime->system, u->runtime->root, kShutdownTimeout)) {
    log::Error("supervision tree did not stop within ", kShutdownTimeout.count(), " s");
  }
  u->runtime->root = nullptr;
  u->runtime.reset();  // joins the scheduler threads
  // The last fsync of every log; a failure is reported (the writes it covered were
  // acknowledged as written to the OS, which still holds them).
  Status s;
  for (auto& log : u->logs) {
    Status closed = log->Close();
    if (!closed.ok()) {
      log::Error(closed.ToString());
      if (s.ok()) s = closed;
    }
  }
  Status marked = u->dir->MarkClosed();
  if (s.ok()) s = marked;
  u->dir.reset();  // releases the LOCK
  log::Info("universe closed: ", u->options.data_dir);
  return s;
}

bool Universe::IsOpen() const { return impl_->open.load(std::memory_order_acquire) != nullptr; }

const Options& Universe::options() const { return impl_->options; }

namespace {

// Routes `key` to its shard and runs op(route, slot, result) there, filling in the result's
// status and cosmic metadata (shard, slot, latency). Inlined into each operation.
template <class Result, class Op>
Result OnKey(const std::atomic<OpenUniverse*>& open, std::string_view key, const Op& op) {
  uint64_t start = cycle_clock::Now();
  Result result;
  OpenUniverse* u = open.load(std::memory_order_acquire);
  if (u == nullptr) {
    result.status = NotOpen();
    return result;
  }
  uint32_t slot = SlotOfKey(key);
  const Route& route = u->routes[slot];
  result.cosmic.shard = route.shard;
  result.cosmic.slot = slot;
  result.status = op(route, slot, result);
  result.cosmic.latency_ns = cycle_clock::ToNanos(cycle_clock::Now() - start);
  return result;
}

}  // namespace

Status Universe::Get(std::string_view key, std::string* value, Cosmic* cosmic) {
  struct Lookup {
    Status status;
    Cosmic cosmic;
  };
  Lookup r = OnKey<Lookup>(impl_->open, key, [&](const Route& route, uint32_t slot, Lookup& l) {
    return route.table->Get(slot, key, value, &l.cosmic.version, &l.cosmic.expire_at_ms,
                            &l.cosmic.tier);
  });
  if (cosmic != nullptr) *cosmic = r.cosmic;
  return std::move(r.status);
}

GetResult Universe::Get(std::string_view key) {
  GetResult result;
  result.status = Get(key, &result.value, &result.cosmic);
  return result;
}

namespace {

// Writes are acknowledged per wal.fsync: the table call has logged the record (written to the
// OS); under `always` the caller then waits, outside every table lock, for the group commit,
// unless it asked not to (it learns of durability from OnDurable instead).
Status Acknowledge(const Route& route, const WriteOptions& options, Status written, uint64_t lsn) {
  if (!written.ok() || lsn == 0 || !options.wait_for_sync) return written;
  return route.log->AwaitPolicy(lsn);
}

}  // namespace

WriteResult Universe::Put(std::string_view key, std::string_view value) {
  return Put(key, value, WriteOptions());
}

WriteResult Universe::Put(std::string_view key, std::string_view value,
                          const WriteOptions& options) {
  return OnKey<WriteResult>(
      impl_->open, key, [&](const Route& route, uint32_t slot, WriteResult& r) {
        Status s;
        if (options.expire_at_ms != 0 && options.expire_at_ms <= route.table->NowUnixMillis()) {
          // As Redis: a write whose expiry has passed deletes the key, and is logged so.
          bool existed = false;
          s = route.table->Delete(slot, key, &existed, &r.cosmic.version);
        } else {
          s = route.table->Put(slot, key, value, &r.cosmic.version, options.expire_at_ms);
          r.cosmic.expire_at_ms = options.expire_at_ms;
        }
        return Acknowledge(route, options, std::move(s), r.cosmic.version);
      });
}

WriteResult Universe::Update(std::string_view key, const UpdateFn& fn,
                             const WriteOptions& options) {
  return OnKey<WriteResult>(impl_->open, key,
                            [&](const Route& route, uint32_t slot, WriteResult& r) {
                              UpdateOutcome outcome;
                              Status s = route.table->Update(slot, key, fn, &outcome);
                              r.existed = outcome.existed;
                              r.cosmic.version = outcome.version;
                              r.cosmic.expire_at_ms = outcome.expire_at_ms;
                              return Acknowledge(route, options, std::move(s), outcome.version);
                            });
}

std::future<Status> Universe::PutAsync(std::string_view key, std::string_view value,
                                       Cosmic* cosmic) {
  std::future<Status> durable;
  WriteResult r =
      OnKey<WriteResult>(impl_->open, key, [&](const Route& route, uint32_t slot, WriteResult& w) {
        Status s = route.table->Put(slot, key, value, &w.cosmic.version);
        if (s.ok()) durable = route.log->DurableFuture(w.cosmic.version);
        return s;
      });
  if (cosmic != nullptr) *cosmic = r.cosmic;
  if (!r.ok()) {
    std::promise<Status> refused;
    refused.set_value(std::move(r.status));
    return refused.get_future();
  }
  return durable;
}

WriteResult Universe::Delete(std::string_view key) { return Delete(key, WriteOptions()); }

WriteResult Universe::Delete(std::string_view key, const WriteOptions& options) {
  return OnKey<WriteResult>(
      impl_->open, key, [&](const Route& route, uint32_t slot, WriteResult& r) {
        Status s = route.table->Delete(slot, key, &r.existed, &r.cosmic.version);
        return Acknowledge(route, options, std::move(s), r.cosmic.version);
      });
}

void Universe::OnDurable(uint32_t shard, uint64_t lsn, std::function<void(Status)> done) {
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  if (u == nullptr) return done(NotOpen());
  if (shard >= u->logs.size()) {
    return done(Status::Unavailable("no shard " + std::to_string(shard) + " (the universe has " +
                                    std::to_string(u->logs.size()) + " shards)"));
  }
  // A Close() racing with this call closes the log first; the log then completes done itself.
  u->logs[shard]->OnDurable(lsn, std::move(done));
}

Status Universe::SyncShard(uint32_t shard, uint64_t lsn) {
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  if (u == nullptr) return NotOpen();
  if (shard >= u->logs.size()) {
    return Status::Unavailable("no shard " + std::to_string(shard) + " (the universe has " +
                               std::to_string(u->logs.size()) + " shards)");
  }
  ShardLog& log = *u->logs[shard];
  if (lsn <= log.durable_lsn()) return Status::OK();
  return log.SyncNow();
}

Status Universe::Checkpoint() {
  caf::actor storage;
  {
    std::lock_guard lock(impl_->lifecycle_mu);
    OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
    if (u == nullptr) return NotOpen();
    caf::scoped_actor self{u->runtime->system};
    self->request(u->runtime->root, kAdminTimeout, supervision::get_child_atom::value,
                  std::string("storage"))
        .receive([&](caf::actor& handle) { storage = std::move(handle); }, [](caf::error&) {});
    caf::actor snapshotter;
    if (storage) {
      self->request(storage, kAdminTimeout, supervision::get_child_atom::value,
                    std::string("snapshotter"))
          .receive([&](caf::actor& handle) { snapshotter = std::move(handle); },
                   [](caf::error&) {});
    }
    if (!snapshotter) return Status::Unavailable("the snapshotter is not running");
    std::string errors;
    bool answered = false;
    // A snapshot of a large shard takes seconds; the snapshotter answers when all are durable.
    self->request(snapshotter, caf::infinite, checkpoint_atom::value)
        .receive(
            [&](std::string& e) {
              errors = std::move(e);
              answered = true;
            },
            [&](caf::error& err) { errors = "the snapshotter failed: " + to_string(err); });
    if (answered && errors.empty()) return Status::OK();
    return Status::IOError("checkpoint: " + errors);
  }
}

std::vector<GetResult> Universe::MultiGet(const std::vector<std::string>& keys) {
  std::vector<GetResult> results;
  results.reserve(keys.size());
  for (const std::string& key : keys) results.push_back(Get(key));
  return results;
}

ScanResult Universe::Scan(const Pattern& pattern, uint64_t cursor, size_t count) {
  ScanResult result;
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  if (u == nullptr) {
    result.status = NotOpen();
    return result;
  }
  // A cursor is (slot << 54) | position-in-slot; 10 + 54 bits, so every value decodes to a
  // place in the keyspace, as any integer is a valid Redis SCAN cursor.
  static_assert(uint64_t{kSlotCount} == uint64_t{1} << (64 - SpacetimeTable::kPositionBits),
                "slot and position must fill the 64-bit cursor exactly");
  uint64_t slot = cursor >> SpacetimeTable::kPositionBits;
  uint64_t position = cursor & (SpacetimeTable::kPositionLimit - 1);
  std::string_view literal =
      pattern.kind == Pattern::Kind::kPrefix ? pattern.text : GlobLiteralPrefix(pattern.text);
  auto match = [&](std::string_view key) {
    if (key.substr(0, literal.size()) != literal) return false;
    return pattern.kind == Pattern::Kind::kPrefix || GlobMatch(pattern.text, key);
  };
  size_t budget = count == 0 ? 1 : count;
  while (slot < kSlotCount) {
    size_t examined = 0;
    const Route& route = u->routes[slot];
    uint64_t resume = route.table->ScanSlot(static_cast<uint32_t>(slot), position, budget, match,
                                            &result.keys, &examined);
    budget -= std::min(budget, examined);
    if (resume < SpacetimeTable::kPositionLimit) {
      result.next_cursor = (slot << SpacetimeTable::kPositionBits) | resume;
      return result;
    }
    ++slot;
    position = 0;
    if (budget == 0) break;
  }
  result.next_cursor = slot < kSlotCount ? slot << SpacetimeTable::kPositionBits : 0;
  return result;
}

UniverseStats Universe::Stats() {
  std::lock_guard lock(impl_->lifecycle_mu);
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  if (u == nullptr) return UniverseStats{};
  UniverseStats stats = CollectTableStats(*u->context);
  caf::scoped_actor self{u->runtime->system};
  // Ask the current controller incarnation (the root knows its handle) for the full view.
  caf::actor controller;
  self->request(u->runtime->root, kAdminTimeout, supervision::get_child_atom::value,
                std::string("universe"))
      .receive([&](caf::actor& handle) { controller = std::move(handle); },
               [&](caf::error& err) { log::Warn("stats: no controller: ", to_string(err)); });
  if (!controller) return stats;
  self->request(controller, kAdminTimeout, stats_atom::value)
      .receive([&](UniverseStats& full) { stats = std::move(full); },
               [&](caf::error& err) {
                 log::Warn("stats: controller did not answer: ", to_string(err));
               });
  return stats;
}

warp::Health Universe::Health() {
  warp::Health health;
  if (!IsOpen()) {
    health.problems.push_back("the universe is not open");
    return health;
  }
  UniverseStats stats = Stats();
  std::lock_guard lock(impl_->lifecycle_mu);
  OpenUniverse* u = impl_->open.load(std::memory_order_acquire);
  if (u == nullptr) {
    health.problems.push_back("the universe is not open");
    return health;
  }
  health.data_dir = u->options.data_dir;
  health.shards = u->options.shards;
  health.uptime_ms = NanosSince(u->opened_at) / 1000000;
  health.recovered_from_crash = u->dir->recovered_from_crash();
  health.actors = stats.actors;
  if (health.actors.empty()) health.problems.push_back("the supervision tree did not answer");
  for (const ActorStatus& actor : health.actors) {
    if (actor.state != "running") health.problems.push_back(actor.path + " is " + actor.state);
  }
  for (const auto& log : u->logs) {
    Status error = log->error();
    if (!error.ok()) health.problems.push_back(error.ToString());
  }
  for (const auto& checkpointer : u->checkpointers) {
    CheckpointStats snapshot = checkpointer->Stats();
    if (!snapshot.last_error.empty()) health.problems.push_back(snapshot.last_error);
  }
  health.notices = u->notices;
  health.level = health.problems.empty() ? HealthLevel::kHealthy : HealthLevel::kDegraded;
  return health;
}

caf::actor_system& UniverseTestPeer::System(Universe& universe) {
  return universe.impl_->open.load()->runtime->system;
}

caf::actor UniverseTestPeer::Root(Universe& universe) {
  return universe.impl_->open.load()->runtime->root;
}

void UniverseTestPeer::UseFileSystem(Universe& universe, FileSystem* fs) {
  std::lock_guard lock(universe.impl_->lifecycle_mu);
  universe.impl_->fs = fs != nullptr ? fs : DefaultFileSystem();
}

void UniverseTestPeer::UseWallClock(Universe& universe, const WallClock* clock) {
  std::lock_guard lock(universe.impl_->lifecycle_mu);
  universe.impl_->clock = clock != nullptr ? clock : SystemWallClock();
}

const char* HealthLevelName(HealthLevel level) {
  switch (level) {
    case HealthLevel::kHealthy:
      return "healthy";
    case HealthLevel::kDegraded:
      return "degraded";
    case HealthLevel::kDown:
      return "down";
  }
  return "unknown";
}

}  // namespace warp
