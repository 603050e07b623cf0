// The shared half of store_bench and wal_bench. Moved here unchanged from store_bench so that
// both drivers generate the same keys and values and report in the same way.

#include "bench/bench_util.h"

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
#include <memory>
#include <set>
#include <sstream>
#include <thread>

namespace warp::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Flags

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

bool ParseUintList(const std::string& flag, const std::string& text, uint64_t min, uint64_t max,
                   std::vector<uint64_t>* out, std::string* error) {
  out->clear();
  for (const std::string& item : SplitList(text)) {
    uint64_t n = 0;
    if (!ParseUint(flag, item, min, max, &n, error)) return false;
    out->push_back(n);
  }
  if (out->empty()) *error = "--" + flag + ": empty list";
  return error->empty();
}

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

bool ParseDir(const std::string& flag, const std::string& text, std::string* out,
              std::string* error) {
  if (text.empty()) *error = "--" + flag + ": empty directory name";
  *out = text;
  return error->empty();
}

bool ParseCommandLine(int argc, char** argv, const FlagHandler& apply, bool* help,
                      std::string* error) {
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
    if (!apply(name, value, error)) return false;
  }
  return true;
}

bool CheckKeySpace(uint64_t num, uint64_t key_size, std::string* error) {
  if (std::to_string(num - 1).size() <= key_size) return true;
  *error = "--key_size: " + std::to_string(key_size) + " bytes cannot hold " + std::to_string(num) +
           " distinct decimal keys (raise it or lower --num)";
  return false;
}

// ---------------------------------------------------------------------------------------------
// Keys, values, distributions

void FormatKey(uint64_t n, size_t key_size, char* out) {
  std::string digits = std::to_string(n);
  std::fill(out, out + key_size - digits.size(), '0');
  std::copy(digits.begin(), digits.end(), out + key_size - digits.size());
}

ValueSource::ValueSource(size_t value_size) : value_size_(value_size) {
  std::mt19937_64 rng(301);
  data_.resize(kWindow + value_size);
  for (char& c : data_) c = static_cast<char>(rng() & 0xff);
}

Zipfian::Zipfian(uint64_t n, double theta) : n_(n), theta_(theta) {
  double zetan = 0;
  for (uint64_t i = 1; i <= n; ++i) zetan += 1.0 / std::pow(static_cast<double>(i), theta);
  zetan_ = zetan;
  alpha_ = 1.0 / (1.0 - theta);
  double zeta2 = 1.0 + std::pow(0.5, theta);
  eta_ = (1.0 - std::pow(2.0 / n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
}

uint64_t Zipfian::Next(std::mt19937_64& rng) const {
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  double uz = u * zetan_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + std::pow(0.5, theta_)) return 1;
  uint64_t rank = static_cast<uint64_t>(n_ * std::pow(eta_ * u - eta_ + 1.0, alpha_));
  return std::min(rank, n_ - 1);
}

uint64_t Fnv64(uint64_t x) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (int i = 0; i < 8; ++i) {
    hash ^= (x >> (8 * i)) & 0xff;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

namespace {

// The draws per operation (key, then put-or-get for kMixed) are in a fixed order: changing it
// changes every sequence and makes results incomparable with earlier runs.
ThreadOps MakeThreadOps(const PlanSpec& spec, size_t count, uint64_t seed) {
  ThreadOps ops;
  ops.key_size = spec.key_size;
  ops.count = count;
  ops.value_seed = seed * count;
  ops.keys.resize(count * spec.key_size);
  ops.put.resize(count, spec.mix == OpMix::kPuts ? 1 : 0);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> uniform(0, spec.num - 1);
  std::bernoulli_distribution is_put(spec.put_fraction);
  for (size_t i = 0; i < count; ++i) {
    uint64_t n = spec.zipf ? Fnv64(spec.zipf->Next(rng)) % spec.num : uniform(rng);
    FormatKey(n, spec.key_size, &ops.keys[i * spec.key_size]);
    if (spec.mix == OpMix::kMixed) ops.put[i] = is_put(rng) ? 1 : 0;
  }
  return ops;
}

}  // namespace

Plan MakePlan(const PlanSpec& spec) {
  Plan plan;
  for (uint64_t t = 0; t < spec.threads; ++t) {
    uint64_t seed = spec.seed_base + 100 * spec.threads + t;
    plan.push_back(MakeThreadOps(spec, spec.ops / spec.threads, seed));
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Running

namespace {

struct WorkerResult {
  uint64_t misses = 0;
  double cpu_seconds = 0;
  std::string error;
};

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

}  // namespace

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

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

bool TimeFreshStore(const std::string& dir, const Prepare& prepare, const Plan& plan,
                    const ValueSource& values, Run* run, std::string* error) {
  std::unique_ptr<Store> store = OpenStore(run->system, dir, error);
  if (!store) return false;
  if (prepare && !prepare(store.get(), error)) return false;
  TrimMalloc();
  if (!TimePlan(store.get(), plan, values, run, error)) return false;
  bool closed = store->Close(error);
  store.reset();
  TrimMalloc();
  return closed;
}

bool LoadKeys(Store* store, uint64_t num, size_t key_size, const ValueSource& values,
              std::string* error) {
  std::string key(key_size, '0');
  for (uint64_t n = 0; n < num; ++n) {
    FormatKey(n, key_size, key.data());
    if (!store->Put(key, values.At(n), error)) return false;
  }
  return true;
}

void TrimMalloc() { malloc_trim(0); }

DirGuard::~DirGuard() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

bool MakeScratch(const std::string& db_dir, const std::string& prefix, std::string* scratch,
                 bool* owned, std::string* error) {
  std::error_code ec;
  if (!db_dir.empty()) {
    fs::create_directories(db_dir, ec);
    if (ec) *error = "--db_dir: cannot create " + db_dir + ": " + ec.message();
    *scratch = db_dir;
    *owned = false;
    return !ec;
  }
  std::string pattern = (fs::temp_directory_path(ec) / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    *error = "cannot create a scratch directory " + pattern + ": " + std::strerror(errno);
    return false;
  }
  *scratch = pattern;
  *owned = true;
  return true;
}

bool RunAlternating(const std::vector<std::string>& systems, uint64_t repeat,
                    const RoundRunner& run) {
  size_t n = systems.size();
  for (uint64_t round = 0; round < repeat; ++round) {
    for (size_t i = 0; i < n; ++i) {
      if (!run(systems[(i + round) % n], round)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Summaries

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

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

double Ratio(const Summary& s, const std::string& workload, uint64_t threads, const char* a,
             const char* b) {
  auto x = s.median.find({workload, threads, a});
  auto y = s.median.find({workload, threads, b});
  if (x == s.median.end() || y == s.median.end() || y->second <= 0) return 0;
  return x->second / y->second;
}

std::vector<std::pair<Key, double>> OrderedMedians(const std::vector<Run>& runs,
                                                   const Summary& summary) {
  std::vector<std::pair<Key, double>> rows;
  std::set<Key> seen;
  for (const Run& run : runs) {
    Key key{run.workload, run.threads, run.system};
    if (!seen.insert(key).second) continue;
    rows.emplace_back(key, summary.median.at(key));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Reporting

namespace {

std::string TimeString(std::time_t t, const char* format) {
  char text[64];
  std::strftime(text, sizeof(text), format, std::localtime(&t));
  return text;
}

}  // namespace

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

void PrintMedians(const std::vector<Run>& runs, const Summary& summary) {
  int width = 8;  // the system column, at least as wide as store_bench's names need
  for (const Run& run : runs) width = std::max(width, static_cast<int>(run.system.size()));
  std::printf("\n%-11s %7s  %-*s %14s  %8s  %s\n", "workload", "threads", width, "system",
              "ops/s (median)", "bg cores", "misses");
  for (const auto& [key, median] : OrderedMedians(runs, summary)) {
    const auto& [w, t, system] = key;
    std::printf("%-11s %7llu  %-*s %14s  %8.2f  %llu\n", w.c_str(), (unsigned long long)t, width,
                system.c_str(), FormatOps(median).c_str(), summary.background.at(key),
                (unsigned long long)summary.misses.at(key));
  }
}

std::string MarkdownMedians(const std::vector<Run>& runs, const Summary& summary) {
  std::ostringstream md;
  md << "| workload | threads | system | ops/s | misses |\n|---|---|---|---|---|\n";
  for (const auto& [key, median] : OrderedMedians(runs, summary)) {
    md << "| " << std::get<0>(key) << " | " << std::get<1>(key) << " | " << std::get<2>(key)
       << " | " << FormatOps(median) << " | " << summary.misses.at(key) << " |\n";
  }
  return md.str();
}

json RunsJson(const std::vector<Run>& runs) {
  json list = json::array();
  for (const Run& r : runs) {
    list.push_back({{"workload", r.workload},
                    {"threads", r.threads},
                    {"system", r.system},
                    {"round", r.round},
                    {"ops", r.ops},
                    {"seconds", r.seconds},
                    {"ops_per_sec", r.ops_per_sec},
                    {"background_cores", r.background_cores},
                    {"misses", r.misses}});
  }
  return list;
}

json MediansJson(const std::vector<Run>& runs, const Summary& summary) {
  json list = json::array();
  for (const auto& [key, median] : OrderedMedians(runs, summary)) {
    list.push_back({{"workload", std::get<0>(key)},
                    {"threads", std::get<1>(key)},
                    {"system", std::get<2>(key)},
                    {"ops_per_sec", median},
                    {"background_cores", summary.background.at(key)},
                    {"misses", summary.misses.at(key)}});
  }
  return list;
}

bool WriteFile(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) *error = "cannot write " + path;
  return static_cast<bool>(out);
}

bool WriteResults(const std::string& out_dir, const std::string& name, const Machine& machine,
                  const std::string& json_text, const std::string& markdown, std::string* error) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    *error = "--out: cannot create " + out_dir + ": " + ec.message();
    return false;
  }
  std::string json_path = out_dir + "/" + name + "-" + machine.stamp + ".json";
  std::string md_path = out_dir + "/" + name + "-latest.md";
  if (!WriteFile(json_path, json_text, error) || !WriteFile(md_path, markdown, error)) {
    return false;
  }
  std::printf("\nwrote %s and %s\n", json_path.c_str(), md_path.c_str());
  return true;
}

}  // namespace warp::bench
