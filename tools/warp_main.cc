// warp: the operator's command-line tool.
//
//   warp inspect --data DIR [--json]    summarise a data directory (read-only, safe while live)
//   warp wal dump --data DIR [--shard N] [--json]   print every WAL record of one or all shards
//
// Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad command line.

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "tools/inspect.h"
#include "tools/wal_dump.h"

namespace {

constexpr const char* kUsage =
    "usage: warp <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect --data DIR [--json]   summarise a data directory: manifest, shards, slots,\n"
    "                                folder sizes, lock holder (read-only)\n"
    "  wal dump --data DIR [--shard N] [--json]\n"
    "                                print every write-ahead log record, then the replay\n"
    "                                summary (torn tail, corruption with file and offset)\n";

struct CommonArgs {
  std::string data_dir;
  bool json = false;
  std::optional<uint32_t> shard;
};

// Parses --data DIR, --json and (if allowed) --shard N; false after printing the problem.
bool ParseArgs(const std::string& command, const std::vector<std::string>& args, bool allow_shard,
               CommonArgs* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      out->json = true;
    } else if (args[i] == "--data" && i + 1 < args.size()) {
      out->data_dir = args[++i];
    } else if (allow_shard && args[i] == "--shard" && i + 1 < args.size()) {
      const std::string& n = args[++i];
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 5) {
        std::cerr << "warp " << command << ": --shard expects a shard number, got '" << n << "'\n";
        return false;
      }
      out->shard = static_cast<uint32_t>(std::stoul(n));
    } else {
      std::cerr << "warp " << command << ": unexpected argument '" << args[i] << "'\n" << kUsage;
      return false;
    }
  }
  if (out->data_dir.empty()) {
    std::cerr << "warp " << command << ": --data DIR is required\n";
    return false;
  }
  return true;
}

// Prints what was rendered, then the error if any: 0 on success, 1 on failure.
int Finish(const std::string& command, const warp::Status& s, const std::string& out) {
  std::cout << out;
  if (s.ok()) return 0;
  std::cerr << "warp " << command << ": " << s.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  CommonArgs parsed;
  std::string out;
  if (command == "inspect") {
    if (!ParseArgs("inspect", args, /*allow_shard=*/false, &parsed)) return 2;
    warp::Status s = warp::tools::InspectDataDir(parsed.data_dir, parsed.json, &out);
    return Finish("inspect", s, out);
  }
  if (command == "wal" && !args.empty() && args[0] == "dump") {
    args.erase(args.begin());
    if (!ParseArgs("wal dump", args, /*allow_shard=*/true, &parsed)) return 2;
    warp::Status s = warp::tools::DumpWal(parsed.data_dir, parsed.shard, parsed.json, &out);
    return Finish("wal dump", s, out);
  }
  std::cerr << "warp: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
