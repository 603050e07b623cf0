// warp: the operator's command-line tool.
//
//   warp inspect --data DIR [--json]    summarise a data directory (read-only, safe while live)
//
// Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad command line.
// WAL and snapshot dump commands join with the persistence layer.

#include <iostream>
#include <string>
#include <vector>

#include "tools/inspect.h"

namespace {

constexpr const char* kUsage =
    "usage: warp <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect --data DIR [--json]   summarise a data directory: manifest, shards, slots,\n"
    "                                folder sizes, lock holder (read-only)\n";

int Inspect(const std::vector<std::string>& args) {
  std::string data_dir;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--data" && i + 1 < args.size()) {
      data_dir = args[++i];
    } else if (args[i].rfind("--data=", 0) == 0) {
      data_dir = args[i].substr(7);
    } else {
      std::cerr << "warp inspect: unexpected argument '" << args[i] << "'\n" << kUsage;
      return 2;
    }
  }
  if (data_dir.empty()) {
    std::cerr << "warp inspect: --data DIR is required\n";
    return 2;
  }
  std::string out;
  warp::Status s = warp::tools::InspectDataDir(data_dir, json, &out);
  if (!s.ok()) {
    std::cerr << "warp inspect: " << s.message() << "\n";
    return 1;
  }
  std::cout << out;
  return 0;
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
  if (command == "inspect") return Inspect(args);
  std::cerr << "warp: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
