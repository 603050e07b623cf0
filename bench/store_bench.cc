// store_bench: WarpEngine's embedded key-value path against what a user would pick instead, in
// the style of leveldb's db_bench. Every baseline runs in the same binary and the same run, and
// the systems alternate within each round, so that the ratios hold on a small, noisy machine.
//
// Workloads (--workloads, run in the order given):
//   fillrandom  num puts of uniformly random keys into an empty store, split over the threads
//   readrandom  num gets of uniformly random keys from a store holding all num keys
//   readhot     num gets of zipfian (--zipf) keys, scrambled so that hot keys are spread over
//               the key space (YCSB's ScrambledZipfianGenerator)
//   mixed       num operations, 90% get / 10% put, uniformly random keys, store holding all keys
// The read workloads first load keys 0..num-1 sequentially on one thread; that is not timed.
// Each thread runs num/threads operations. Keys, operation kinds and values are generated
// before the clock starts; a key is a zero-padded decimal number in [0, num).
//
// Systems (--systems):
//   warp     warp::Universe through its public API (include/warp/universe.h), default Options
//            except data_dir (inside the scratch directory) and log_level=warn
//   ceiling  a bare lock-striped std::unordered_map<std::string, std::string>: 1024 stripes,
//            each with a std::shared_mutex, no metadata, no durability. The fastest this table
//            design can go; lookups reuse a thread_local key buffer as WarpEngine's do.
//   cuckoo   libcuckoo's cuckoohash_map<std::string, std::string>: the alternative table design
//   rocksdb  RocksDB, default options + create_if_missing, WAL on, sync=false; after an
//            untimed load it is flushed and compacted so that reads see a settled tree
//
// Flags ("--flag=value" or "--flag value"):
//   --num=N           keys in the key space and operations per run        (1000000)
//   --key_size=N      bytes per key                                        (16)
//   --value_size=N    bytes per value                                      (100)
//   --threads=LIST    thread counts, comma-separated, each run separately  (1,2)
//   --workloads=LIST  comma-separated                  (fillrandom,readrandom,readhot,mixed)
//   --systems=LIST    comma-separated                  (warp,ceiling,cuckoo,rocksdb)
//   --repeat=N        rounds; the median of each system is reported        (3)
//   --zipf=THETA      zipfian constant of readhot, 0 < THETA < 1           (0.99)
//   --out=DIR         also write DIR/store_bench-<YYYYMMDD-HHMMSS>.json and
//                     DIR/store_bench-latest.md                            (print only)
//   --db_dir=DIR      scratch directory                (a new /tmp/store_bench-XXXXXX, removed)
//
// Exit status: 0 when every run completed, even if a bar is missed (the report says so);
// 1 for a bad flag; 2 when an operation failed or a file could not be written.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "bench/bench_util.h"
#include "bench/store_systems.h"
#include "store/data_dir.h"
#include "warp/options.h"
#include "warp/version.h"

namespace warp::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr double kMixedPutFraction = 0.1;

const std::vector<std::string> kAllWorkloads = {"fillrandom", "readrandom", "readhot", "mixed"};

// The bars: WarpEngine against the ceiling and against RocksDB, per thread count.
struct Bar {
  const char* workload;
  double vs_ceiling;
  double vs_rocksdb;
};
constexpr Bar kBars[] = {{"readrandom", 0.7, 3.0}, {"fillrandom", 0.5, 3.0}};

// ---------------------------------------------------------------------------------------------
// Flags

struct Flags {
  uint64_t num = 1000000;
  uint64_t key_size = 16;
  uint64_t value_size = 100;
  std::vector<uint64_t> threads = {1, 2};
  std::vector<std::string> workloads = kAllWorkloads;
  std::vector<std::string> systems = SystemNames();
  uint64_t repeat = 3;
  double zipf = 0.99;
  std::string out;
  std::string db_dir;
};

bool ParseZipf(const std::string& text, double* out, std::string* error) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value > 0.0 && value < 1.0)) {
    *error = "--zipf: expected a number strictly between 0 and 1, got '" + text + "'";
    return false;
  }
  *out = value;
  return true;
}

bool ApplyFlag(const std::string& name, const std::string& value, Flags* f, std::string* error) {
  if (name == "num") return ParseUint(name, value, 1, uint64_t{1} << 32, &f->num, error);
  if (name == "key_size") return ParseUint(name, value, 1, 1024, &f->key_size, error);
  if (name == "value_size") return ParseUint(name, value, 1, 1 << 20, &f->value_size, error);
  if (name == "repeat") return ParseUint(name, value, 1, 1000, &f->repeat, error);
  if (name == "threads") return ParseUintList(name, value, 1, 1024, &f->threads, error);
  if (name == "workloads") return ParseNames(name, value, kAllWorkloads, &f->workloads, error);
  if (name == "systems") return ParseNames(name, value, SystemNames(), &f->systems, error);
  if (name == "zipf") return ParseZipf(value, &f->zipf, error);
  if (name == "out") return ParseDir(name, value, &f->out, error);
  if (name == "db_dir") return ParseDir(name, value, &f->db_dir, error);
  *error = "unknown flag --" + name + " (see --help)";
  return false;
}

// Returns false with *error set on a bad command line; *help is set for --help.
bool ParseFlags(int argc, char** argv, Flags* flags, bool* help, std::string* error) {
  auto apply = [flags](const std::string& name, const std::string& value, std::string* e) {
    return ApplyFlag(name, value, flags, e);
  };
  if (!ParseCommandLine(argc, argv, apply, help, error)) return false;
  return *help || CheckKeySpace(flags->num, flags->key_size, error);
}

// ---------------------------------------------------------------------------------------------
// Plans

Plan MakeWorkloadPlan(const std::string& workload, uint64_t threads, const Flags& flags) {
  std::unique_ptr<Zipfian> zipf;
  if (workload == "readhot") zipf = std::make_unique<Zipfian>(flags.num, flags.zipf);
  size_t workload_index =
      std::find(kAllWorkloads.begin(), kAllWorkloads.end(), workload) - kAllWorkloads.begin();
  PlanSpec spec;
  spec.mix = workload == "fillrandom" ? OpMix::kPuts
             : workload == "mixed"    ? OpMix::kMixed
                                      : OpMix::kGets;
  spec.put_fraction = kMixedPutFraction;
  spec.num = flags.num;
  spec.key_size = flags.key_size;
  spec.threads = threads;
  spec.ops = flags.num;
  spec.seed_base = 1000 * (workload_index + 1);
  spec.zipf = zipf.get();
  return MakePlan(spec);
}

// ---------------------------------------------------------------------------------------------
// Running

bool RunOnce(const Flags& flags, const std::string& scratch, const Plan& plan,
             const ValueSource& values, Run* run, std::string* error) {
  static int run_id = 0;
  DirGuard dir{scratch + "/" + run->system + "-" + std::to_string(++run_id)};
  // The read workloads read a loaded store, settled (RocksDB flushed and compacted) first.
  Prepare load;
  if (run->workload != "fillrandom") {
    load = [&](Store* store, std::string* e) {
      return LoadKeys(store, flags.num, flags.key_size, values, e) && store->Settle(e);
    };
  }
  return TimeFreshStore(dir.path, load, plan, values, run, error);
}

// ---------------------------------------------------------------------------------------------
// Reporting

json ConfigJson(const Flags& flags, const Machine& machine) {
  warp::Options defaults;
  return json{{"num", flags.num},
              {"key_size", flags.key_size},
              {"value_size", flags.value_size},
              {"threads", flags.threads},
              {"workloads", flags.workloads},
              {"systems", flags.systems},
              {"repeat", flags.repeat},
              {"zipf", flags.zipf},
              {"nproc", machine.nproc},
              {"cpu", machine.cpu},
              {"date", machine.date},
              {"build_type", WARP_BENCH_BUILD_TYPE},
              {"compiler", __VERSION__},
              {"warp_version", warp::kWarpVersion},
              {"warp_shards", defaults.shards},
              {"warp_get", "Universe::Get(key, &value)"},
              {"ceiling_stripes", kCeilingStripes},
              {"rocksdb_version", RocksVersion()},
              {"rocksdb_options", "defaults, create_if_missing, WAL on, sync=false"}};
}

void PrintConfig(const Flags& flags, const Machine& machine) {
  warp::Options defaults;
  std::printf("store_bench: WarpEngine %s against its baselines\n", warp::kWarpVersion);
  std::printf("Date:        %s\n", machine.date.c_str());
  std::printf("CPU:         %ld x %s\n", machine.nproc, machine.cpu.c_str());
  std::printf("Build:       %s, gcc %s\n", WARP_BENCH_BUILD_TYPE, __VERSION__);
  std::printf("Keys:        %llu, %llu bytes each\n", (unsigned long long)flags.num,
              (unsigned long long)flags.key_size);
  std::printf("Values:      %llu bytes each\n", (unsigned long long)flags.value_size);
  std::printf("Threads:     %s\n", JoinNumbers(flags.threads).c_str());
  std::printf("Repeat:      %llu rounds (systems alternate; medians reported)\n",
              (unsigned long long)flags.repeat);
  std::printf("Zipf:        %.2f (readhot)\n", flags.zipf);
  std::printf(
      "warp:        default Options: %u shards (one per core), %u scheduler threads, "
      "wal.fsync=%s\n",
      warp::DataDir::DefaultShardCount(), defaults.runtime.scheduler_threads,
      warp::FsyncPolicyName(defaults.wal.fsync));
  std::printf("warp reads:  Universe::Get(key, &value) into a reused string\n");
  std::printf("ceiling:     std::unordered_map, %zu stripes x std::shared_mutex\n",
              kCeilingStripes);
  std::printf(
      "RocksDB:     %s, default options, WAL on, sync=false, "
      "flush+compact after load\n",
      RocksVersion().c_str());
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

// One row of the ratio table. A ratio is 0 when a system was not run.
struct Ratios {
  std::string workload;
  uint64_t threads = 0;
  double warp_ceiling = 0, warp_rocksdb = 0, cuckoo_ceiling = 0;
  std::string bar;      // "" when the issue sets no bar for this workload
  std::string verdict;  // "PASS", "FAIL" or "n/a"
};

void Judge(Ratios* r) {
  for (const Bar& bar : kBars) {
    if (r->workload != bar.workload) continue;
    char text[96];
    std::snprintf(text, sizeof(text), "warp/ceiling>=%.1f warp/rocksdb>=%.1f", bar.vs_ceiling,
                  bar.vs_rocksdb);
    r->bar = text;
    if (r->warp_ceiling == 0 || r->warp_rocksdb == 0) {
      r->verdict = "n/a";
    } else {
      bool pass = r->warp_ceiling >= bar.vs_ceiling && r->warp_rocksdb >= bar.vs_rocksdb;
      r->verdict = pass ? "PASS" : "FAIL";
    }
  }
}

std::vector<Ratios> ComputeRatios(const Flags& flags, const Summary& summary) {
  std::vector<Ratios> rows;
  for (const std::string& w : flags.workloads) {
    for (uint64_t t : flags.threads) {
      Ratios r;
      r.workload = w;
      r.threads = t;
      r.warp_ceiling = Ratio(summary, w, t, "warp", "ceiling");
      r.warp_rocksdb = Ratio(summary, w, t, "warp", "rocksdb");
      r.cuckoo_ceiling = Ratio(summary, w, t, "cuckoo", "ceiling");
      Judge(&r);
      rows.push_back(r);
    }
  }
  return rows;
}

void PrintTables(const std::vector<Run>& runs, const Summary& summary,
                 const std::vector<Ratios>& rows) {
  PrintMedians(runs, summary);
  std::printf("\n%-11s %7s  %12s %12s %14s  %-38s %s\n", "workload", "threads", "warp/ceiling",
              "warp/rocksdb", "cuckoo/ceiling", "bar", "verdict");
  for (const Ratios& r : rows) {
    std::printf("%-11s %7llu  %12s %12s %14s  %-38s %s\n", r.workload.c_str(),
                (unsigned long long)r.threads, FormatRatio(r.warp_ceiling).c_str(),
                FormatRatio(r.warp_rocksdb).c_str(), FormatRatio(r.cuckoo_ceiling).c_str(),
                r.bar.empty() ? "-" : r.bar.c_str(), r.verdict.empty() ? "-" : r.verdict.c_str());
  }
}

json ResultsJson(const Flags& flags, const Machine& machine, const std::vector<Run>& runs,
                 const Summary& summary, const std::vector<Ratios>& rows, double wall) {
  json doc{{"config", ConfigJson(flags, machine)}, {"wall_seconds", wall}};
  doc["runs"] = RunsJson(runs);
  doc["medians"] = MediansJson(runs, summary);
  for (const Ratios& r : rows) {
    doc["ratios"].push_back({{"workload", r.workload},
                             {"threads", r.threads},
                             {"warp_over_ceiling", r.warp_ceiling},
                             {"warp_over_rocksdb", r.warp_rocksdb},
                             {"cuckoo_over_ceiling", r.cuckoo_ceiling},
                             {"bar", r.bar},
                             {"verdict", r.verdict}});
  }
  return doc;
}

std::string ResultsMarkdown(const Flags& flags, const Machine& machine,
                            const std::vector<Run>& runs, const Summary& summary,
                            const std::vector<Ratios>& rows) {
  std::ostringstream md;
  md << "# store_bench: latest ratios\n\n"
     << "Date " << machine.date << ", nproc " << machine.nproc << " (" << machine.cpu << "), "
     << flags.num << " keys of " << flags.key_size << " bytes, " << flags.value_size
     << "-byte values, median of " << flags.repeat << " alternating rounds, RocksDB "
     << RocksVersion()
     << " with its WAL on (sync=false), WarpEngine with wal.fsync=everysec. Written by "
        "`bench/store_bench --out`.\n\n"
     << "| workload | threads | warp/ceiling | warp/rocksdb | cuckoo/ceiling | bar | verdict |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const Ratios& r : rows) {
    md << "| " << r.workload << " | " << r.threads << " | " << FormatRatio(r.warp_ceiling) << " | "
       << FormatRatio(r.warp_rocksdb) << " | " << FormatRatio(r.cuckoo_ceiling) << " | "
       << (r.bar.empty() ? "-" : r.bar) << " | " << (r.verdict.empty() ? "-" : r.verdict) << " |\n";
  }
  md << "\nMedian ops/s on that machine (for orientation only; compare ratios):\n\n"
     << MarkdownMedians(runs, summary);
  return md.str();
}

// ---------------------------------------------------------------------------------------------
// Driver

// Every round runs each system once, starting one system later than the previous round.
bool RunAll(const Flags& flags, const std::string& scratch, std::vector<Run>* runs,
            std::string* error) {
  ValueSource values(flags.value_size);
  for (const std::string& workload : flags.workloads) {
    for (uint64_t threads : flags.threads) {
      Plan plan = MakeWorkloadPlan(workload, threads, flags);
      bool ok = RunAlternating(
          flags.systems, flags.repeat, [&](const std::string& system, uint64_t round) {
            Run run{workload, threads, system, round};
            if (!RunOnce(flags, scratch, plan, values, &run, error)) return false;
            std::fprintf(stderr, "  %-11s threads=%llu round=%llu %-8s %12s ops/s\n",
                         workload.c_str(), (unsigned long long)threads,
                         (unsigned long long)round + 1, run.system.c_str(),
                         FormatOps(run.ops_per_sec).c_str());
            runs->push_back(run);
            return true;
          });
      if (!ok) return false;
    }
  }
  return true;
}

// Prints the tables and, with --out, writes the result files. Returns the exit status.
int Report(const Flags& flags, const Machine& machine, const std::vector<Run>& runs, double wall) {
  Summary summary = Summarize(runs);
  std::vector<Ratios> rows = ComputeRatios(flags, summary);
  PrintTables(runs, summary, rows);
  std::printf("\nwall time: %.1f s\n", wall);
  for (const auto& [key, misses] : summary.misses) {
    if (misses) {
      std::printf("WARNING: %s missed %llu loaded keys\n", std::get<2>(key).c_str(),
                  (unsigned long long)misses);
    }
  }
  if (flags.out.empty()) return 0;
  std::string error;
  std::string text = ResultsJson(flags, machine, runs, summary, rows, wall).dump(2) + "\n";
  std::string markdown = ResultsMarkdown(flags, machine, runs, summary, rows);
  if (!WriteResults(flags.out, "store_bench", machine, text, markdown, &error)) {
    std::fprintf(stderr, "store_bench: %s\n", error.c_str());
    return 2;
  }
  return 0;
}

int Main(int argc, char** argv) {
  Flags flags;
  bool help = false;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &help, &error)) {
    std::fprintf(stderr, "store_bench: %s\n", error.c_str());
    return 1;
  }
  if (help) {
    std::printf(
        "usage: store_bench [--flag=value ...]; the flags and workloads are listed at\n"
        "the top of bench/store_bench.cc and in bench/README.md\n");
    return 0;
  }
  Machine machine = DescribeMachine();
  PrintConfig(flags, machine);
  std::string scratch;
  bool owned = false;
  if (!MakeScratch(flags.db_dir, "store_bench", &scratch, &owned, &error)) {
    std::fprintf(stderr, "store_bench: %s\n", error.c_str());
    return 2;
  }
  Clock::time_point start = Clock::now();
  std::vector<Run> runs;
  bool ok = RunAll(flags, scratch, &runs, &error);
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::error_code ec;
  if (owned) fs::remove_all(scratch, ec);
  if (!ok) {
    std::fprintf(stderr, "store_bench: run failed: %s\n", error.c_str());
    return 2;
  }
  return Report(flags, machine, runs, wall);
}

}  // namespace
}  // namespace warp::bench

int main(int argc, char** argv) { return warp::bench::Main(argc, argv); }
