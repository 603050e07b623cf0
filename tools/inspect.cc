#include "tools/inspect.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file_util.h"
#include "store/filename.h"
#include "store/manifest.h"
#include "store/snapshot.h"
#include "wal/file.h"
#include "wal/wal_reader.h"

namespace warp::tools {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// Files and bytes directly inside `dir` (README.txt excluded); zeros if it does not exist.
json FolderUsage(const std::string& dir) {
  uint64_t files = 0, bytes = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().filename() == "README.txt") continue;
    ++files;
    bytes += entry.file_size(ec);
  }
  return {{"files", files}, {"bytes", bytes}};
}

// The snapshot folder's usage plus its snapshots: how many, and the LSN of the newest (null if
// none). Names only: no snapshot is read, so this stays cheap on a large directory.
json SnapshotUsage(const std::string& dir) {
  json usage = FolderUsage(dir);
  std::vector<SnapshotInfo> found;
  Status s = ListSnapshots(DefaultFileSystem(), dir, &found);
  usage["count"] = found.size();
  usage["newest_lsn"] = found.empty() ? json(nullptr) : json(found.front().lsn);
  if (!s.ok()) usage["error"] = s.message();
  return usage;
}

// The WAL folder's usage plus what its log holds: segments, the LSN range of its records (null
// if none) and a torn tail or corruption. Reads the whole log (without changing it), which is
// safe on a live directory: a record being written reads as a torn tail.
json WalUsage(const std::string& dir, uint32_t shard) {
  json usage = FolderUsage(dir);
  std::vector<std::pair<uint64_t, std::string>> segments;
  Status s = ListWalSegments(DefaultFileSystem(), dir, &segments);
  usage["segments"] = segments.size();
  uint64_t first_lsn = 0;
  ReadSummary summary;
  if (s.ok()) {
    s = ReadWal(
        DefaultFileSystem(), dir, shard,
        [&](const WalRecord& record) {
          if (first_lsn == 0) first_lsn = record.lsn;
          return Status::OK();
        },
        &summary);
  }
  usage["records"] = summary.records;
  usage["first_lsn"] = first_lsn == 0 ? json(nullptr) : json(first_lsn);
  usage["last_lsn"] = summary.records == 0 ? json(nullptr) : json(summary.last_lsn);
  if (summary.torn_tail) {
    usage["torn_tail"] = summary.torn_file + " at offset " + std::to_string(summary.torn_offset);
  }
  if (!s.ok()) usage["error"] = s.message();
  return usage;
}

// "held by pid N", "not held", or why it could not be checked. Probes with a non-blocking
// shared flock that is released at once, so a running server is never disturbed.
std::string LockState(const std::string& data_dir) {
  std::string path = filename::Lock(data_dir);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "not held (no LOCK file)";
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  if (!held) ::flock(fd, LOCK_UN);
  ::close(fd);
  if (!held) return "not held";
  std::string pid;
  (void)ReadFile(path, &pid);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return "held by pid " + (pid.empty() ? std::string("unknown") : pid);
}

json ShardSummary(const std::string& data_dir, const Manifest& m, uint32_t shard) {
  json ranges = json::array();
  const auto& owner = m.slot_table.shard_of_slot();
  for (uint32_t slot = 0; slot < owner.size(); ++slot) {
    if (owner[slot] != shard) continue;
    uint32_t last = slot;
    while (last + 1 < owner.size() && owner[last + 1] == shard) ++last;
    ranges.push_back(std::to_string(slot) + "-" + std::to_string(last));
    slot = last;
  }
  return {{"shard", filename::ShardName(shard)},
          {"slots", ranges},
          {"wal", WalUsage(filename::ShardWal(data_dir, shard), shard)},
          {"snapshots", SnapshotUsage(filename::ShardSnapshots(data_dir, shard))},
          {"cold", FolderUsage(filename::ShardCold(data_dir, shard))}};
}

std::string RenderText(const json& doc) {
  std::ostringstream out;
  out << "data directory " << doc["data_dir"].get<std::string>() << "\n"
      << "  format version  " << doc["format_version"] << "\n"
      << "  engine version  " << doc["engine_version"].get<std::string>() << "\n"
      << "  shards          " << doc["shard_count"] << " (1024 slots)\n"
      << "  created         " << doc["created_at"].get<std::string>() << "\n"
      << "  last opened     " << doc["opened_at"].get<std::string>() << " (open #"
      << doc["open_count"] << ")\n"
      << "  last closed     "
      << (doc["closed_at"].get<std::string>().empty() ? "never"
                                                      : doc["closed_at"].get<std::string>())
      << (doc["clean_shutdown"].get<bool>() ? "" : "  [not closed cleanly]") << "\n"
      << "  lock            " << doc["lock"].get<std::string>() << "\n";
  for (const json& shard : doc["shards"]) {
    out << "  " << shard["shard"].get<std::string>() << "  slots";
    for (const json& range : shard["slots"]) out << " " << range.get<std::string>();
    for (const char* part : {"wal", "snapshots", "cold"}) {
      out << "  " << part << " " << shard[part]["files"] << " files/" << shard[part]["bytes"]
          << " B";
      if (shard[part].contains("segments")) {
        if (!shard[part]["last_lsn"].is_null()) {
          out << " (lsn " << shard[part]["first_lsn"] << ".." << shard[part]["last_lsn"] << ")";
        }
        if (shard[part].contains("torn_tail")) {
          out << " [torn tail: " << shard[part]["torn_tail"].get<std::string>() << "]";
        }
        if (shard[part].contains("error")) {
          out << " [" << shard[part]["error"].get<std::string>() << "]";
        }
      }
      if (shard[part].contains("count")) {
        out << " (" << shard[part]["count"] << " snapshots";
        if (!shard[part]["newest_lsn"].is_null())
          out << ", newest lsn " << shard[part]["newest_lsn"];
        out << ")";
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

Status InspectDataDir(const std::string& data_dir, bool as_json, std::string* out) {
  std::string manifest_path = filename::Manifest(data_dir);
  std::string text;
  Status s = ReadFile(manifest_path, &text);
  if (s.IsNotFound()) {
    return Status::NotFound(data_dir + " is not a WarpEngine data directory (no universe.json)");
  }
  if (!s.ok()) return s;
  Manifest m;
  s = ManifestFromJson(text, manifest_path, &m);
  if (!s.ok()) return s;
  json doc = {{"data_dir", data_dir},
              {"format_version", m.format_version},
              {"engine_version", m.engine_version},
              {"shard_count", m.shard_count},
              {"created_at", m.created_at},
              {"opened_at", m.opened_at},
              {"closed_at", m.closed_at},
              {"open_count", m.open_count},
              {"clean_shutdown", m.clean_shutdown},
              {"lock", LockState(data_dir)},
              {"shards", json::array()}};
  for (uint32_t shard = 0; shard < m.shard_count; ++shard) {
    doc["shards"].push_back(ShardSummary(data_dir, m, shard));
  }
  *out = as_json ? doc.dump(2) + "\n" : RenderText(doc);
  return Status::OK();
}

}  // namespace warp::tools
