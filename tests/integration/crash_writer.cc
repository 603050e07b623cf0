// crash_writer: writes through the public API until it is killed, and says on stdout which
// writes were acknowledged (protocol in tests/integration/crash_model.h).
//
//   crash_writer --data DIR --fsync always|everysec|no --seed N [--threads T] [--keys K]
//                [--segment_bytes B] [--snapshot_writes W]
//
// Opens a warp::Universe on DIR, prints "crash_writer ready" and starts T threads (default 4).
// Thread t owns the keys i < K (default 256) with i % T == t and loops forever over them: a
// Put of a value of 20 bytes to 16 KiB (one in ten over 4 KiB, so the WAL LZ4-compresses
// it) or, one time in eight, a Delete. Before each call it prints the intent, after the call
// returns OK the acknowledgement, each line with one write(2): a line that reached the pipe
// survives kill -9 of this process. The run is a function of the seed except for the
// interleaving of the threads. Exit status: 2 bad arguments or Open failed, 3 a write failed.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/crash_model.h"
#include "warp/universe.h"

namespace {

struct Args {
  std::string data;
  std::string fsync;
  uint64_t seed = 0;
  bool have_seed = false;
  uint32_t threads = 4;
  uint32_t keys = 256;
  uint64_t segment_bytes = 1 << 20;
  uint64_t snapshot_writes = 1000;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "crash_writer: %s\nusage: crash_writer --data DIR --fsync always|everysec|no "
               "--seed N [--threads T] [--keys K] [--segment_bytes B] [--snapshot_writes W]\n",
               problem.c_str());
  std::exit(2);
}

uint64_t ParseNumber(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || text[0] == '-') {
    Usage(flag + ": expected an unsigned integer, got '" + text + "'");
  }
  return v;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(flag + ": missing value");
    std::string value = argv[i + 1];
    if (flag == "--data") {
      args.data = value;
    } else if (flag == "--fsync") {
      args.fsync = value;
    } else if (flag == "--seed") {
      args.seed = ParseNumber(flag, value);
      args.have_seed = true;
    } else if (flag == "--threads") {
      args.threads = static_cast<uint32_t>(ParseNumber(flag, value));
    } else if (flag == "--keys") {
      args.keys = static_cast<uint32_t>(ParseNumber(flag, value));
    } else if (flag == "--segment_bytes") {
      args.segment_bytes = ParseNumber(flag, value);
    } else if (flag == "--snapshot_writes") {
      args.snapshot_writes = ParseNumber(flag, value);
    } else {
      Usage("unknown flag '" + flag + "'");
    }
  }
  if (args.data.empty() || args.fsync.empty() || !args.have_seed) {
    Usage("--data, --fsync and --seed are required");
  }
  if (args.threads == 0 || args.keys < args.threads || args.keys > 10000) {
    Usage("need 1 <= threads <= keys <= 10000");
  }
  return args;
}

warp::FsyncPolicy ParseFsync(const std::string& name) {
  for (auto policy :
       {warp::FsyncPolicy::kAlways, warp::FsyncPolicy::kEverySec, warp::FsyncPolicy::kNo}) {
    if (name == warp::FsyncPolicyName(policy)) return policy;
  }
  Usage("--fsync: expected one of always, everysec, no, got '" + name + "'");
}

// One write(2) per line: shorter than PIPE_BUF, so the pipe takes it whole or not at all.
void WriteLine(const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::_Exit(4);  // nobody reads our acknowledgements any more
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void WriteFailed(const char* op, const std::string& key, const warp::Status& s) {
  WriteLine(std::string("crash_writer: ") + op + " " + key + " failed: " + s.ToString() + "\n");
  std::_Exit(3);
}

// Value sizes: mostly small, some medium, one in ten above the WAL's 4 KiB compression bar.
uint32_t ValueLength(std::mt19937_64& rng) {
  uint64_t r = rng() % 100;
  if (r < 70) return static_cast<uint32_t>(rng() % 200);
  if (r < 90) return static_cast<uint32_t>(200 + rng() % 3800);
  return static_cast<uint32_t>(4096 + rng() % (12 << 10));
}

[[noreturn]] void Writer(warp::Universe* universe, const Args& args, uint32_t id) {
  std::mt19937_64 rng(args.seed * 1000003 + id);
  std::vector<uint32_t> owned;
  for (uint32_t k = id; k < args.keys; k += args.threads) owned.push_back(k);
  for (uint64_t seq = 1;; ++seq) {
    std::string key = warp::crash::Key(owned[rng() % owned.size()]);
    if (rng() % 8 == 0) {
      WriteLine("I D " + key + "\n");
      warp::WriteResult w = universe->Delete(key);
      if (!w.ok()) WriteFailed("Delete", key, w.status);
      WriteLine("D " + key + "\n");
    } else {
      std::string id_text = warp::crash::ValueId(args.seed, id, seq, ValueLength(rng));
      WriteLine("I P " + key + " " + id_text + "\n");
      warp::WriteResult w = universe->Put(key, warp::crash::Value(id_text));
      if (!w.ok()) WriteFailed("Put", key, w.status);
      WriteLine("P " + key + " " + id_text + "\n");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  warp::Options options = warp::crash::CrashOptions(args.data, ParseFsync(args.fsync),
                                                    args.segment_bytes, args.snapshot_writes);
  warp::Universe universe;
  warp::Status s = universe.Open(options);
  if (!s.ok()) {
    std::fprintf(stderr, "crash_writer: open %s: %s\n", args.data.c_str(), s.ToString().c_str());
    return 2;
  }
  WriteLine(std::string(warp::crash::kReadyLine) + "\n");
  std::vector<std::thread> writers;
  for (uint32_t id = 0; id < args.threads; ++id) {
    writers.emplace_back([&universe, &args, id] { Writer(&universe, args, id); });
  }
  for (auto& w : writers) w.join();  // never: the writers loop until the process is killed
  return 0;
}
