// wal_bench: what WarpEngine's persistence costs, against RocksDB with the same durability, in
// the style of leveldb's db_bench. Both systems run in the same binary and the same run, and
// alternate within each round, so that the ratios hold on a small, noisy machine. It measures
// the three bars of the persistence issue.
//
// Workloads (--workloads, run in the order given):
//   fillrandom  num puts of uniformly random keys into an empty store, split over --threads.
//               warp-everysec against rocksdb-wal: each Put is in the log (written to the OS)
//               when it returns. The keys and values are store_bench's fillrandom ones.
//               Bar: warp/rocksdb >= 3.0 at every thread count.
//   fillsync    sync_num puts of uniformly random keys over sync_threads threads, each Put
//               fsynced (group commit) before it returns: warp-always against rocksdb-sync.
//               Bar: warp/rocksdb >= 2.0.
//   recovery    untimed: load keys 0..num-1 in order, Checkpoint (WarpEngine snapshots every
//               shard, RocksDB flushes its memtable), recovery_puts more puts of random keys of
//               the same space (overwrites), Close (RocksDB is not flushed again: the puts stay
//               in its WAL). Timed: opening that directory (Universe::Open / rocksdb::DB::Open),
//               which recovers the base files plus the log. Then the key count and a sample of
//               values are checked. warp-everysec against rocksdb-wal.
//               Bar: WarpEngine opens in < 1 s.
// Each thread runs its share of the operations. Keys and values are generated before the clock
// starts; a key is a zero-padded decimal number in [0, num). Every run gets a fresh directory.
//
// Systems (bench/store_systems.h):
//   warp-everysec  warp::Universe, default Options except data_dir, log_level=warn and
//                  wal.fsync=everysec (which is also the default)
//   warp-always    the same with wal.fsync=always
//   rocksdb-wal    RocksDB, default options + create_if_missing, WAL on, sync=false
//   rocksdb-sync   RocksDB, default options + create_if_missing, WAL on, sync=true
//
// Flags ("--flag=value" or "--flag value"):
//   --num=N             keys in the key space, fillrandom's puts, recovery's load  (1000000)
//   --key_size=N        bytes per key                                              (16)
//   --value_size=N      bytes per value                                            (100)
//   --threads=LIST      fillrandom thread counts, each run separately              (1,2)
//   --sync_num=N        fillsync's puts, split over its threads                    (64000)
//   --sync_threads=N    fillsync's writer threads                                  (32)
//   --recovery_puts=N   recovery's puts after the checkpoint                       (200000)
//   --recovery_cache=C  warm: open with the files in the page cache, as after a killed
//                       process; cold: evict them first (fdatasync + POSIX_FADV_DONTNEED),
//                       as after a reboot                                          (warm)
//   --workloads=LIST    comma-separated                      (fillrandom,fillsync,recovery)
//   --repeat=N          rounds; the median of each system is reported              (3)
//   --out=DIR           also write DIR/wal_bench-<YYYYMMDD-HHMMSS>.json and
//                       DIR/wal_bench-latest.md                                    (print only)
//   --db_dir=DIR        scratch directory            (a new /tmp/wal_bench-XXXXXX, removed)
//
// Exit status: 0 when every run completed, even if a bar is missed (the report says so);
// 1 for a bad flag; 2 when an operation failed or a file could not be written.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/store_systems.h"
#include "warp/options.h"
#include "warp/version.h"

namespace warp::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

const std::vector<std::string> kAllWorkloads = {"fillrandom", "fillsync", "recovery"};

// Who runs each workload, and the bar for it.
struct Pairing {
  const char* workload;
  const char* warp;
  const char* rocksdb;
  double bar;  // fill workloads: minimum warp/rocksdb ops/s; recovery: maximum seconds to open
};
constexpr Pairing kPairings[] = {{"fillrandom", "warp-everysec", "rocksdb-wal", 3.0},
                                 {"fillsync", "warp-always", "rocksdb-sync", 2.0},
                                 {"recovery", "warp-everysec", "rocksdb-wal", 1.0}};

const Pairing& PairingOf(const std::string& workload) {
  for (const Pairing& p : kPairings) {
    if (workload == p.workload) return p;
  }
  return kPairings[0];  // unreachable: workloads are validated against kAllWorkloads
}

// Sampled Gets after recovery (fewer if the key space is smaller).
constexpr uint64_t kVerifySample = 100000;

// ---------------------------------------------------------------------------------------------
// Flags

struct Flags {
  uint64_t num = 1000000;
  uint64_t key_size = 16;
  uint64_t value_size = 100;
  std::vector<uint64_t> threads = {1, 2};
  uint64_t sync_num = 64000;
  uint64_t sync_threads = 32;
  uint64_t recovery_puts = 200000;
  std::string recovery_cache = "warm";
  std::vector<std::string> workloads = kAllWorkloads;
  uint64_t repeat = 3;
  std::string out;
  std::string db_dir;
};

bool ApplyFlag(const std::string& name, const std::string& value, Flags* f, std::string* error) {
  constexpr uint64_t kMaxOps = uint64_t{1} << 32;
  if (name == "num") return ParseUint(name, value, 1, kMaxOps, &f->num, error);
  if (name == "key_size") return ParseUint(name, value, 1, 1024, &f->key_size, error);
  if (name == "value_size") return ParseUint(name, value, 1, 1 << 20, &f->value_size, error);
  if (name == "threads") return ParseUintList(name, value, 1, 1024, &f->threads, error);
  if (name == "sync_num") return ParseUint(name, value, 1, kMaxOps, &f->sync_num, error);
  if (name == "sync_threads") return ParseUint(name, value, 1, 1024, &f->sync_threads, error);
  if (name == "recovery_puts") return ParseUint(name, value, 0, kMaxOps, &f->recovery_puts, error);
  if (name == "repeat") return ParseUint(name, value, 1, 1000, &f->repeat, error);
  if (name == "workloads") return ParseNames(name, value, kAllWorkloads, &f->workloads, error);
  if (name == "out") return ParseDir(name, value, &f->out, error);
  if (name == "db_dir") return ParseDir(name, value, &f->db_dir, error);
  if (name == "recovery_cache") {
    if (value != "warm" && value != "cold") {
      *error = "--recovery_cache: expected warm or cold, got '" + value + "'";
    }
    f->recovery_cache = value;
    return error->empty();
  }
  *error = "unknown flag --" + name + " (see --help)";
  return false;
}

bool ParseFlags(int argc, char** argv, Flags* flags, bool* help, std::string* error) {
  auto apply = [flags](const std::string& name, const std::string& value, std::string* e) {
    return ApplyFlag(name, value, flags, e);
  };
  if (!ParseCommandLine(argc, argv, apply, help, error)) return false;
  if (*help) return true;
  if (flags->sync_num < flags->sync_threads) {
    *error = "--sync_num: " + std::to_string(flags->sync_num) + " puts cannot be split over " +
             std::to_string(flags->sync_threads) + " threads (--sync_threads)";
    return false;
  }
  return CheckKeySpace(flags->num, flags->key_size, error);
}

// Uniformly random puts. Seeds depend on the workload's place in kAllWorkloads, so fillrandom
// draws exactly store_bench's fillrandom keys (its first workload too).
Plan MakePutPlan(const std::string& workload, uint64_t threads, uint64_t ops, const Flags& flags) {
  size_t workload_index =
      std::find(kAllWorkloads.begin(), kAllWorkloads.end(), workload) - kAllWorkloads.begin();
  PlanSpec spec;
  spec.mix = OpMix::kPuts;
  spec.num = flags.num;
  spec.key_size = flags.key_size;
  spec.threads = threads;
  spec.ops = ops;
  spec.seed_base = 1000 * (workload_index + 1);
  return MakePlan(spec);
}

// ---------------------------------------------------------------------------------------------
// Recovery

// Bytes on disk of one store directory, by what recovery reads.
struct DiskBytes {
  uint64_t base = 0;   // WarpEngine snapshots (*.snap), RocksDB tables (*.sst)
  uint64_t log = 0;    // write-ahead log segments (*.log, for both systems)
  uint64_t other = 0;  // manifests, sidecars, options, info logs
};

DiskBytes MeasureDisk(const std::string& dir) {
  DiskBytes bytes;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    uint64_t size = it->file_size(ec);
    std::string ext = it->path().extension().string();
    if (ext == ".snap" || ext == ".sst") {
      bytes.base += size;
    } else if (ext == ".log") {
      bytes.log += size;
    } else {
      bytes.other += size;
    }
  }
  return bytes;
}

// Drops every file of `dir` from the page cache, so that the open reads the disk. A file's
// dirty pages cannot be dropped, so each is fdatasynced first. Needs no privileges.
bool EvictFromCache(const std::string& dir, std::string* error) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    int fd = open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
    if (fd >= 0) close(fd);
    if (!ok) {
      *error = "cannot evict " + it->path().string() + " from the page cache";
      return false;
    }
  }
  if (ec) *error = "cannot list " + dir + ": " + ec.message();
  return !ec;
}

struct RecoveryRun {
  std::string system;
  uint64_t round = 0;
  double puts_per_sec = 0;  // of the untimed puts after the checkpoint, for orientation
  DiskBytes disk;           // what the open found
  double open_seconds = 0;
  double mb_per_sec = 0;  // (disk.base + disk.log) / 1e6 / open_seconds
  uint64_t keys = 0;      // keys the reopened store holds: must be num
  uint64_t checked = 0;   // sampled Gets
  uint64_t wrong = 0;     // sampled Gets that found nothing or another value: must be 0
};

// What recovery must bring back: the value index (ValueSource::At) of every key's last write.
struct Expectation {
  Plan puts;                     // one thread: the puts after the checkpoint
  std::vector<uint64_t> last;    // by key number
  std::vector<uint64_t> sample;  // key numbers to check
};

Expectation Expect(const Flags& flags) {
  Expectation e;
  e.puts = MakePutPlan("recovery", 1, flags.recovery_puts, flags);
  e.last.resize(flags.num);
  for (uint64_t n = 0; n < flags.num; ++n) e.last[n] = n;  // LoadKeys: key n gets At(n)
  const ThreadOps& ops = e.puts[0];
  for (size_t i = 0; i < ops.count; ++i) {
    e.last[std::stoull(std::string(ops.Key(i)))] = ops.value_seed + i;
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> uniform(0, flags.num - 1);
  for (uint64_t i = 0; i < std::min(kVerifySample, flags.num); ++i) {
    e.sample.push_back(uniform(rng));
  }
  return e;
}

// Counts the keys of the reopened store and compares the sampled values.
bool Verify(Store* store, const Flags& flags, const Expectation& expect, const ValueSource& values,
            RecoveryRun* run, std::string* error) {
  if (!store->CountKeys(&run->keys, error)) return false;
  std::string key(flags.key_size, '0');
  std::string value;
  for (uint64_t n : expect.sample) {
    FormatKey(n, flags.key_size, key.data());
    Lookup found = store->Get(key, &value, error);
    if (found == Lookup::kError) return false;
    ++run->checked;
    run->wrong += found == Lookup::kMissing || value != values.At(expect.last[n]);
  }
  return true;
}

// Builds the directory (untimed), closes it, then times the open that recovers it.
bool RunRecovery(const Flags& flags, const std::string& dir, const Expectation& expect,
                 const ValueSource& values, RecoveryRun* run, std::string* error) {
  {
    std::unique_ptr<Store> store = OpenStore(run->system, dir, error);
    if (!store) return false;
    if (!LoadKeys(store.get(), flags.num, flags.key_size, values, error)) return false;
    if (!store->Checkpoint(error)) return false;
    Run puts{"recovery", 1, run->system, run->round};
    if (!TimePlan(store.get(), expect.puts, values, &puts, error)) return false;
    run->puts_per_sec = puts.ops_per_sec;
    if (!store->Close(error)) return false;
  }
  TrimMalloc();
  if (flags.recovery_cache == "cold" && !EvictFromCache(dir, error)) return false;
  run->disk = MeasureDisk(dir);
  Clock::time_point start = Clock::now();
  std::unique_ptr<Store> store = OpenStore(run->system, dir, error);
  run->open_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!store) return false;
  run->mb_per_sec = (run->disk.base + run->disk.log) / 1e6 / run->open_seconds;
  if (!Verify(store.get(), flags, expect, values, run, error)) return false;
  bool closed = store->Close(error);
  store.reset();
  TrimMalloc();
  return closed;
}

// ---------------------------------------------------------------------------------------------
// Driver

struct Results {
  std::vector<Run> runs;  // fillrandom and fillsync
  std::vector<RecoveryRun> recovery;
};

std::string RunDir(const std::string& scratch, const std::string& system) {
  static int run_id = 0;
  return scratch + "/" + system + "-" + std::to_string(++run_id);
}

bool RunFill(const Flags& flags, const std::string& scratch, const std::string& workload,
             uint64_t threads, uint64_t ops, const ValueSource& values, Results* results,
             std::string* error) {
  const Pairing& pairing = PairingOf(workload);
  Plan plan = MakePutPlan(workload, threads, ops, flags);
  auto run_once = [&](const std::string& system, uint64_t round) {
    Run run{workload, threads, system, round};
    DirGuard dir{RunDir(scratch, system)};
    if (!TimeFreshStore(dir.path, {}, plan, values, &run, error)) return false;
    std::fprintf(stderr, "  %-11s threads=%llu round=%llu %-13s %12s ops/s\n", workload.c_str(),
                 (unsigned long long)threads, (unsigned long long)round + 1, system.c_str(),
                 FormatOps(run.ops_per_sec).c_str());
    results->runs.push_back(run);
    return true;
  };
  return RunAlternating({pairing.warp, pairing.rocksdb}, flags.repeat, run_once);
}

bool RunRecoveryRounds(const Flags& flags, const std::string& scratch, const ValueSource& values,
                       Results* results, std::string* error) {
  const Pairing& pairing = PairingOf("recovery");
  Expectation expect = Expect(flags);
  auto run_once = [&](const std::string& system, uint64_t round) {
    RecoveryRun run;
    run.system = system;
    run.round = round;
    DirGuard dir{RunDir(scratch, system)};
    if (!RunRecovery(flags, dir.path, expect, values, &run, error)) return false;
    std::fprintf(stderr, "  %-11s round=%llu %-13s open %.3f s, %.0f MB/s, %llu keys\n", "recovery",
                 (unsigned long long)round + 1, system.c_str(), run.open_seconds, run.mb_per_sec,
                 (unsigned long long)run.keys);
    results->recovery.push_back(run);
    return true;
  };
  return RunAlternating({pairing.warp, pairing.rocksdb}, flags.repeat, run_once);
}

bool RunAll(const Flags& flags, const std::string& scratch, Results* results, std::string* error) {
  ValueSource values(flags.value_size);
  for (const std::string& workload : flags.workloads) {
    bool ok = true;
    if (workload == "fillrandom") {
      for (uint64_t threads : flags.threads) {
        ok = ok && RunFill(flags, scratch, workload, threads, flags.num, values, results, error);
      }
    } else if (workload == "fillsync") {
      ok = RunFill(flags, scratch, workload, flags.sync_threads, flags.sync_num, values, results,
                   error);
    } else {
      ok = RunRecoveryRounds(flags, scratch, values, results, error);
    }
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Summaries and verdicts

// Medians of one system's recovery rounds.
struct RecoverySummary {
  std::string system;
  double open_seconds = 0, mb_per_sec = 0, puts_per_sec = 0;
  double base_mb = 0, log_mb = 0;
  uint64_t rounds = 0;
  uint64_t keys_min = 0, keys_max = 0;  // over the rounds: both must be num
  uint64_t checked = 0, wrong = 0;      // summed over the rounds
};

std::vector<RecoverySummary> SummarizeRecovery(const std::vector<RecoveryRun>& runs) {
  std::vector<RecoverySummary> out;
  const Pairing& pairing = PairingOf("recovery");
  for (const char* system : {pairing.warp, pairing.rocksdb}) {
    std::vector<double> open, mbps, puts, base, log;
    RecoverySummary s{system};
    for (const RecoveryRun& r : runs) {
      if (r.system != system) continue;
      open.push_back(r.open_seconds);
      mbps.push_back(r.mb_per_sec);
      puts.push_back(r.puts_per_sec);
      base.push_back(r.disk.base / 1e6);
      log.push_back(r.disk.log / 1e6);
      s.keys_min = s.rounds == 0 ? r.keys : std::min(s.keys_min, r.keys);
      s.keys_max = std::max(s.keys_max, r.keys);
      s.checked += r.checked;
      s.wrong += r.wrong;
      ++s.rounds;
    }
    if (s.rounds == 0) continue;
    s.open_seconds = Median(open);
    s.mb_per_sec = Median(mbps);
    s.puts_per_sec = Median(puts);
    s.base_mb = Median(base);
    s.log_mb = Median(log);
    out.push_back(s);
  }
  return out;
}

// One bar of the issue, judged.
struct Verdict {
  std::string workload;
  uint64_t threads = 0;  // 0 for recovery
  std::string measure;   // "warp-everysec/rocksdb-wal" or "warp-everysec open"
  std::string value;     // "3.45x" or "0.42 s"
  std::string bar;       // ">= 3.0x" or "< 1.0 s"
  std::string verdict;   // "PASS" or "MISS" ("MISS (data)" when recovery lost data)
  double number = 0;     // the ratio or the seconds
};

std::vector<Verdict> Judge(const Flags& flags, const Summary& summary,
                           const std::vector<RecoverySummary>& recovery) {
  std::vector<Verdict> rows;
  for (const std::string& workload : flags.workloads) {
    const Pairing& p = PairingOf(workload);
    char bar[32];
    if (workload == "recovery") {
      for (const RecoverySummary& s : recovery) {
        if (s.system != p.warp) continue;
        char value[32];
        std::snprintf(value, sizeof(value), "%.3f s", s.open_seconds);
        std::snprintf(bar, sizeof(bar), "< %.1f s", p.bar);
        bool intact = s.wrong == 0 && s.keys_min == flags.num && s.keys_max == flags.num;
        std::string verdict = !intact ? "MISS (data)" : s.open_seconds < p.bar ? "PASS" : "MISS";
        rows.push_back(
            {workload, 0, std::string(p.warp) + " open", value, bar, verdict, s.open_seconds});
      }
      continue;
    }
    std::vector<uint64_t> thread_counts =
        workload == "fillrandom" ? flags.threads : std::vector<uint64_t>{flags.sync_threads};
    for (uint64_t t : thread_counts) {
      double ratio = Ratio(summary, workload, t, p.warp, p.rocksdb);
      std::snprintf(bar, sizeof(bar), ">= %.1fx", p.bar);
      rows.push_back({workload, t, std::string(p.warp) + "/" + p.rocksdb, FormatRatio(ratio), bar,
                      ratio >= p.bar ? "PASS" : "MISS", ratio});
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::string WarpOptionsText() {
  warp::Options d;
  char text[256];
  std::snprintf(
      text, sizeof(text),
      "default Options: %u shards, %u scheduler threads, wal.segment_bytes=%llu MiB, "
      "wal.compress_min_bytes=%llu, snapshot.after_writes=%llu",
      d.shards, d.runtime.scheduler_threads, (unsigned long long)(d.wal.segment_bytes >> 20),
      (unsigned long long)d.wal.compress_min_bytes, (unsigned long long)d.snapshot.after_writes);
  return text;
}

constexpr const char* kRocksOptionsText =
    "default options, create_if_missing; rocksdb-wal: WAL on, sync=false; rocksdb-sync: WAL "
    "on, sync=true";

json ConfigJson(const Flags& flags, const Machine& machine) {
  return json{{"num", flags.num},
              {"key_size", flags.key_size},
              {"value_size", flags.value_size},
              {"threads", flags.threads},
              {"sync_num", flags.sync_num},
              {"sync_threads", flags.sync_threads},
              {"recovery_puts", flags.recovery_puts},
              {"recovery_cache", flags.recovery_cache},
              {"verify_sample", std::min(kVerifySample, flags.num)},
              {"workloads", flags.workloads},
              {"repeat", flags.repeat},
              {"nproc", machine.nproc},
              {"cpu", machine.cpu},
              {"date", machine.date},
              {"build_type", WARP_BENCH_BUILD_TYPE},
              {"compiler", __VERSION__},
              {"warp_version", warp::kWarpVersion},
              {"warp_options", WarpOptionsText()},
              {"rocksdb_version", RocksVersion()},
              {"rocksdb_options", kRocksOptionsText}};
}

void PrintConfig(const Flags& flags, const Machine& machine) {
  std::printf("wal_bench: WarpEngine %s persistence against RocksDB\n", warp::kWarpVersion);
  std::printf("Date:        %s\n", machine.date.c_str());
  std::printf("CPU:         %ld x %s\n", machine.nproc, machine.cpu.c_str());
  std::printf("Build:       %s, gcc %s\n", WARP_BENCH_BUILD_TYPE, __VERSION__);
  std::printf("Keys:        %llu, %llu bytes each\n", (unsigned long long)flags.num,
              (unsigned long long)flags.key_size);
  std::printf("Values:      %llu bytes each\n", (unsigned long long)flags.value_size);
  std::printf("fillrandom:  %llu puts, threads %s, warp-everysec vs rocksdb-wal\n",
              (unsigned long long)flags.num, JoinNumbers(flags.threads).c_str());
  std::printf("fillsync:    %llu puts over %llu threads, warp-always vs rocksdb-sync\n",
              (unsigned long long)flags.sync_num, (unsigned long long)flags.sync_threads);
  std::printf("recovery:    load %llu keys, checkpoint, %llu puts, close; open timed (%s cache)\n",
              (unsigned long long)flags.num, (unsigned long long)flags.recovery_puts,
              flags.recovery_cache.c_str());
  std::printf("Repeat:      %llu rounds (systems alternate; medians reported)\n",
              (unsigned long long)flags.repeat);
  std::printf("warp:        %s\n", WarpOptionsText().c_str());
  std::printf("RocksDB:     %s, %s\n", RocksVersion().c_str(), kRocksOptionsText);
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

void PrintTables(const Results& results, const Summary& summary,
                 const std::vector<RecoverySummary>& recovery,
                 const std::vector<Verdict>& verdicts) {
  if (!results.runs.empty()) PrintMedians(results.runs, summary);
  if (!recovery.empty()) {
    std::printf("\n%-13s %10s %10s %9s %9s %14s %9s %8s %6s\n", "recovery", "open s", "MB/s",
                "base MB", "log MB", "puts/s before", "keys", "checked", "wrong");
    for (const RecoverySummary& s : recovery) {
      std::printf("%-13s %10.3f %10.0f %9.1f %9.1f %14s %9llu %8llu %6llu\n", s.system.c_str(),
                  s.open_seconds, s.mb_per_sec, s.base_mb, s.log_mb,
                  FormatOps(s.puts_per_sec).c_str(), (unsigned long long)s.keys_min,
                  (unsigned long long)s.checked, (unsigned long long)s.wrong);
    }
    if (recovery.size() == 2 && recovery[0].open_seconds > 0) {
      std::printf("rocksdb-wal / warp-everysec open time: %s\n",
                  FormatRatio(recovery[1].open_seconds / recovery[0].open_seconds).c_str());
    }
  }
  std::printf("\n%-11s %7s  %-28s %10s  %-9s %s\n", "workload", "threads", "measure", "value",
              "bar", "verdict");
  for (const Verdict& v : verdicts) {
    std::string threads = v.threads ? std::to_string(v.threads) : "-";
    std::printf("%-11s %7s  %-28s %10s  %-9s %s\n", v.workload.c_str(), threads.c_str(),
                v.measure.c_str(), v.value.c_str(), v.bar.c_str(), v.verdict.c_str());
  }
}

json RecoveryJson(const std::vector<RecoveryRun>& runs,
                  const std::vector<RecoverySummary>& recovery) {
  json doc{{"runs", json::array()}, {"medians", json::array()}};
  for (const RecoveryRun& r : runs) {
    doc["runs"].push_back({{"system", r.system},
                           {"round", r.round},
                           {"open_seconds", r.open_seconds},
                           {"mb_per_sec", r.mb_per_sec},
                           {"base_bytes", r.disk.base},
                           {"log_bytes", r.disk.log},
                           {"other_bytes", r.disk.other},
                           {"puts_per_sec_before", r.puts_per_sec},
                           {"keys", r.keys},
                           {"checked", r.checked},
                           {"wrong", r.wrong}});
  }
  for (const RecoverySummary& s : recovery) {
    doc["medians"].push_back({{"system", s.system},
                              {"open_seconds", s.open_seconds},
                              {"mb_per_sec", s.mb_per_sec},
                              {"base_mb", s.base_mb},
                              {"log_mb", s.log_mb},
                              {"puts_per_sec_before", s.puts_per_sec},
                              {"keys_min", s.keys_min},
                              {"keys_max", s.keys_max},
                              {"checked", s.checked},
                              {"wrong", s.wrong}});
  }
  return doc;
}

json ResultsJson(const Flags& flags, const Machine& machine, const Results& results,
                 const Summary& summary, const std::vector<RecoverySummary>& recovery,
                 const std::vector<Verdict>& verdicts, double wall) {
  json doc{{"config", ConfigJson(flags, machine)}, {"wall_seconds", wall}};
  doc["runs"] = RunsJson(results.runs);
  doc["medians"] = MediansJson(results.runs, summary);
  doc["recovery"] = RecoveryJson(results.recovery, recovery);
  doc["bars"] = json::array();
  for (const Verdict& v : verdicts) {
    doc["bars"].push_back({{"workload", v.workload},
                           {"threads", v.threads},
                           {"measure", v.measure},
                           {"value", v.number},
                           {"bar", v.bar},
                           {"verdict", v.verdict}});
  }
  return doc;
}

std::string ResultsMarkdown(const Flags& flags, const Machine& machine, const Results& results,
                            const Summary& summary, const std::vector<RecoverySummary>& recovery,
                            const std::vector<Verdict>& verdicts) {
  std::ostringstream md;
  md << "# wal_bench: latest ratios\n\n"
     << "Date " << machine.date << ", nproc " << machine.nproc << " (" << machine.cpu << "), "
     << flags.num << " keys of " << flags.key_size << " bytes, " << flags.value_size
     << "-byte values, median of " << flags.repeat << " alternating rounds, RocksDB "
     << RocksVersion() << " with its WAL on. fillsync: " << flags.sync_num << " puts over "
     << flags.sync_threads << " threads. recovery: " << flags.recovery_puts
     << " puts after the checkpoint, " << flags.recovery_cache
     << " page cache. Written by `bench/wal_bench --out`.\n\n"
     << "| workload | threads | measure | value | bar | verdict |\n|---|---|---|---|---|---|\n";
  for (const Verdict& v : verdicts) {
    md << "| " << v.workload << " | " << (v.threads ? std::to_string(v.threads) : "-") << " | "
       << v.measure << " | " << v.value << " | " << v.bar << " | " << v.verdict << " |\n";
  }
  if (!results.runs.empty()) {
    md << "\nMedian ops/s on that machine (for orientation only; compare ratios):\n\n"
       << MarkdownMedians(results.runs, summary);
  }
  if (!recovery.empty()) {
    md << "\nRecovery (medians; MB/s = (base + log bytes on disk) / open time):\n\n"
       << "| system | open s | MB/s | base MB | log MB | keys | sampled values wrong |\n"
       << "|---|---|---|---|---|---|---|\n";
    for (const RecoverySummary& s : recovery) {
      char line[256];
      std::snprintf(line, sizeof(line),
                    "| %s | %.3f | %.0f | %.1f | %.1f | %llu | %llu of %llu |\n", s.system.c_str(),
                    s.open_seconds, s.mb_per_sec, s.base_mb, s.log_mb,
                    (unsigned long long)s.keys_min, (unsigned long long)s.wrong,
                    (unsigned long long)s.checked);
      md << line;
    }
  }
  return md.str();
}

// Prints the tables and, with --out, writes the result files. Returns the exit status.
int Report(const Flags& flags, const Machine& machine, const Results& results, double wall) {
  Summary summary = Summarize(results.runs);
  std::vector<RecoverySummary> recovery = SummarizeRecovery(results.recovery);
  std::vector<Verdict> verdicts = Judge(flags, summary, recovery);
  PrintTables(results, summary, recovery, verdicts);
  std::printf("\nwall time: %.1f s\n", wall);
  for (const RecoverySummary& s : recovery) {
    if (s.wrong || s.keys_min != flags.num || s.keys_max != flags.num) {
      std::printf("WARNING: %s recovered %llu..%llu keys of %llu, %llu sampled values wrong\n",
                  s.system.c_str(), (unsigned long long)s.keys_min, (unsigned long long)s.keys_max,
                  (unsigned long long)flags.num, (unsigned long long)s.wrong);
    }
  }
  if (flags.out.empty()) return 0;
  std::string error;
  std::string text =
      ResultsJson(flags, machine, results, summary, recovery, verdicts, wall).dump(2) + "\n";
  std::string markdown = ResultsMarkdown(flags, machine, results, summary, recovery, verdicts);
  if (!WriteResults(flags.out, "wal_bench", machine, text, markdown, &error)) {
    std::fprintf(stderr, "wal_bench: %s\n", error.c_str());
    return 2;
  }
  return 0;
}

int Main(int argc, char** argv) {
  Flags flags;
  bool help = false;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &help, &error)) {
    std::fprintf(stderr, "wal_bench: %s\n", error.c_str());
    return 1;
  }
  if (help) {
    std::printf(
        "usage: wal_bench [--flag=value ...]; the flags and workloads are listed at\n"
        "the top of bench/wal_bench.cc and in bench/README.md\n");
    return 0;
  }
  Machine machine = DescribeMachine();
  PrintConfig(flags, machine);
  std::string scratch;
  bool owned = false;
  if (!MakeScratch(flags.db_dir, "wal_bench", &scratch, &owned, &error)) {
    std::fprintf(stderr, "wal_bench: %s\n", error.c_str());
    return 2;
  }
  Clock::time_point start = Clock::now();
  Results results;
  bool ok = RunAll(flags, scratch, &results, &error);
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::error_code ec;
  if (owned) fs::remove_all(scratch, ec);
  if (!ok) {
    std::fprintf(stderr, "wal_bench: run failed: %s\n", error.c_str());
    return 2;
  }
  return Report(flags, machine, results, wall);
}

}  // namespace
}  // namespace warp::bench

int main(int argc, char** argv) { return warp::bench::Main(argc, argv); }
