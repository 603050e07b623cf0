#include "tools/repair.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/file_util.h"
#include "store/data_dir.h"
#include "store/filename.h"
#include "tools/dump_util.h"
#include "tools/inspect.h"
#include "wal/file.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace warp::tools {

namespace {

// What one shard's log needs: cut `cut_file` to `cut_to` bytes (remove it when 0), remove
// `later` (newest last), after copying `backup` (every file changed or removed except when
// only zeros are dropped).
struct Plan {
  bool damaged = false;
  std::string cut_file;
  uint64_t cut_to = 0;
  std::vector<std::string> later;
  std::vector<std::string> backup;
};

class Repairer {
 public:
  Repairer(const RepairOptions& options, std::string* out, RepairReport* report)
      : options_(options), out_(out), report_(report) {}

  Status Shard(uint32_t shard);

 private:
  void Say(uint32_t shard, const std::string& line) {
    *out_ += "shard " + std::to_string(shard) + ": " + line + "\n";
  }
  Status MakePlan(uint32_t shard, const std::string& wal_dir, Plan* plan);
  Status Apply(uint32_t shard, const std::string& wal_dir, const Plan& plan);
  Status BackupDir(uint32_t shard, std::string* dir);
  Status Backup(uint32_t shard, const std::string& path);

  const RepairOptions& options_;
  std::string* out_;
  RepairReport* report_;
  FileSystem* fs_ = DefaultFileSystem();
};

Status NoOp(const WalRecord&) { return Status::OK(); }

std::string Counts(const ReadSummary& s) {
  return std::to_string(s.records) + " records, last lsn " + std::to_string(s.last_lsn);
}

uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

// The segments of `dir` whose first LSN is above that of `path`, in LSN order.
Status LaterSegments(FileSystem* fs, const std::string& dir, const std::string& path,
                     std::vector<std::string>* later) {
  uint64_t from = 0;
  if (!wal::ParseSegmentFileName(std::filesystem::path(path).filename().string(), &from)) {
    return Status::InvalidArgument(path + " is not a WAL segment name");
  }
  std::vector<std::string> names;
  Status s = fs->ListDir(dir, &names);
  if (!s.ok()) return s;
  std::vector<std::pair<uint64_t, std::string>> segments;
  for (const std::string& name : names) {
    uint64_t lsn = 0;
    if (wal::ParseSegmentFileName(name, &lsn) && lsn > from) segments.emplace_back(lsn, name);
  }
  std::sort(segments.begin(), segments.end());
  for (const auto& segment : segments) later->push_back(JoinPath(dir, segment.second));
  return Status::OK();
}

// Makes a truncation durable: truncate(2) by path has no descriptor to fsync.
Status SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot fsync " + path + ": " + std::strerror(err));
  return Status::OK();
}

// "2026-11-24T10:00:00.123Z" -> "20261124T100000.123Z", a portable folder name.
std::string CompactUtcNow() {
  std::string stamp = UtcNowIso8601();
  stamp.erase(
      std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
      stamp.end());
  return stamp;
}

Status Repairer::MakePlan(uint32_t shard, const std::string& wal_dir, Plan* plan) {
  ReadSummary sum;
  Status s = ReadWal(fs_, wal_dir, shard, NoOp, &sum);
  if (s.ok() && sum.torn_tail) {
    plan->damaged = true;
    plan->cut_file = sum.torn_file;
    plan->cut_to = sum.torn_offset;
    plan->backup.push_back(sum.torn_file);
    Say(shard, "torn tail in " + sum.torn_file + " at offset " + std::to_string(sum.torn_offset) +
                   " (" + std::to_string(FileSize(sum.torn_file) - sum.torn_offset) +
                   " bytes after the last good record; " + Counts(sum) + " before it)");
  } else if (s.ok() && sum.zero_tail_bytes > 0) {
    plan->cut_file = sum.end_file;
    plan->cut_to = sum.end_offset;
    Say(shard, "ok (" + Counts(sum) + "); " + sum.end_file + " ends in " +
                   std::to_string(sum.zero_tail_bytes) +
                   " zero bytes of preallocated space after offset " +
                   std::to_string(sum.end_offset));
  } else if (s.ok()) {
    Say(shard, "ok (" + Counts(sum) + ")");
  } else if (s.IsCorruption() && !sum.corrupt_file.empty()) {
    plan->damaged = true;
    plan->cut_file = sum.corrupt_file;
    plan->cut_to = sum.corrupt_offset;
    Status later = LaterSegments(fs_, wal_dir, sum.corrupt_file, &plan->later);
    if (!later.ok()) return later;
    plan->backup.push_back(sum.corrupt_file);
    plan->backup.insert(plan->backup.end(), plan->later.begin(), plan->later.end());
    Say(shard, s.message());
    Say(shard, "the log is good up to offset " + std::to_string(sum.corrupt_offset) + " of " +
                   sum.corrupt_file + " (" + Counts(sum) + "); everything after it is dropped");
  } else {
    return s;  // an I/O error: nothing is known about the log
  }
  return Status::OK();
}

Status Repairer::BackupDir(uint32_t shard, std::string* dir) {
  if (report_->backup_dir.empty()) {
    std::string base = filename::Backups(options_.data_dir) + "/repair-" + CompactUtcNow();
    std::string candidate = base;
    for (int n = 2; std::filesystem::exists(candidate); ++n) {
      candidate = base + "-" + std::to_string(n);
    }
    report_->backup_dir = candidate;
  }
  *dir = JoinPath(report_->backup_dir, filename::ShardName(shard));
  Status s = fs_->CreateDir(*dir);
  // Make the new folders themselves durable, not only the files in them.
  if (s.ok()) s = fs_->SyncDir(report_->backup_dir);
  if (s.ok()) s = fs_->SyncDir(filename::Backups(options_.data_dir));
  return s;
}

Status Repairer::Backup(uint32_t shard, const std::string& path) {
  std::string dir;
  Status s = BackupDir(shard, &dir);
  std::string contents;
  if (s.ok()) s = fs_->ReadFile(path, &contents);
  std::string copy = JoinPath(dir, std::filesystem::path(path).filename().string());
  std::unique_ptr<WritableFile> file;
  if (s.ok()) s = fs_->NewWritableFile(copy, &file);
  if (s.ok()) s = file->Append(contents);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = fs_->SyncDir(dir);
  if (!s.ok()) return s;
  Say(shard, "backed up " + path + " to " + copy);
  return Status::OK();
}

Status Repairer::Apply(uint32_t shard, const std::string& wal_dir, const Plan& plan) {
  for (const std::string& path : plan.backup) {
    Status s = Backup(shard, path);
    if (!s.ok()) return s;
  }
  // Newest first, and the cut last: a crash part way leaves a log that a second run repairs.
  for (auto it = plan.later.rbegin(); it != plan.later.rend(); ++it) {
    Status s = fs_->RemoveFile(*it);
    if (!s.ok()) return s;
    Say(shard, "removed " + *it);
  }
  uint64_t size = FileSize(plan.cut_file);
  Status s;
  if (plan.cut_to == 0) {
    s = fs_->RemoveFile(plan.cut_file);
    if (s.ok()) Say(shard, "removed " + plan.cut_file + " (no valid data in it)");
  } else {
    s = fs_->Truncate(plan.cut_file, plan.cut_to);
    if (s.ok()) s = SyncFile(plan.cut_file);
    if (s.ok()) {
      Say(shard, "truncated " + plan.cut_file + " from " + std::to_string(size) + " to " +
                     std::to_string(plan.cut_to) + " bytes");
    }
  }
  if (s.ok()) s = fs_->SyncDir(wal_dir);
  if (!s.ok()) return s;
  ReadSummary sum;
  s = ReadWal(fs_, wal_dir, shard, NoOp, &sum);
  if (!s.ok())
    return Status::IOError("shard " + std::to_string(shard) +
                           ": the log is still unreadable after the repair: " + s.message());
  Say(shard, "repaired (" + Counts(sum) + ")");
  return Status::OK();
}

Status Repairer::Shard(uint32_t shard) {
  std::string wal_dir = filename::ShardWal(options_.data_dir, shard);
  Plan plan;
  Status s = MakePlan(shard, wal_dir, &plan);
  if (!s.ok()) return s;
  ++report_->shards;
  if (plan.damaged) ++report_->damaged;
  if (plan.cut_file.empty()) return Status::OK();
  ++report_->changed;
  if (options_.apply) return Apply(shard, wal_dir, plan);
  for (const std::string& path : plan.backup) Say(shard, "would back up " + path);
  for (const std::string& path : plan.later) Say(shard, "would remove " + path);
  if (plan.cut_to == 0) {
    Say(shard, "would remove " + plan.cut_file + " (no valid data in it)");
  } else {
    Say(shard, "would truncate " + plan.cut_file + " from " +
                   std::to_string(FileSize(plan.cut_file)) + " to " + std::to_string(plan.cut_to) +
                   " bytes");
  }
  return Status::OK();
}

// The dry run takes no lock, but a live log would be reported mid-write: it asks `warp
// inspect`'s read-only probe whether a process holds the lock.
Status RefuseIfLocked(const std::string& data_dir) {
  std::string text;
  Status s = InspectDataDir(data_dir, /*json=*/true, &text);
  if (!s.ok()) return s;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::string lock = doc.is_object() ? doc.value("lock", "") : "";
  const std::string held = "held by ";
  if (lock.rfind(held, 0) != 0) return Status::OK();
  return Status::Busy("data directory " + data_dir + " is locked by " + lock.substr(held.size()) +
                      " (" + filename::Lock(data_dir) + ")");
}

void Summarize(const RepairOptions& options, const Status& s, const RepairReport& r,
               std::string* out) {
  std::string line = options.apply ? "repair: " : "repair (dry run): ";
  line += std::to_string(r.shards) + " shards checked, " + std::to_string(r.damaged) + " damaged, ";
  if (options.apply) {
    line += std::to_string(r.changed) + " changed";
    if (!r.backup_dir.empty()) line += "; originals copied to " + r.backup_dir;
    if (!s.ok()) line += "; stopped by an error";
  } else {
    line += "nothing was changed";
    if (r.changed > 0) line += "; run again with --yes to apply";
  }
  *out += line + "\n";
}

}  // namespace

Status RepairDataDir(const RepairOptions& options, std::string* out, RepairReport* report) {
  *report = RepairReport();
  Manifest m;
  Status s = LoadManifestForDump(options.data_dir, options.shard, &m);
  if (!s.ok()) return s;
  std::unique_ptr<DataDir> dir;  // holds the LOCK while the logs are changed
  s = options.apply ? DataDir::Open(options.data_dir, m.shard_count, &dir)
                    : RefuseIfLocked(options.data_dir);
  if (!s.ok()) return s;
  Repairer repairer(options, out, report);
  for (uint32_t shard = 0; shard < m.shard_count && s.ok(); ++shard) {
    if (!options.shard || *options.shard == shard) s = repairer.Shard(shard);
  }
  // Opening recorded clean_shutdown = false; a directory that was closed cleanly stays so.
  if (dir && !dir->recovered_from_crash()) {
    Status closed = dir->MarkClosed();
    if (s.ok()) s = closed;
  }
  Summarize(options, s, *report, out);
  return s;
}

int RepairExitCode(const Status& status, const RepairReport& report, bool apply) {
  if (!status.ok()) return 2;
  if (!apply && report.damaged > 0) return 1;
  return 0;
}

}  // namespace warp::tools
