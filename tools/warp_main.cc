// warp: the operator's command-line tool.
//
//   warp inspect --data DIR [--json]    summarise a data directory (read-only, safe while live)
//   warp wal dump --data DIR [--shard N] [--json]   print every WAL record of one or all shards
//   warp snapshot dump --data DIR [--shard N] [--json]  print every snapshot, header and entries
//   warp snapshot dump --file PATH [--json]             print one snapshot file
//   warp value-log dump --file PATH     print one cold-tier value-log file as JSON lines
//   warp repair --data DIR [--shard N] [--yes]  cut damaged WAL back to its last good record
//
// Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad command line.
// `warp repair` differs (tools/repair.h): 0 repaired or nothing to do, 1 damage found by a dry
// run, 2 an error (locked directory included) or a bad command line.

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "tools/inspect.h"
#include "tools/repair.h"
#include "tools/snapshot_dump.h"
#include "tools/value_log_dump.h"
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
    "                                summary (torn tail, corruption with file and offset)\n"
    "  snapshot dump --data DIR [--shard N] [--json]\n"
    "  snapshot dump --file PATH [--json]\n"
    "                                print the snapshots of one or all shards (newest first),\n"
    "                                or one snapshot file: header and every entry; a damaged\n"
    "                                file shows its error with file and offset\n"
    "  value-log dump --file PATH\n"
    "                                print one value-log file of a shard's cold tier\n"
    "                                (spacetime/shard-NN/cold/NNNNNNNN.vlog) as JSON lines:\n"
    "                                header, then every record; stops at a damaged record\n"
    "                                with its file and offset\n"
    "  repair --data DIR [--shard N] [--yes]\n"
    "                                cut a corrupt or torn write-ahead log back to its last\n"
    "                                good record, after copying what it changes to\n"
    "                                DIR/backups/repair-<time>/; without --yes only report\n"
    "                                (exit 1 if damage is found). The server must be stopped.\n";

struct CommonArgs {
  std::string data_dir;
  std::string file;  // snapshot dump --file, value-log dump --file
  bool json = false;
  bool yes = false;  // repair --yes
  std::optional<uint32_t> shard;
};

// Parses --data DIR, --json, (if allowed) --shard N, and (if allowed) --file PATH instead of
// --data; false after printing the problem.
bool ParseArgs(const std::string& command, const std::vector<std::string>& args, bool allow_shard,
               CommonArgs* out, bool allow_file = false) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      out->json = true;
    } else if (args[i] == "--data" && i + 1 < args.size()) {
      out->data_dir = args[++i];
    } else if (allow_file && args[i] == "--file" && i + 1 < args.size()) {
      out->file = args[++i];
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
  if (allow_file && !out->file.empty()) {
    if (out->data_dir.empty() && !out->shard) return true;
    std::cerr << "warp " << command << ": --file PATH cannot be combined with --data or --shard\n";
    return false;
  }
  if (out->data_dir.empty()) {
    std::cerr << "warp " << command << ": --data DIR is required"
              << (allow_file ? " (or --file PATH)" : "") << "\n";
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
  if (command == "repair") {
    // --yes is repair's alone; --json is not offered (one line per action).
    auto yes = std::find(args.begin(), args.end(), "--yes");
    parsed.yes = yes != args.end();
    if (parsed.yes) args.erase(yes);
    if (std::find(args.begin(), args.end(), "--json") != args.end()) {
      std::cerr << "warp repair: unexpected argument '--json'\n" << kUsage;
      return 2;
    }
    if (!ParseArgs("repair", args, /*allow_shard=*/true, &parsed)) return 2;
    warp::tools::RepairOptions options;
    options.data_dir = parsed.data_dir;
    options.shard = parsed.shard;
    options.apply = parsed.yes;
    warp::tools::RepairReport report;
    warp::Status s = warp::tools::RepairDataDir(options, &out, &report);
    std::cout << out;
    if (!s.ok()) std::cerr << "warp repair: " << s.message() << "\n";
    return warp::tools::RepairExitCode(s, report, options.apply);
  }
  if (command == "snapshot" && !args.empty() && args[0] == "dump") {
    args.erase(args.begin());
    if (!ParseArgs("snapshot dump", args, /*allow_shard=*/true, &parsed, /*allow_file=*/true)) {
      return 2;
    }
    warp::Status s =
        parsed.file.empty()
            ? warp::tools::DumpSnapshots(parsed.data_dir, parsed.shard, parsed.json, &out)
            : warp::tools::DumpSnapshotFile(parsed.file, parsed.json, &out);
    return Finish("snapshot dump", s, out);
  }
  if (command == "value-log" && !args.empty() && args[0] == "dump") {
    args.erase(args.begin());
    // A value-log file belongs to one process run (the next one deletes it), so there is no
    // --data form; --json is accepted and changes nothing (the output is JSON lines).
    if (std::find(args.begin(), args.end(), "--file") == args.end()) {
      std::cerr << "warp value-log dump: --file PATH is required\n";
      return 2;
    }
    if (!ParseArgs("value-log dump", args, /*allow_shard=*/false, &parsed, /*allow_file=*/true)) {
      return 2;
    }
    warp::Status s = warp::tools::DumpValueLogFile(parsed.file, &out);
    return Finish("value-log dump", s, out);
  }
  std::cerr << "warp: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
