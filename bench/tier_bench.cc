// tier_bench: what tiered storage costs and saves, in one run. WarpEngine with a memory budget a
// quarter of the data's size is measured next to WarpEngine holding everything in memory and
// next to RocksDB given the same memory as a block cache. The systems alternate within each
// round and the median of the rounds is reported (docs/BENCHMARKS.md), as in store_bench.
//
// Systems:
//   warp-memory  warp::Universe, default Options except data_dir, log_level=warn and
//                tiers.warm.compress_min_bytes (--warm_min_bytes, 64: with the default 256 a
//                100-byte value is never kept warm, nor compressed in the cache's level 2):
//                no budget, everything hot
//   warp-tiered  the same with memory.max_bytes = --budget_fraction x the logical data bytes
//                (num x (key_size + value_size)); tiers.cold.cache_bytes is left at its default,
//                which the engine caps at a quarter of the budget. The budget charges the values
//                kept in memory (hot, warm) and the cache; keys stay in memory uncharged
//   rocksdb      RocksDB, default options + create_if_missing, WAL on, sync=false, and an LRU
//                block cache of the same bytes as warp-tiered's budget; flushed and compacted
//                after the load
// The process runs with two malloc arenas (LimitMallocArenas, as warpd; MALLOC_ARENA_MAX in the
// environment overrides it), for every system alike.
// Data: keys 0..num-1 (zero-padded decimals), loaded in order on one thread, untimed. Even keys
// get compressible values (a sentence repeated from a per-key offset), odd keys pseudo-random
// bytes (bench::ValueSource), so that demotion can take values warm (LZ4 in memory) or cold
// (value log). Every run gets a fresh store.
// Workloads (--workloads), each thread doing reads/threads gets, keys generated before the clock:
//   zipf     scrambled zipfian (--zipf) keys, as store_bench's readhot (YCSB's generator)
//   uniform  uniformly random keys
// For WarpEngine the tier each read was served from is counted (Get's cosmic.tier), and for
// warp-tiered the event horizon cache's hits and misses over the timed run (Stats().cache).
// Memory (--parts=memory): bytes per key of each tier, from Stats().total.memory_bytes and
// from the growth of the process's RssAnon:
//   hot   no budget, the mixed values above
//   warm  compressible values only, memory.max_bytes 0.7 x their value bytes + 1 MiB (hot
//         cannot fit, warm can), tiers.cold.cache_bytes 1 MiB, tiers.warm.max_bytes 0
//   cold  pseudo-random values only (LZ4 cannot shrink them) and memory.max_bytes 8 MiB
//         (which still keeps about 6 MiB of values hot: the budget charges values, not keys)
// Each tier's cost per key is solved from the rows: demotion takes warm records on to cold as
// readily as it takes hot ones warm, so no budget leaves nearly every key warm (TierCosts).
//
// Flags ("--flag=value" or "--flag value"):
//   --num=N              keys loaded                                         (1000000)
//   --reads=N            timed gets per run, over all threads                (5 x num)
//   --key_size=N         bytes per key                                        (16)
//   --value_size=N       bytes per value                                      (100)
//   --threads=LIST       thread counts, each run separately                   (1,2)
//   --workloads=LIST     zipf,uniform                                         (zipf,uniform)
//   --systems=LIST       warp-memory,warp-tiered,rocksdb                      (all three)
//   --repeat=N           rounds; medians reported                             (3)
//   --warmup=N           untimed gets of the workload's distribution (other keys, one
//                        thread) after the load, before the clock, for every
//                        system: the steady state is measured, with the block cache
//                        warm and the hot set learned (after an ordered load every
//                        key has the same heat)                               (10 x num)
//   --zipf=THETA         zipfian constant, 0 < THETA < 1                      (0.99)
//   --budget_fraction=F  warp-tiered's memory.max_bytes and RocksDB's block cache, as a
//                        fraction of the logical bytes, 0 < F <= 10          (0.25)
//   --warm_min_bytes=N   tiers.warm.compress_min_bytes of every warp system   (64)
//   --parts=LIST         reads,memory                                         (reads,memory)
//   --out=DIR            also write DIR/tier_bench-<YYYYMMDD-HHMMSS>.json and
//                        DIR/tier_bench-latest.md                             (print only)
//   --db_dir=DIR         scratch directory            (a new /tmp/tier_bench-XXXXXX, removed)
//
// Exit status: 0 when every run completed, even if a bar is missed (the report says MISS);
// 1 for a bad flag; 2 when an operation failed or a file could not be written.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/store_systems.h"
#include "bench/tier_systems.h"
#include "common/malloc_tuning.h"
#include "warp/options.h"
#include "warp/universe.h"
#include "warp/version.h"

namespace warp::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

const std::vector<std::string> kSystems = {"warp-memory", "warp-tiered", "rocksdb"};
const std::vector<std::string> kAllWorkloads = {"zipf", "uniform"};
const std::vector<std::string> kAllParts = {"reads", "memory"};

// The bars, for zipf only: warp-tiered against warp-memory and against RocksDB.
constexpr double kBarVsMemory = 0.8;
constexpr double kBarVsRocks = 2.0;

// The memory table's settings (see the top of the file).
constexpr double kWarmBudgetFraction = 0.7;   // of the value bytes: the most warm keys
constexpr uint64_t kMinCacheBytes = 1 << 20;  // the least tiers.cold.cache_bytes accepts
constexpr uint64_t kColdBudgetBytes = 8 << 20;

// ---------------------------------------------------------------------------------------------
// Flags

struct Flags {
  uint64_t num = 1000000;
  uint64_t reads = 0;  // 0: 5 x num
  uint64_t key_size = 16;
  uint64_t value_size = 100;
  std::vector<uint64_t> threads = {1, 2};
  std::vector<std::string> workloads = kAllWorkloads;
  std::vector<std::string> parts = kAllParts;
  std::vector<std::string> systems = kSystems;
  uint64_t repeat = 3;
  uint64_t warmup = 0;
  bool warmup_set = false;  // else 10 x num
  double zipf = 0.99;
  double budget_fraction = 0.25;
  uint64_t warm_min_bytes = 64;
  std::string out;
  std::string db_dir;
  bool Runs(const std::string& part) const {
    return std::find(parts.begin(), parts.end(), part) != parts.end();
  }
  uint64_t Reads() const { return reads == 0 ? 5 * num : reads; }
  uint64_t Warmup() const { return warmup_set ? warmup : 10 * num; }
  uint64_t LogicalBytes() const { return num * (key_size + value_size); }
  uint64_t Budget() const { return static_cast<uint64_t>(LogicalBytes() * budget_fraction); }
};

// A number in (0, max] (exclusive_max: in (0, max)); the message names --flag.
bool ParseFraction(const std::string& flag, const std::string& text, double max, bool exclusive_max,
                   double* out, std::string* error) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  bool in_range = value > 0.0 && (exclusive_max ? value < max : value <= max);
  if (text.empty() || *end != '\0' || !in_range) {
    char range[64];
    std::snprintf(range, sizeof(range), "(0, %g%s", max, exclusive_max ? ")" : "]");
    *error = "--" + flag + ": expected a number in " + range + ", got '" + text + "'";
    return false;
  }
  *out = value;
  return true;
}

bool ApplyFlag(const std::string& name, const std::string& value, Flags* f, std::string* error) {
  if (name == "num") return ParseUint(name, value, 1, uint64_t{1} << 32, &f->num, error);
  if (name == "reads") return ParseUint(name, value, 1, uint64_t{1} << 34, &f->reads, error);
  if (name == "key_size") return ParseUint(name, value, 1, 1024, &f->key_size, error);
  if (name == "value_size") return ParseUint(name, value, 1, 1 << 20, &f->value_size, error);
  if (name == "repeat") return ParseUint(name, value, 1, 1000, &f->repeat, error);
  if (name == "threads") return ParseUintList(name, value, 1, 1024, &f->threads, error);
  if (name == "workloads") return ParseNames(name, value, kAllWorkloads, &f->workloads, error);
  if (name == "parts") return ParseNames(name, value, kAllParts, &f->parts, error);
  if (name == "systems") return ParseNames(name, value, kSystems, &f->systems, error);
  if (name == "warmup") {
    f->warmup_set = true;
    return ParseUint(name, value, 0, uint64_t{1} << 34, &f->warmup, error);
  }
  if (name == "zipf") return ParseFraction(name, value, 1.0, true, &f->zipf, error);
  if (name == "budget_fraction") {
    return ParseFraction(name, value, 10.0, false, &f->budget_fraction, error);
  }
  if (name == "warm_min_bytes") {
    return ParseUint(name, value, 0, 1 << 30, &f->warm_min_bytes, error);
  }
  if (name == "out") return ParseDir(name, value, &f->out, error);
  if (name == "db_dir") return ParseDir(name, value, &f->db_dir, error);
  *error = "unknown flag --" + name + " (see --help)";
  return false;
}

bool ParseFlags(int argc, char** argv, Flags* flags, bool* help, std::string* error) {
  auto apply = [flags](const std::string& name, const std::string& value, std::string* e) {
    return ApplyFlag(name, value, flags, e);
  };
  if (!ParseCommandLine(argc, argv, apply, help, error)) return false;
  return *help || CheckKeySpace(flags->num, flags->key_size, error);
}

// ---------------------------------------------------------------------------------------------
// Systems

warp::Options WarpOptions(const Flags& flags, const std::string& dir) {
  warp::Options options;
  options.data_dir = dir;
  options.log_level = "warn";
  options.tiers.warm.compress_min_bytes = flags.warm_min_bytes;
  return options;
}

std::unique_ptr<Store> OpenSystem(const std::string& system, const Flags& flags,
                                  const std::string& dir, std::string* error) {
  if (system == "rocksdb") {
    auto store = std::make_unique<CachedRocksStore>();
    if (store->Open(dir, flags.Budget(), error)) return store;
    return nullptr;
  }
  warp::Options options = WarpOptions(flags, dir);
  if (system == "warp-tiered") options.memory.max_bytes = flags.Budget();
  auto store = std::make_unique<TierWarpStore>();
  if (store->Open(options, error)) return store;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Tier figures

// What one timed run of a WarpEngine system did, from counters read before and after it.
struct TierRun {
  std::string workload;
  uint64_t threads = 0;
  std::string system;
  std::array<uint64_t, 3> served{};  // reads per tier that served them (cosmic.tier)
  uint64_t cold_reads = 0;           // Stats().total.cold_reads delta
  uint64_t promoted = 0;             // delta
  uint64_t demoted = 0;              // to warm or cold, delta
  uint64_t cache_hits = 0, cache_misses = 0;
  TierState after;
};

void CountDelta(const warp::UniverseStats& before, const warp::UniverseStats& after, TierRun* r) {
  r->cold_reads = after.total.cold_reads - before.total.cold_reads;
  r->promoted = after.total.promoted - before.total.promoted;
  r->demoted = after.total.demoted_to_warm + after.total.demoted_to_cold -
               before.total.demoted_to_warm - before.total.demoted_to_cold;
  r->cache_hits =
      after.cache.l1_hits + after.cache.l2_hits - before.cache.l1_hits - before.cache.l2_hits;
  r->cache_misses = after.cache.misses - before.cache.misses;
  r->after = StateOf(after);
}

double Share(uint64_t part, uint64_t whole) { return whole == 0 ? 0 : double(part) / whole; }

std::string MiB(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", bytes / 1048576.0);
  return text;
}

std::string Percent(double share) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", 100 * share);
  return text;
}

// The tier figures of warp-tiered per (workload, threads), pooled over the rounds.
struct TierSummary {
  std::string workload;
  uint64_t threads = 0;
  TierRun sum;
  uint64_t reads() const { return sum.served[0] + sum.served[1] + sum.served[2]; }
  double hit_rate() const { return Share(sum.cache_hits, sum.cache_hits + sum.cache_misses); }
};

std::vector<TierSummary> SummarizeTiers(const Flags& flags, const std::vector<TierRun>& runs) {
  std::vector<TierSummary> rows;
  for (const std::string& w : flags.workloads) {
    for (uint64_t t : flags.threads) {
      TierSummary row;
      row.workload = w;
      row.threads = t;
      for (const TierRun& r : runs) {
        if (r.system != "warp-tiered" || r.workload != w || r.threads != t) continue;
        for (size_t i = 0; i < 3; ++i) row.sum.served[i] += r.served[i];
        row.sum.cold_reads += r.cold_reads;
        row.sum.promoted += r.promoted;
        row.sum.demoted += r.demoted;
        row.sum.cache_hits += r.cache_hits;
        row.sum.cache_misses += r.cache_misses;
      }
      rows.push_back(row);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Running the reads

struct ReadResults {
  std::vector<Run> runs;
  std::vector<TierRun> tier_runs;
  bool have_loaded = false;
  TierState loaded;  // warp-tiered after its first load (and warm-up), before the clock
  uint64_t rocks_sst_bytes = 0;
  uint64_t checked = 0, wrong = 0;  // sampled values after the runs (wrong must be 0)
  // Per system, the growth of RssAnon from before Open to the end of the timed reads, per run:
  // what the loaded store holds in anonymous memory once its caches have filled (keys, values,
  // caches, memtables; not the page cache).
  std::map<std::string, std::vector<double>> rss_growth;
};

// `ops` gets of `workload`'s keys over `threads` threads; the warm-up draws other keys from the
// same distribution (another seed).
Plan MakeReadPlan(const std::string& workload, uint64_t threads, uint64_t ops, bool warmup,
                  const Flags& flags, const Zipfian& zipf) {
  PlanSpec spec;
  spec.mix = OpMix::kGets;
  spec.num = flags.num;
  spec.key_size = flags.key_size;
  spec.threads = threads;
  spec.ops = ops;
  spec.seed_base = (workload == "zipf" ? 7000 : 8000) + (warmup ? 500 : 0);
  spec.zipf = workload == "zipf" ? &zipf : nullptr;
  return MakePlan(spec);
}

// Opens a fresh store of `system` in `dir`, loads and settles it and runs `warmup`, untimed.
// *rss_before is RssAnon before the Open. Null with *error set on failure.
std::unique_ptr<Store> OpenLoaded(const Flags& flags, const std::string& system,
                                  const std::string& dir, const Plan& warmup,
                                  const TierValues& values, uint64_t* rss_before,
                                  std::string* error) {
  TrimMalloc();
  *rss_before = RssAnonBytes();
  std::unique_ptr<Store> store = OpenSystem(system, flags, dir, error);
  if (!store) return nullptr;
  if (!LoadTierValues(store.get(), flags.num, flags.key_size, values, error)) return nullptr;
  if (!store->Settle(error)) return nullptr;
  ValueSource unused_for_gets(flags.value_size);
  Run untimed;
  if (!warmup.empty() && !TimePlan(store.get(), warmup, unused_for_gets, &untimed, error)) {
    return nullptr;
  }
  TrimMalloc();
  return store;
}

// Opens and loads a fresh store (OpenLoaded), times `plan`, checks a sample of the values and
// closes it. The WarpEngine systems also fill a TierRun.
bool RunOnce(const Flags& flags, const std::string& scratch, const Plan& warmup, const Plan& plan,
             const TierValues& values, Run* run, ReadResults* results, std::string* error) {
  static int run_id = 0;
  DirGuard dir{scratch + "/" + run->system + "-" + std::to_string(++run_id)};
  uint64_t rss_before = 0;
  std::unique_ptr<Store> store =
      OpenLoaded(flags, run->system, dir.path, warmup, values, &rss_before, error);
  if (!store) return false;
  auto* warp_store = dynamic_cast<TierWarpStore*>(store.get());
  warp::UniverseStats before;
  if (warp_store != nullptr) {
    before = warp_store->Stats();
    if (run->system == "warp-tiered" && !results->have_loaded) {
      results->loaded = StateOf(before);
      results->have_loaded = true;
    }
  }
  if (auto* rocks = dynamic_cast<CachedRocksStore*>(store.get())) {
    results->rocks_sst_bytes = rocks->SstBytes();
  }
  ValueSource unused_for_gets(flags.value_size);
  if (!TimePlan(store.get(), plan, unused_for_gets, run, error)) return false;
  TrimMalloc();
  uint64_t rss_after = RssAnonBytes();
  results->rss_growth[run->system].push_back(rss_after - std::min(rss_before, rss_after));
  if (warp_store != nullptr) {
    TierRun tier;
    tier.workload = run->workload;
    tier.threads = run->threads;
    tier.system = run->system;
    tier.served = warp_store->TakeTierCounts();
    CountDelta(before, warp_store->Stats(), &tier);
    results->tier_runs.push_back(tier);
  }
  if (!CountWrongValues(store.get(), flags.num, flags.key_size, values, &results->checked,
                        &results->wrong, error)) {
    return false;
  }
  bool closed = store->Close(error);
  store.reset();
  TrimMalloc();
  return closed;
}

bool RunReads(const Flags& flags, const std::string& scratch, ReadResults* results,
              std::string* error) {
  TierValues values(flags.value_size, ValueKind::kMixed);
  Zipfian zipf(flags.num, flags.zipf);
  for (const std::string& workload : flags.workloads) {
    for (uint64_t threads : flags.threads) {
      Plan plan = MakeReadPlan(workload, threads, flags.Reads(), false, flags, zipf);
      Plan warmup;
      if (flags.Warmup() > 0) {
        warmup = MakeReadPlan(workload, 1, flags.Warmup(), true, flags, zipf);
      }
      bool ok = RunAlternating(
          flags.systems, flags.repeat, [&](const std::string& system, uint64_t round) {
            Run run{workload, threads, system, round};
            if (!RunOnce(flags, scratch, warmup, plan, values, &run, results, error)) return false;
            std::fprintf(stderr, "  %-8s threads=%llu round=%llu %-11s %12s ops/s\n",
                         workload.c_str(), (unsigned long long)threads,
                         (unsigned long long)round + 1, system.c_str(),
                         FormatOps(run.ops_per_sec).c_str());
            results->runs.push_back(run);
            return true;
          });
      if (!ok) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Memory per key per tier

struct MemoryRow {
  std::string tier;
  std::string setup;
  TierState state;
  uint64_t rss_growth = 0;  // RssAnon after the load minus before Open
  // Accounted bytes of one key of this row's tier, after taking out the keys of the other
  // tiers at their own rows' cost (see TierCosts).
  double tier_cost = 0;
  double PerKey() const { return Share(state.memory_bytes, state.keys); }
  double RssPerKey() const { return Share(rss_growth, state.keys); }
};

// Loads num keys of `kind` into a universe opened with `options`, then reads its tier state
// and the process's RssAnon growth.
bool MeasureMemory(const Flags& flags, const warp::Options& options, ValueKind kind, MemoryRow* row,
                   std::string* error) {
  DirGuard dir{options.data_dir};
  TrimMalloc();
  uint64_t rss_before = RssAnonBytes();
  {
    TierWarpStore store;
    if (!store.Open(options, error)) return false;
    TierValues values(flags.value_size, kind);
    if (!LoadTierValues(&store, flags.num, flags.key_size, values, error)) return false;
    if (!store.Settle(error)) return false;
    TrimMalloc();
    uint64_t rss_after = RssAnonBytes();
    row->rss_growth = rss_after - std::min(rss_before, rss_after);
    row->state = StateOf(store.Stats());
    if (!store.Close(error)) return false;
  }
  TrimMalloc();
  std::fprintf(stderr, "  memory %-4s %llu keys: %.1f bytes/key accounted\n", row->tier.c_str(),
               (unsigned long long)row->state.keys, row->PerKey());
  return true;
}

// The cost of one key of each tier. Accounting is per record (header, key, payload, a fixed
// overhead), so a hot key costs the same in every row, and a cold one too. The hot row is all
// hot; the cold row's few hot keys (if any) are taken out at the hot cost; the warm row, which
// the engine cannot hold all warm (demotion sends warm records on to cold at the same rate as
// it takes hot ones warm), is solved for its warm keys with the other two costs.
void TierCosts(std::vector<MemoryRow>* rows) {
  MemoryRow& hot = (*rows)[0];
  MemoryRow& warm = (*rows)[1];
  MemoryRow& cold = (*rows)[2];
  hot.tier_cost = Share(hot.state.memory_bytes, hot.state.hot);
  double cold_rest = cold.state.memory_bytes - cold.state.hot * hot.tier_cost;
  cold.tier_cost = cold.state.cold == 0 ? 0 : cold_rest / cold.state.cold;
  double warm_rest =
      warm.state.memory_bytes - warm.state.hot * hot.tier_cost - warm.state.cold * cold.tier_cost;
  warm.tier_cost = warm.state.warm == 0 ? 0 : warm_rest / warm.state.warm;
}

bool RunMemory(const Flags& flags, const std::string& scratch, std::vector<MemoryRow>* rows,
               std::string* error) {
  warp::Options hot = WarpOptions(flags, scratch + "/memory-hot");
  warp::Options warm = WarpOptions(flags, scratch + "/memory-warm");
  warm.memory.max_bytes =
      static_cast<uint64_t>(flags.num * flags.value_size * kWarmBudgetFraction) + kMinCacheBytes;
  warm.tiers.cold.cache_bytes = kMinCacheBytes;
  warm.tiers.warm.max_bytes = 0;
  warp::Options cold = WarpOptions(flags, scratch + "/memory-cold");
  cold.memory.max_bytes = kColdBudgetBytes;
  struct Case {
    const char* tier;
    std::string setup;
    const warp::Options& options;
    ValueKind kind;
  };
  const Case cases[] = {
      {"hot", "no budget; mixed values", hot, ValueKind::kMixed},
      {"warm",
       "memory.max_bytes=" + MiB(warm.memory.max_bytes) +
           " (0.7 x value bytes + 1 MiB), tiers.cold.cache_bytes=1MiB, tiers.warm.max_bytes=0; "
           "compressible values",
       warm, ValueKind::kCompressible},
      {"cold", "memory.max_bytes=8MiB; random values", cold, ValueKind::kRandom},
  };
  for (const Case& c : cases) {
    MemoryRow row;
    row.tier = c.tier;
    row.setup = c.setup;
    if (!MeasureMemory(flags, c.options, c.kind, &row, error)) return false;
    rows->push_back(row);
  }
  TierCosts(rows);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::string SourceCommit() {
  FILE* pipe =
      popen("git -C '" WARP_BENCH_SOURCE_DIR "' describe --always --dirty 2>/dev/null", "r");
  if (pipe == nullptr) return "unknown";
  char text[128] = {};
  bool read = std::fgets(text, sizeof(text), pipe) != nullptr;
  pclose(pipe);
  std::string commit = read ? text : "unknown";
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  return commit.empty() ? "unknown" : commit;
}

json ConfigJson(const Flags& flags, const Machine& machine, const std::string& commit) {
  warp::Options defaults;
  return json{{"num", flags.num},
              {"key_size", flags.key_size},
              {"value_size", flags.value_size},
              {"values", "even keys: a sentence repeated from offset n; odd keys: random bytes"},
              {"threads", flags.threads},
              {"workloads", flags.workloads},
              {"parts", flags.parts},
              {"systems", flags.systems},
              {"warmup", flags.Warmup()},
              {"reads", flags.Reads()},
              {"repeat", flags.repeat},
              {"zipf", flags.zipf},
              {"logical_bytes", flags.LogicalBytes()},
              {"budget_fraction", flags.budget_fraction},
              {"budget_bytes", flags.Budget()},
              {"warm_compress_min_bytes", flags.warm_min_bytes},
              {"cold_cache_bytes_option", defaults.tiers.cold.cache_bytes},
              {"nproc", machine.nproc},
              {"cpu", machine.cpu},
              {"date", machine.date},
              {"commit", commit},
              {"build_type", WARP_BENCH_BUILD_TYPE},
              {"compiler", __VERSION__},
              {"warp_version", warp::kWarpVersion},
              {"rocksdb_version", RocksVersion()},
              {"rocksdb_options",
               "defaults, create_if_missing, WAL on, sync=false, LRU block cache of budget_bytes"}};
}

void PrintConfig(const Flags& flags, const Machine& machine, const std::string& commit) {
  warp::Options defaults;
  std::printf("tier_bench: WarpEngine %s tiered storage\n", warp::kWarpVersion);
  std::printf("Date:        %s\n", machine.date.c_str());
  std::printf("Commit:      %s\n", commit.c_str());
  std::printf("CPU:         %ld x %s\n", machine.nproc, machine.cpu.c_str());
  std::printf("Build:       %s, gcc %s\n", WARP_BENCH_BUILD_TYPE, __VERSION__);
  std::printf("Keys:        %llu, %llu bytes each\n", (unsigned long long)flags.num,
              (unsigned long long)flags.key_size);
  std::printf("Values:      %llu bytes; even keys compressible text, odd keys random bytes\n",
              (unsigned long long)flags.value_size);
  std::printf("Data:        %s logical (keys + values)\n", MiB(flags.LogicalBytes()).c_str());
  std::printf(
      "Budget:      %s (%.2f of the data): warp-tiered memory.max_bytes (values in memory + "
      "cache; keys uncharged), RocksDB block cache\n",
      MiB(flags.Budget()).c_str(), flags.budget_fraction);
  std::printf(
      "warp:        default Options, log_level=warn, tiers.warm.compress_min_bytes=%llu, "
      "tiers.cold.cache_bytes=%s (capped at budget/4)\n",
      (unsigned long long)flags.warm_min_bytes, MiB(defaults.tiers.cold.cache_bytes).c_str());
  std::printf("RocksDB:     %s, default options, WAL on, sync=false, flush+compact after load\n",
              RocksVersion().c_str());
  std::printf("Threads:     %s; repeat %llu (systems alternate; medians reported); zipf %.2f\n",
              JoinNumbers(flags.threads).c_str(), (unsigned long long)flags.repeat, flags.zipf);
  std::printf("Warm-up:     %llu untimed gets before the clock; %llu timed gets per run\n",
              (unsigned long long)flags.Warmup(), (unsigned long long)flags.Reads());
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

// One row of the ratio table.
struct Ratios {
  std::string workload;
  uint64_t threads = 0;
  double vs_memory = 0, vs_rocks = 0;
  std::string verdict_memory = "-", verdict_rocks = "-";  // PASS / MISS where a bar applies
};

std::string Verdict(double ratio, double bar) {
  if (ratio == 0) return "n/a";
  return ratio >= bar ? "PASS" : "MISS";
}

std::vector<Ratios> ComputeRatios(const Flags& flags, const Summary& summary) {
  std::vector<Ratios> rows;
  for (const std::string& w : flags.workloads) {
    for (uint64_t t : flags.threads) {
      Ratios r{w, t};
      r.vs_memory = Ratio(summary, w, t, "warp-tiered", "warp-memory");
      r.vs_rocks = Ratio(summary, w, t, "warp-tiered", "rocksdb");
      if (w == "zipf") {
        r.verdict_memory = Verdict(r.vs_memory, kBarVsMemory);
        r.verdict_rocks = Verdict(r.vs_rocks, kBarVsRocks);
      }
      rows.push_back(r);
    }
  }
  return rows;
}

// "warp-memory 181.3 MiB, ...": the median RssAnon growth of each system's store, from before
// its Open to the end of its timed reads.
std::string RssGrowthText(const Flags& flags, const ReadResults& r) {
  std::string text;
  for (const std::string& system : flags.systems) {
    auto it = r.rss_growth.find(system);
    if (it == r.rss_growth.end()) continue;
    text += (text.empty() ? "" : ", ") + system + " " + MiB(Median(it->second));
  }
  return text;
}

void PrintLoaded(const Flags& flags, const ReadResults& r) {
  std::printf("\nRssAnon growth, Open to end of the timed reads (median): %s\n",
              RssGrowthText(flags, r).c_str());
  if (!r.have_loaded) return;
  const TierState& s = r.loaded;
  std::printf("\nwarp-tiered after the load%s: %llu keys: hot %llu, warm %llu, cold %llu\n",
              flags.Warmup() ? " and the warm-up" : "", (unsigned long long)s.keys,
              (unsigned long long)s.hot, (unsigned long long)s.warm, (unsigned long long)s.cold);
  std::printf(
      "  budget memory.max_bytes %s: values in memory (hot + warm) %s of the shards' share %s, "
      "cache %s of %s\n",
      MiB(flags.Budget()).c_str(), MiB(s.hot_bytes + s.warm_bytes).c_str(),
      MiB(s.shard_budget).c_str(), MiB(s.cache_bytes).c_str(), MiB(s.cache_capacity).c_str());
  std::printf("  memory_bytes (records with keys, not charged to the budget) %s\n",
              MiB(s.memory_bytes).c_str());
  std::printf("  value log %s; RocksDB's SST files after compaction %s\n",
              MiB(s.value_log_bytes).c_str(), MiB(r.rocks_sst_bytes).c_str());
}

void PrintTierReads(const std::vector<TierSummary>& rows) {
  std::printf("\nwarp-tiered reads by serving tier (pooled over the rounds):\n");
  std::printf("%-8s %7s  %7s %7s %7s  %14s %12s %10s %10s\n", "workload", "threads", "hot", "warm",
              "cold", "cache hit rate", "vlog reads", "promoted", "demoted");
  for (const TierSummary& r : rows) {
    uint64_t reads = r.reads();
    std::printf("%-8s %7llu  %7s %7s %7s  %14s %12s %10s %10s\n", r.workload.c_str(),
                (unsigned long long)r.threads, Percent(Share(r.sum.served[0], reads)).c_str(),
                Percent(Share(r.sum.served[1], reads)).c_str(),
                Percent(Share(r.sum.served[2], reads)).c_str(), Percent(r.hit_rate()).c_str(),
                FormatOps(r.sum.cache_misses).c_str(), FormatOps(r.sum.promoted).c_str(),
                FormatOps(r.sum.demoted).c_str());
  }
}

void PrintRatios(const std::vector<Ratios>& rows) {
  std::printf("\n%-8s %7s  %24s %-6s %20s %-6s\n", "workload", "threads", "warp-tiered/warp-memory",
              "(>=0.8)", "warp-tiered/rocksdb", "(>=2)");
  for (const Ratios& r : rows) {
    std::printf("%-8s %7llu  %24s %-6s %20s %-6s\n", r.workload.c_str(),
                (unsigned long long)r.threads, FormatRatio(r.vs_memory).c_str(),
                r.verdict_memory.c_str(), FormatRatio(r.vs_rocks).c_str(), r.verdict_rocks.c_str());
  }
}

void PrintMemory(const std::vector<MemoryRow>& rows) {
  std::printf(
      "\nMemory per key (memory_bytes: records with keys; the budget charges only the "
      "values in memory):\n");
  std::printf("%-5s %9s %9s %9s  %16s %12s  %14s %9s  %s\n", "tier", "hot", "warm", "cold",
              "memory_bytes/key", "RssAnon/key", "per tier's key", "LZ4/warm", "setup");
  for (const MemoryRow& r : rows) {
    std::printf("%-5s %9llu %9llu %9llu  %16.1f %12.1f  %14.1f %9.1f  %s\n", r.tier.c_str(),
                (unsigned long long)r.state.hot, (unsigned long long)r.state.warm,
                (unsigned long long)r.state.cold, r.PerKey(), r.RssPerKey(), r.tier_cost,
                Share(r.state.warm_bytes, r.state.warm), r.setup.c_str());
  }
}

json TierRunJson(const TierRun& r) {
  return {{"workload", r.workload},
          {"threads", r.threads},
          {"system", r.system},
          {"served_hot", r.served[0]},
          {"served_warm", r.served[1]},
          {"served_cold", r.served[2]},
          {"cold_reads", r.cold_reads},
          {"promoted", r.promoted},
          {"demoted", r.demoted},
          {"cache_hits", r.cache_hits},
          {"cache_misses", r.cache_misses},
          {"after", StateJson(r.after)}};
}

// Everything the markdown and the JSON share.
struct Report {
  const Flags& flags;
  const Machine& machine;
  std::string commit;
  const ReadResults& reads;
  Summary summary;
  std::vector<Ratios> ratios;
  std::vector<TierSummary> tiers;
  const std::vector<MemoryRow>& memory;
  double wall = 0;
};

json ResultsJson(const Report& rep) {
  json doc{{"config", ConfigJson(rep.flags, rep.machine, rep.commit)}, {"wall_seconds", rep.wall}};
  doc["runs"] = RunsJson(rep.reads.runs);
  doc["medians"] = MediansJson(rep.reads.runs, rep.summary);
  if (rep.reads.have_loaded) doc["warp_tiered_after_load"] = StateJson(rep.reads.loaded);
  doc["rocksdb_sst_bytes"] = rep.reads.rocks_sst_bytes;
  for (const auto& [system, growth] : rep.reads.rss_growth) {
    doc["rss_anon_growth_open_to_end_of_reads"][system] = {{"median_bytes", Median(growth)},
                                                           {"runs", growth}};
  }
  doc["sampled_values"] = {{"checked", rep.reads.checked}, {"wrong", rep.reads.wrong}};
  for (const TierRun& r : rep.reads.tier_runs) doc["tier_runs"].push_back(TierRunJson(r));
  for (const TierSummary& t : rep.tiers) {
    uint64_t reads = t.reads();
    doc["warp_tiered_reads"].push_back({{"workload", t.workload},
                                        {"threads", t.threads},
                                        {"hot_share", Share(t.sum.served[0], reads)},
                                        {"warm_share", Share(t.sum.served[1], reads)},
                                        {"cold_share", Share(t.sum.served[2], reads)},
                                        {"cache_hit_rate", t.hit_rate()},
                                        {"value_log_reads", t.sum.cache_misses},
                                        {"promoted", t.sum.promoted},
                                        {"demoted", t.sum.demoted}});
  }
  for (const Ratios& r : rep.ratios) {
    doc["ratios"].push_back({{"workload", r.workload},
                             {"threads", r.threads},
                             {"tiered_over_memory", r.vs_memory},
                             {"tiered_over_memory_verdict", r.verdict_memory},
                             {"tiered_over_rocksdb", r.vs_rocks},
                             {"tiered_over_rocksdb_verdict", r.verdict_rocks}});
  }
  for (const MemoryRow& m : rep.memory) {
    doc["memory_per_key"].push_back({{"tier", m.tier},
                                     {"setup", m.setup},
                                     {"state", StateJson(m.state)},
                                     {"memory_bytes_per_key", m.PerKey()},
                                     {"rss_anon_growth_bytes", m.rss_growth},
                                     {"rss_anon_per_key", m.RssPerKey()},
                                     {"bytes_per_key_of_tier", m.tier_cost}});
  }
  return doc;
}

std::string ResultsMarkdown(const Report& rep) {
  const Flags& f = rep.flags;
  std::ostringstream md;
  md << "# tier_bench: latest figures\n\n"
     << "Date " << rep.machine.date << ", nproc " << rep.machine.nproc << " (" << rep.machine.cpu
     << "), commit " << rep.commit << ". " << f.num << " keys of " << f.key_size << " bytes, "
     << f.value_size << "-byte values (half compressible text, half random), median of " << f.repeat
     << " alternating rounds, " << f.Warmup() << " untimed warm-up gets, then " << f.Reads()
     << " timed gets per run. warp-tiered: memory.max_bytes " << MiB(f.Budget()) << " ("
     << f.budget_fraction << " of " << MiB(f.LogicalBytes()) << "), tiers.warm.compress_min_bytes "
     << f.warm_min_bytes << "; RocksDB " << RocksVersion()
     << " with an LRU block cache of the same size. Written by `bench/tier_bench --out`.\n\n";
  if (!rep.ratios.empty()) {
    md << "| workload | threads | warp-tiered/warp-memory (bar 0.8 on zipf) | "
          "warp-tiered/rocksdb (bar 2 on zipf) |\n|---|---|---|---|\n";
    for (const Ratios& r : rep.ratios) {
      md << "| " << r.workload << " | " << r.threads << " | " << FormatRatio(r.vs_memory) << " "
         << r.verdict_memory << " | " << FormatRatio(r.vs_rocks) << " " << r.verdict_rocks
         << " |\n";
    }
    md << "\nwarp-tiered reads by serving tier, and the event horizon cache over the timed "
          "runs:\n\n"
       << "| workload | threads | hot | warm | cold | cache hit rate | promoted |\n"
       << "|---|---|---|---|---|---|---|\n";
    for (const TierSummary& t : rep.tiers) {
      uint64_t reads = t.reads();
      md << "| " << t.workload << " | " << t.threads << " | "
         << Percent(Share(t.sum.served[0], reads)) << " | "
         << Percent(Share(t.sum.served[1], reads)) << " | "
         << Percent(Share(t.sum.served[2], reads)) << " | " << Percent(t.hit_rate()) << " | "
         << FormatOps(t.sum.promoted) << " |\n";
    }
    const TierState& l = rep.reads.loaded;
    md << "\nwarp-tiered after the load: " << l.hot << " keys hot, " << l.warm << " warm, "
       << l.cold << " cold; values in memory " << MiB(l.hot_bytes + l.warm_bytes)
       << " of the shards' share " << MiB(l.shard_budget) << "; records with keys (memory_bytes) "
       << MiB(l.memory_bytes)
       << ". RssAnon growth from Open to the end of the timed reads (median): "
       << RssGrowthText(f, rep.reads) << ".\n";
  }
  if (!rep.memory.empty()) {
    md << "\nMemory per key (" << f.num << " keys, " << f.value_size << "-byte values):\n\n"
       << "| tier | keys hot / warm / cold | memory_bytes/key | RssAnon/key | bytes per key of "
          "the tier | setup |\n"
       << "|---|---|---|---|---|---|\n";
    for (const MemoryRow& m : rep.memory) {
      char cells[160];
      std::snprintf(cells, sizeof(cells), "%llu / %llu / %llu | %.1f | %.1f | %.1f",
                    (unsigned long long)m.state.hot, (unsigned long long)m.state.warm,
                    (unsigned long long)m.state.cold, m.PerKey(), m.RssPerKey(), m.tier_cost);
      md << "| " << m.tier << " | " << cells << " | " << m.setup << " |\n";
    }
  }
  if (!rep.reads.runs.empty()) {
    md << "\nMedian ops/s on that machine (for orientation only; compare ratios):\n\n"
       << MarkdownMedians(rep.reads.runs, rep.summary);
  }
  return md.str();
}

// Prints the tables and, with --out, writes the result files. Returns the exit status.
int PrintAndWrite(const Report& rep) {
  if (!rep.reads.runs.empty()) {
    PrintLoaded(rep.flags, rep.reads);
    PrintMedians(rep.reads.runs, rep.summary);
    PrintTierReads(rep.tiers);
    PrintRatios(rep.ratios);
  }
  if (!rep.memory.empty()) PrintMemory(rep.memory);
  std::printf("\nwall time: %.1f s\n", rep.wall);
  for (const auto& [key, misses] : rep.summary.misses) {
    if (misses) {
      std::printf("WARNING: %s missed %llu loaded keys\n", std::get<2>(key).c_str(),
                  (unsigned long long)misses);
    }
  }
  if (rep.reads.wrong) {
    std::printf("WARNING: %llu of %llu sampled values were wrong\n",
                (unsigned long long)rep.reads.wrong, (unsigned long long)rep.reads.checked);
  }
  if (rep.flags.out.empty()) return 0;
  std::string error;
  std::string text = ResultsJson(rep).dump(2) + "\n";
  if (!WriteResults(rep.flags.out, "tier_bench", rep.machine, text, ResultsMarkdown(rep), &error)) {
    std::fprintf(stderr, "tier_bench: %s\n", error.c_str());
    return 2;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Driver

int Main(int argc, char** argv) {
  Flags flags;
  bool help = false;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &help, &error)) {
    std::fprintf(stderr, "tier_bench: %s\n", error.c_str());
    return 1;
  }
  if (help) {
    std::printf(
        "usage: tier_bench [--flag=value ...]; the flags are listed at the top of\n"
        "bench/tier_bench.cc and in bench/README.md\n");
    return 0;
  }
  Machine machine = DescribeMachine();
  std::string commit = SourceCommit();
  PrintConfig(flags, machine, commit);
  std::string scratch;
  bool owned = false;
  if (!MakeScratch(flags.db_dir, "tier_bench", &scratch, &owned, &error)) {
    std::fprintf(stderr, "tier_bench: %s\n", error.c_str());
    return 2;
  }
  Clock::time_point start = Clock::now();
  ReadResults reads;
  std::vector<MemoryRow> memory;
  // Memory first, while the process holds nothing else, so that RssAnon growth is the store's.
  bool ok = (!flags.Runs("memory") || RunMemory(flags, scratch, &memory, &error)) &&
            (!flags.Runs("reads") || RunReads(flags, scratch, &reads, &error));
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::error_code ec;
  if (owned) fs::remove_all(scratch, ec);
  if (!ok) {
    std::fprintf(stderr, "tier_bench: run failed: %s\n", error.c_str());
    return 2;
  }
  Summary summary = Summarize(reads.runs);
  Report report{flags, machine, commit, reads, summary, {}, {}, memory, wall};
  if (!reads.runs.empty()) {
    report.ratios = ComputeRatios(flags, summary);
    report.tiers = SummarizeTiers(flags, reads.tier_runs);
  }
  return PrintAndWrite(report);
}

}  // namespace
}  // namespace warp::bench

int main(int argc, char** argv) {
  warp::LimitMallocArenas(2);  // as warpd does (common/malloc_tuning.h), for every system
  return warp::bench::Main(argc, argv);
}
