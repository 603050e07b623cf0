// What the benchmark drivers (store_bench, wal_bench) share: flag parsing, key and value
// generation, timed multi-threaded runs against a bench::Store, alternating rounds, medians, and
// the helpers that describe the machine and write the result files.
//
// Everything here is deterministic given its inputs (seeds are explicit), so that every system
// of a run sees the same keys and values in the same order. Functions are not thread-safe unless
// stated otherwise; TimePlan starts its own threads. Errors come back as false with a message in
// *error that names the flag, file or system involved.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/store_systems.h"

namespace warp::bench {

// ---------------------------------------------------------------------------------------------
// Flags: "--flag=value" or "--flag value".

std::vector<std::string> SplitList(const std::string& text);

// An integer in [min, max]; the message names --flag and the text.
bool ParseUint(const std::string& flag, const std::string& text, uint64_t min, uint64_t max,
               uint64_t* out, std::string* error);

// A non-empty comma-separated list of integers in [min, max].
bool ParseUintList(const std::string& flag, const std::string& text, uint64_t min, uint64_t max,
                   std::vector<uint64_t>* out, std::string* error);

// A non-empty list of distinct names, each one of `allowed`.
bool ParseNames(const std::string& flag, const std::string& text,
                const std::vector<std::string>& allowed, std::vector<std::string>* out,
                std::string* error);

// A non-empty directory name.
bool ParseDir(const std::string& flag, const std::string& text, std::string* out,
              std::string* error);

// Called once per flag with its name (without "--") and value; false with *error set rejects it.
using FlagHandler =
    std::function<bool(const std::string& name, const std::string& value, std::string* error)>;

// Walks argv. Returns false with *error set on a bad command line; sets *help (and stops) on
// --help or -h.
bool ParseCommandLine(int argc, char** argv, const FlagHandler& apply, bool* help,
                      std::string* error);

// Keys are zero-padded decimals in [0, num): the largest must fit in key_size bytes.
bool CheckKeySpace(uint64_t num, uint64_t key_size, std::string* error);

// ---------------------------------------------------------------------------------------------
// Keys, values, distributions

// Writes `n` as a zero-padded decimal of exactly key_size bytes. REQUIRES: it fits.
void FormatKey(uint64_t n, size_t key_size, char* out);

// Deterministic pseudo-random value bytes: slices of one buffer, as db_bench's RandomGenerator.
// At() is safe to call from many threads at once.
class ValueSource {
 public:
  explicit ValueSource(size_t value_size);
  std::string_view At(uint64_t n) const {
    return {data_.data() + (n * 4099) % kWindow, value_size_};
  }

 private:
  static constexpr size_t kWindow = 1 << 20;
  size_t value_size_;
  std::string data_;
};

// Gray et al., "Quickly generating billion-record synthetic databases" (SIGMOD 1994), as in
// YCSB's ZipfianGenerator: rank 0 is the most popular item.
class Zipfian {
 public:
  Zipfian(uint64_t n, double theta);
  uint64_t Next(std::mt19937_64& rng) const;

 private:
  uint64_t n_;
  double theta_, zetan_, alpha_, eta_;
};

// FNV-1a over the 8 bytes of `x`: spreads zipfian ranks over the key space (YCSB's scramble).
uint64_t Fnv64(uint64_t x);

// The operations one thread runs, generated before the clock starts.
struct ThreadOps {
  size_t key_size = 0;
  size_t count = 0;
  uint64_t value_seed = 0;   // values come from ValueSource::At(value_seed + i)
  std::string keys;          // `count` keys of key_size bytes, back to back
  std::vector<uint8_t> put;  // 1 = put, 0 = get
  std::string_view Key(size_t i) const { return {keys.data() + i * key_size, key_size}; }
};
using Plan = std::vector<ThreadOps>;

enum class OpMix { kPuts, kGets, kMixed };

// What MakePlan generates: `ops` operations split evenly over `threads` (the remainder is
// dropped). Thread t draws from its own generator seeded with seed_base + 100 * threads + t, so
// a plan is the same in every run that uses the same spec.
struct PlanSpec {
  OpMix mix = OpMix::kPuts;
  double put_fraction = 0;  // kMixed: the probability of a put
  uint64_t num = 0;         // keys are drawn from [0, num)
  size_t key_size = 16;
  uint64_t threads = 1;
  uint64_t ops = 0;
  uint64_t seed_base = 0;
  const Zipfian* zipf = nullptr;  // non-null: scrambled zipfian keys instead of uniform ones
};
Plan MakePlan(const PlanSpec& spec);

// ---------------------------------------------------------------------------------------------
// Running

// One timed run of one system.
struct Run {
  std::string workload;
  uint64_t threads = 0;
  std::string system;
  uint64_t round = 0;
  uint64_t ops = 0;
  uint64_t misses = 0;  // gets of loaded keys that found nothing: must stay 0
  double seconds = 0;
  double ops_per_sec = 0;
  // CPU the process spent meanwhile outside the worker threads (actor scheduler, WAL writers,
  // RocksDB flushes and compactions), in cores: 0.5 means half a core was busy on the side.
  double background_cores = 0;
};

double CpuSeconds(clockid_t clock);

// Runs `plan` on one thread per ThreadOps; only the operations are timed, not thread creation.
// Fills run->ops, seconds, ops_per_sec, background_cores and misses.
bool TimePlan(Store* store, const Plan& plan, const ValueSource& values, Run* run,
              std::string* error);

// Opens a fresh store of run->system in `dir`, calls `prepare` on it (untimed; may be empty),
// times `plan` with TimePlan and closes the store. Garbage of earlier runs is trimmed off the
// clock (TrimMalloc). The caller removes `dir`.
using Prepare = std::function<bool(Store* store, std::string* error)>;
bool TimeFreshStore(const std::string& dir, const Prepare& prepare, const Plan& plan,
                    const ValueSource& values, Run* run, std::string* error);

// Puts keys 0..num-1 in order on this thread, the value of key n being values.At(n). Not timed.
bool LoadKeys(Store* store, uint64_t num, size_t key_size, const ValueSource& values,
              std::string* error);

// Runs share one process, so one run's garbage must not be charged to the next. glibc hands the
// malloc arena of an exited thread to the next new thread (a worker, an actor scheduler thread,
// a RocksDB thread); an arena still holding the previous store's million freed chunks makes its
// next large request consolidate them all, a few hundred milliseconds of CPU inside the timed
// region. This consolidates every arena now, off the clock.
void TrimMalloc();

// Removes a run's directory however the run ends.
struct DirGuard {
  std::string path;
  ~DirGuard();
};

// Creates the scratch directory: `db_dir` if given (kept), else a new
// /tmp/<prefix>-XXXXXX (*owned = true: the caller removes it at the end).
bool MakeScratch(const std::string& db_dir, const std::string& prefix, std::string* scratch,
                 bool* owned, std::string* error);

// Every round runs each system once, starting one system later than the previous round, so that
// no system always runs first (or right after the same neighbour). Stops at the first false.
using RoundRunner = std::function<bool(const std::string& system, uint64_t round)>;
bool RunAlternating(const std::vector<std::string>& systems, uint64_t repeat,
                    const RoundRunner& run);

// ---------------------------------------------------------------------------------------------
// Summaries

double Median(std::vector<double> values);

// Medians keyed by (workload, threads, system).
using Key = std::tuple<std::string, uint64_t, std::string>;
struct Summary {
  std::map<Key, double> median;      // median ops/s
  std::map<Key, double> background;  // median background_cores
  std::map<Key, uint64_t> misses;    // summed over the rounds
};
Summary Summarize(const std::vector<Run>& runs);

// median(a) / median(b) for one workload and thread count; 0 when either was not run.
double Ratio(const Summary& s, const std::string& workload, uint64_t threads, const char* a,
             const char* b);

// The medians in the order their keys first appear in `runs`, which is the order the driver ran
// workloads, thread counts and (in the first round) systems.
std::vector<std::pair<Key, double>> OrderedMedians(const std::vector<Run>& runs,
                                                   const Summary& summary);

// ---------------------------------------------------------------------------------------------
// Reporting

struct Machine {
  std::string date;   // local time, "2024-11-24 05:30:00 UTC"
  std::string stamp;  // for file names, "20241124-053000"
  long nproc = 0;
  std::string cpu;
};
Machine DescribeMachine();

std::string RocksVersion();                                     // "7.8.3"
std::string JoinNumbers(const std::vector<uint64_t>& numbers);  // "1,2"
std::string FormatRatio(double ratio);                          // "3.45x", "-" for 0
std::string FormatOps(double ops);                              // "1,579,655"

// The table of medians: workload, threads, system, ops/s, bg cores, misses.
void PrintMedians(const std::vector<Run>& runs, const Summary& summary);
// The same as a markdown table (without bg cores).
std::string MarkdownMedians(const std::vector<Run>& runs, const Summary& summary);
// Every run, and every median, as JSON arrays.
nlohmann::json RunsJson(const std::vector<Run>& runs);
nlohmann::json MediansJson(const std::vector<Run>& runs, const Summary& summary);

bool WriteFile(const std::string& path, const std::string& text, std::string* error);
// Writes out_dir/<name>-<stamp>.json and out_dir/<name>-latest.md, creating out_dir.
bool WriteResults(const std::string& out_dir, const std::string& name, const Machine& machine,
                  const std::string& json_text, const std::string& markdown, std::string* error);

}  // namespace warp::bench
