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
//   rocksdb  RocksDB, default options + create_if_missing, WAL disabled, sync=false; after an
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

#include <malloc.h>
#include <rocksdb/version.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "bench/store_systems.h"
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

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

bool ParseUint(const std::string& flag, const std::string& text, uint64_t min, uint64_t max,
               uint64_t* out, std::string* error) {
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0 || value < min || value > max) {
    *error = "--" + flag + ": expected an integer in [" + std::to_string(min) + ", " +
             std::to_string(max) + "], got '" + text + "'";
    return false;
  }
  *out = value;
  return true;
}

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

// A non-empty list of distinct names, each one of `allowed`.
bool ParseNames(const std::string& flag, const std::string& text,
                const std::vector<std::string>& allowed, std::vector<std::string>* out,
                std::string* error) {
  std::vector<std::string> names = SplitList(text);
  std::string known;
  for (const std::string& name : allowed) known += (known.empty() ? "" : ",") + name;
  if (names.empty()) *error = "--" + flag + ": empty list (choose from " + known + ")";
  for (size_t i = 0; i < names.size() && error->empty(); ++i) {
    if (std::find(allowed.begin(), allowed.end(), names[i]) == allowed.end()) {
      *error = "--" + flag + ": unknown '" + names[i] + "' (choose from " + known + ")";
    } else if (std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i) {
      *error = "--" + flag + ": '" + names[i] + "' is listed twice";
    }
  }
  *out = names;
  return error->empty();
}

bool ParseThreads(const std::string& text, std::vector<uint64_t>* out, std::string* error) {
  out->clear();
  for (const std::string& item : SplitList(text)) {
    uint64_t n = 0;
    if (!ParseUint("threads", item, 1, 1024, &n, error)) return false;
    out->push_back(n);
  }
  if (out->empty()) *error = "--threads: empty list";
  return error->empty();
}

bool ApplyFlag(const std::string& name, const std::string& value, Flags* f, std::string* error) {
  if (name == "num") return ParseUint(name, value, 1, uint64_t{1} << 32, &f->num, error);
  if (name == "key_size") return ParseUint(name, value, 1, 1024, &f->key_size, error);
  if (name == "value_size") return ParseUint(name, value, 1, 1 << 20, &f->value_size, error);
  if (name == "repeat") return ParseUint(name, value, 1, 1000, &f->repeat, error);
  if (name == "threads") return ParseThreads(value, &f->threads, error);
  if (name == "workloads") return ParseNames(name, value, kAllWorkloads, &f->workloads, error);
  if (name == "systems") return ParseNames(name, value, SystemNames(), &f->systems, error);
  if (name == "zipf") return ParseZipf(value, &f->zipf, error);
  if (name == "out" || name == "db_dir") {
    if (value.empty()) *error = "--" + name + ": empty directory name";
    (name == "out" ? f->out : f->db_dir) = value;
    return error->empty();
  }
  *error = "unknown flag --" + name + " (see --help)";
  return false;
}

// Returns false with *error set on a bad command line; *help is set for --help.
bool ParseFlags(int argc, char** argv, Flags* flags, bool* help, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return true;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "' (flags look like --num=1000000)";
      return false;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = "--" + name + ": missing value";
      return false;
    }
    if (!ApplyFlag(name, value, flags, error)) return false;
  }
  // Keys are zero-padded decimals: the largest must fit.
  if (std::to_string(flags->num - 1).size() > flags->key_size) {
    *error = "--key_size: " + std::to_string(flags->key_size) + " bytes cannot hold " +
             std::to_string(flags->num) + " distinct decimal keys (raise it or lower --num)";
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Keys, values, distributions

void FormatKey(uint64_t n, size_t key_size, char* out) {
  std::string digits = std::to_string(n);
  std::fill(out, out + key_size - digits.size(), '0');
  std::copy(digits.begin(), digits.end(), out + key_size - digits.size());
}

// Deterministic pseudo-random value bytes: slices of one buffer, as db_bench's RandomGenerator.
class ValueSource {
 public:
  explicit ValueSource(size_t value_size) : value_size_(value_size) {
    std::mt19937_64 rng(301);
    data_.resize(kWindow + value_size);
    for (char& c : data_) c = static_cast<char>(rng() & 0xff);
  }
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
  Zipfian(uint64_t n, double theta) : n_(n), theta_(theta) {
    double zetan = 0;
    for (uint64_t i = 1; i <= n; ++i) zetan += 1.0 / std::pow(static_cast<double>(i), theta);
    zetan_ = zetan;
    alpha_ = 1.0 / (1.0 - theta);
    double zeta2 = 1.0 + std::pow(0.5, theta);
    eta_ = (1.0 - std::pow(2.0 / n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
  }
  uint64_t Next(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    double uz = u * zetan_;
    if (uz < 1.0) return 0;
    if (uz < 1.0 + std::pow(0.5, theta_)) return 1;
    uint64_t rank = static_cast<uint64_t>(n_ * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return std::min(rank, n_ - 1);
  }

 private:
  uint64_t n_;
  double theta_, zetan_, alpha_, eta_;
};

// FNV-1a over the 8 bytes of `x`: spreads zipfian ranks over the key space (YCSB's scramble).
uint64_t Fnv64(uint64_t x) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (int i = 0; i < 8; ++i) {
    hash ^= (x >> (8 * i)) & 0xff;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

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

ThreadOps MakeThreadOps(const std::string& workload, const Flags& flags, size_t per_thread,
                        uint64_t seed, const Zipfian* zipf) {
  ThreadOps ops;
  ops.key_size = flags.key_size;
  ops.count = per_thread;
  ops.value_seed = seed * per_thread;
  ops.keys.resize(per_thread * flags.key_size);
  ops.put.resize(per_thread, workload == "fillrandom" ? 1 : 0);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> uniform(0, flags.num - 1);
  std::bernoulli_distribution is_put(kMixedPutFraction);
  for (size_t i = 0; i < per_thread; ++i) {
    uint64_t n = zipf ? Fnv64(zipf->Next(rng)) % flags.num : uniform(rng);
    FormatKey(n, flags.key_size, &ops.keys[i * flags.key_size]);
    if (workload == "mixed") ops.put[i] = is_put(rng) ? 1 : 0;
  }
  return ops;
}

Plan MakePlan(const std::string& workload, uint64_t threads, const Flags& flags) {
  std::unique_ptr<Zipfian> zipf;
  if (workload == "readhot") zipf = std::make_unique<Zipfian>(flags.num, flags.zipf);
  Plan plan;
  size_t workload_index =
      std::find(kAllWorkloads.begin(), kAllWorkloads.end(), workload) - kAllWorkloads.begin();
  for (uint64_t t = 0; t < threads; ++t) {
    uint64_t seed = 1000 * (workload_index + 1) + 100 * threads + t;
    plan.push_back(MakeThreadOps(workload, flags, flags.num / threads, seed, zipf.get()));
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Running

struct Run {
  std::string workload;
  uint64_t threads = 0;
  std::string system;
  uint64_t round = 0;
  uint64_t ops = 0;
  uint64_t misses = 0;  // gets of loaded keys that found nothing: must stay 0
  double seconds = 0;
  double ops_per_sec = 0;
  // CPU the process spent meanwhile outside the worker threads (actor scheduler, RocksDB
  // flushes and compactions), in cores: 0.5 means half a core was busy on the side.
  double background_cores = 0;
};

struct WorkerResult {
  uint64_t misses = 0;
  double cpu_seconds = 0;
  std::string error;
};

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void Work(Store* store, const ThreadOps& ops, const ValueSource& values, std::atomic<size_t>* ready,
          const std::atomic<bool>* go, WorkerResult* result) {
  std::string value;
  ready->fetch_add(1);
  while (!go->load(std::memory_order_acquire)) std::this_thread::yield();
  double cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  struct CpuTimer {  // stops on every return
    double start;
    WorkerResult* result;
    ~CpuTimer() { result->cpu_seconds = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - start; }
  } timer{cpu_start, result};
  for (size_t i = 0; i < ops.count; ++i) {
    if (ops.put[i]) {
      if (!store->Put(ops.Key(i), values.At(ops.value_seed + i), &result->error)) return;
    } else {
      Lookup found = store->Get(ops.Key(i), &value, &result->error);
      if (found == Lookup::kError) return;
      result->misses += found == Lookup::kMissing;
    }
  }
}

// Runs `plan` on its threads; only the operations are timed, not thread creation.
bool TimePlan(Store* store, const Plan& plan, const ValueSource& values, Run* run,
              std::string* error) {
  std::vector<WorkerResult> results(plan.size());
  std::atomic<size_t> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (size_t t = 0; t < plan.size(); ++t) {
    workers.emplace_back(Work, store, std::cref(plan[t]), std::cref(values), &ready, &go,
                         &results[t]);
  }
  while (ready.load() < plan.size()) std::this_thread::yield();
  double process_cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& worker : workers) worker.join();
  run->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  double background = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_cpu;
  for (size_t t = 0; t < plan.size(); ++t) {
    background -= results[t].cpu_seconds;
    if (!results[t].error.empty()) *error = results[t].error;
    run->misses += results[t].misses;
    run->ops += plan[t].count;
  }
  run->ops_per_sec = run->ops / run->seconds;
  run->background_cores = std::max(0.0, background) / run->seconds;
  return error->empty();
}

// Puts keys 0..num-1 in order on this thread, then lets the store settle. Not timed.
bool Load(Store* store, const Flags& flags, const ValueSource& values, std::string* error) {
  std::string key(flags.key_size, '0');
  for (uint64_t n = 0; n < flags.num; ++n) {
    FormatKey(n, flags.key_size, key.data());
    if (!store->Put(key, values.At(n), error)) return false;
  }
  return store->Settle(error);
}

// Removes a run's directory however the run ends.
struct DirGuard {
  std::string path;
  ~DirGuard() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool RunOnce(const Flags& flags, const std::string& scratch, const Plan& plan,
             const ValueSource& values, Run* run, std::string* error) {
  static int run_id = 0;
  DirGuard dir{scratch + "/" + run->system + "-" + std::to_string(++run_id)};
  std::unique_ptr<Store> store = OpenStore(run->system, dir.path, error);
  if (!store) return false;
  if (run->workload != "fillrandom" && !Load(store.get(), flags, values, error)) return false;
  // Runs share one process, so one run's garbage must not be charged to the next. glibc hands
  // the malloc arena of an exited thread to the next new thread (a worker, an actor scheduler
  // thread, a RocksDB thread); an arena still holding the previous store's million freed
  // chunks makes its next large request consolidate them all, a few hundred milliseconds of
  // CPU inside the timed region. Consolidate every arena now, off the clock.
  malloc_trim(0);
  if (!TimePlan(store.get(), plan, values, run, error)) return false;
  bool closed = store->Close(error);
  store.reset();
  malloc_trim(0);
  return closed;
}

// ---------------------------------------------------------------------------------------------
// Reporting

struct Machine {
  std::string date;   // local time, "2024-11-24 05:30:00 UTC"
  std::string stamp;  // for file names, "20241124-053000"
  long nproc = 0;
  std::string cpu;
};

std::string TimeString(std::time_t t, const char* format) {
  char text[64];
  std::strftime(text, sizeof(text), format, std::localtime(&t));
  return text;
}

Machine DescribeMachine() {
  Machine m;
  std::time_t now = std::time(nullptr);
  m.date = TimeString(now, "%Y-%m-%d %H:%M:%S %Z");
  m.stamp = TimeString(now, "%Y%m%d-%H%M%S");
  m.nproc = sysconf(_SC_NPROCESSORS_ONLN);
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    m.cpu = line.substr(line.find(':') + 2);
    break;
  }
  if (m.cpu.empty()) m.cpu = "unknown";
  return m;
}

std::string RocksVersion() {
  return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
         std::to_string(ROCKSDB_PATCH);
}

std::string JoinNumbers(const std::vector<uint64_t>& numbers) {
  std::string text;
  for (uint64_t n : numbers) text += (text.empty() ? "" : ",") + std::to_string(n);
  return text;
}

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
              {"rocksdb_options", "defaults, create_if_missing, disableWAL=true, sync=false"}};
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
  std::printf("warp:        default Options: %u shards, %u scheduler threads, wal.fsync=%s\n",
              defaults.shards, defaults.runtime.scheduler_threads,
              warp::FsyncPolicyName(defaults.wal.fsync));
  std::printf("warp reads:  Universe::Get(key, &value) into a reused string\n");
  std::printf("ceiling:     std::unordered_map, %zu stripes x std::shared_mutex\n",
              kCeilingStripes);
  std::printf(
      "RocksDB:     %s, default options, WAL disabled, sync=false, "
      "flush+compact after load\n",
      RocksVersion().c_str());
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Medians keyed by (workload, threads, system).
using Key = std::tuple<std::string, uint64_t, std::string>;
struct Summary {
  std::map<Key, double> median;
  std::map<Key, double> background;  // median background_cores
  std::map<Key, uint64_t> misses;
};

Summary Summarize(const std::vector<Run>& runs) {
  std::map<Key, std::vector<double>> samples, background;
  Summary summary;
  for (const Run& run : runs) {
    Key key{run.workload, run.threads, run.system};
    samples[key].push_back(run.ops_per_sec);
    background[key].push_back(run.background_cores);
    summary.misses[key] += run.misses;
  }
  for (const auto& [key, values] : samples) summary.median[key] = Median(values);
  for (const auto& [key, values] : background) summary.background[key] = Median(values);
  return summary;
}

// One row of the ratio table. A ratio is 0 when a system was not run.
struct Ratios {
  std::string workload;
  uint64_t threads = 0;
  double warp_ceiling = 0, warp_rocksdb = 0, cuckoo_ceiling = 0;
  std::string bar;      // "" when the issue sets no bar for this workload
  std::string verdict;  // "PASS", "FAIL" or "n/a"
};

double Ratio(const Summary& s, const std::string& w, uint64_t t, const char* a, const char* b) {
  auto x = s.median.find({w, t, a});
  auto y = s.median.find({w, t, b});
  if (x == s.median.end() || y == s.median.end() || y->second <= 0) return 0;
  return x->second / y->second;
}

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

std::string FormatRatio(double ratio) {
  if (ratio == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2fx", ratio);
  return text;
}

std::string FormatOps(double ops) {
  std::string digits = std::to_string(static_cast<uint64_t>(ops + 0.5));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// Medians in the order the flags name workloads, thread counts and systems.
std::vector<std::pair<Key, double>> OrderedMedians(const Flags& flags, const Summary& summary) {
  std::vector<std::pair<Key, double>> rows;
  for (const std::string& w : flags.workloads) {
    for (uint64_t t : flags.threads) {
      for (const std::string& system : flags.systems) {
        auto it = summary.median.find({w, t, system});
        if (it != summary.median.end()) rows.emplace_back(*it);
      }
    }
  }
  return rows;
}

void PrintTables(const Flags& flags, const Summary& summary, const std::vector<Ratios>& rows) {
  std::printf("\n%-11s %7s  %-8s %14s  %8s  %s\n", "workload", "threads", "system",
              "ops/s (median)", "bg cores", "misses");
  for (const auto& [key, median] : OrderedMedians(flags, summary)) {
    const auto& [w, t, system] = key;
    std::printf("%-11s %7llu  %-8s %14s  %8.2f  %llu\n", w.c_str(), (unsigned long long)t,
                system.c_str(), FormatOps(median).c_str(), summary.background.at(key),
                (unsigned long long)summary.misses.at(key));
  }
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
  for (const Run& r : runs) {
    doc["runs"].push_back({{"workload", r.workload},
                           {"threads", r.threads},
                           {"system", r.system},
                           {"round", r.round},
                           {"ops", r.ops},
                           {"seconds", r.seconds},
                           {"ops_per_sec", r.ops_per_sec},
                           {"background_cores", r.background_cores},
                           {"misses", r.misses}});
  }
  for (const auto& [key, median] : OrderedMedians(flags, summary)) {
    doc["medians"].push_back({{"workload", std::get<0>(key)},
                              {"threads", std::get<1>(key)},
                              {"system", std::get<2>(key)},
                              {"ops_per_sec", median},
                              {"background_cores", summary.background.at(key)},
                              {"misses", summary.misses.at(key)}});
  }
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

std::string ResultsMarkdown(const Flags& flags, const Machine& machine, const Summary& summary,
                            const std::vector<Ratios>& rows) {
  std::ostringstream md;
  md << "# store_bench: latest ratios\n\n"
     << "Date " << machine.date << ", nproc " << machine.nproc << " (" << machine.cpu << "), "
     << flags.num << " keys of " << flags.key_size << " bytes, " << flags.value_size
     << "-byte values, median of " << flags.repeat << " alternating rounds, RocksDB "
     << RocksVersion() << " with the WAL disabled. Written by `bench/store_bench --out`.\n\n"
     << "| workload | threads | warp/ceiling | warp/rocksdb | cuckoo/ceiling | bar | verdict |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const Ratios& r : rows) {
    md << "| " << r.workload << " | " << r.threads << " | " << FormatRatio(r.warp_ceiling) << " | "
       << FormatRatio(r.warp_rocksdb) << " | " << FormatRatio(r.cuckoo_ceiling) << " | "
       << (r.bar.empty() ? "-" : r.bar) << " | " << (r.verdict.empty() ? "-" : r.verdict) << " |\n";
  }
  md << "\nMedian ops/s on that machine (for orientation only; compare ratios):\n\n"
     << "| workload | threads | system | ops/s | misses |\n|---|---|---|---|---|\n";
  for (const auto& [key, median] : OrderedMedians(flags, summary)) {
    md << "| " << std::get<0>(key) << " | " << std::get<1>(key) << " | " << std::get<2>(key)
       << " | " << FormatOps(median) << " | " << summary.misses.at(key) << " |\n";
  }
  return md.str();
}

bool WriteFile(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) *error = "cannot write " + path;
  return static_cast<bool>(out);
}

bool WriteResults(const Flags& flags, const Machine& machine, const std::string& json_text,
                  const std::string& markdown, std::string* error) {
  std::error_code ec;
  fs::create_directories(flags.out, ec);
  if (ec) {
    *error = "--out: cannot create " + flags.out + ": " + ec.message();
    return false;
  }
  std::string json_path = flags.out + "/store_bench-" + machine.stamp + ".json";
  std::string md_path = flags.out + "/store_bench-latest.md";
  if (!WriteFile(json_path, json_text, error) || !WriteFile(md_path, markdown, error)) {
    return false;
  }
  std::printf("\nwrote %s and %s\n", json_path.c_str(), md_path.c_str());
  return true;
}

// ---------------------------------------------------------------------------------------------
// Driver

// Creates the scratch directory; *owned tells whether it is ours to remove at the end.
bool MakeScratch(const Flags& flags, std::string* scratch, bool* owned, std::string* error) {
  std::error_code ec;
  if (!flags.db_dir.empty()) {
    fs::create_directories(flags.db_dir, ec);
    if (ec) *error = "--db_dir: cannot create " + flags.db_dir + ": " + ec.message();
    *scratch = flags.db_dir;
    *owned = false;
    return !ec;
  }
  std::string pattern = (fs::temp_directory_path(ec) / "store_bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    *error = "cannot create a scratch directory " + pattern + ": " + std::strerror(errno);
    return false;
  }
  *scratch = pattern;
  *owned = true;
  return true;
}

// Every round runs each system once, starting one system later than the previous round.
bool RunAll(const Flags& flags, const std::string& scratch, std::vector<Run>* runs,
            std::string* error) {
  ValueSource values(flags.value_size);
  size_t n = flags.systems.size();
  for (const std::string& workload : flags.workloads) {
    for (uint64_t threads : flags.threads) {
      Plan plan = MakePlan(workload, threads, flags);
      for (uint64_t round = 0; round < flags.repeat; ++round) {
        for (size_t i = 0; i < n; ++i) {
          Run run{workload, threads, flags.systems[(i + round) % n], round};
          if (!RunOnce(flags, scratch, plan, values, &run, error)) return false;
          std::fprintf(stderr, "  %-11s threads=%llu round=%llu %-8s %12s ops/s\n",
                       workload.c_str(), (unsigned long long)threads, (unsigned long long)round + 1,
                       run.system.c_str(), FormatOps(run.ops_per_sec).c_str());
          runs->push_back(run);
        }
      }
    }
  }
  return true;
}

// Prints the tables and, with --out, writes the result files. Returns the exit status.
int Report(const Flags& flags, const Machine& machine, const std::vector<Run>& runs, double wall) {
  Summary summary = Summarize(runs);
  std::vector<Ratios> rows = ComputeRatios(flags, summary);
  PrintTables(flags, summary, rows);
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
  if (!WriteResults(flags, machine, text, ResultsMarkdown(flags, machine, summary, rows), &error)) {
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
  if (!MakeScratch(flags, &scratch, &owned, &error)) {
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
