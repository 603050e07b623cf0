#include "store/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "common/log.h"
#include "store/filename.h"
#include "warp/version.h"

namespace warp {

namespace {

struct Folder {
  std::string path;
  const char* readme;
};

// What lives where, written as README.txt into each folder for operators.
std::vector<Folder> LayoutFolders(const std::string& d, uint32_t shard_count) {
  std::vector<Folder> folders = {
      {d,
       "WarpEngine data directory.\n"
       "  universe.json   manifest: format version, shard count, slot table, open/close times\n"
       "  LOCK            held while a process has this directory open; contains its pid\n"
       "  configuration/  the effective configuration of the last open\n"
       "  spacetime/      one folder per spacetime shard (key-value partitions)\n"
       "  temporal/       time-series partitions by age\n"
       "  entropy/        load-balance time series\n"
       "  wormholes/      routing table between shards and nodes\n"
       "  backups/        point-in-time backups\n"
       "See docs/data_directory.md in the WarpEngine sources.\n"},
      {filename::Configuration(d),
       "effective.json: the configuration this directory was last opened with, after defaults,\n"
       "the YAML file and --set overrides were applied. Written at every open; informational.\n"},
      {filename::Spacetime(d),
       "One folder per spacetime shard (shard-00, shard-01, ...). Keys map to 1024 slots and\n"
       "slots to shards through the slot table in ../universe.json.\n"},
      {filename::Temporal(d),
       "Time-series storage, partitioned by age: live/, recent/, historical/, deep_time/.\n"},
      {filename::Temporal(d) + "/live", "Open (still growing) time-series chunks.\n"},
      {filename::Temporal(d) + "/recent", "Recently sealed, compressed time-series chunks.\n"},
      {filename::Temporal(d) + "/historical", "Older time-series chunks, one file per window.\n"},
      {filename::Temporal(d) + "/deep_time", "Downsampled long-term time-series data.\n"},
      {filename::Entropy(d), "Time series of the load entropy across shards and slots.\n"},
      {filename::Wormholes(d), "The routing table between shards and between nodes.\n"},
      {filename::Backups(d), "Point-in-time backups of this data directory.\n"},
  };
  for (uint32_t shard = 0; shard < shard_count; ++shard) {
    folders.push_back({filename::Shard(d, shard),
                       "One spacetime shard: a partition of the keyspace.\n"
                       "  wal/              write-ahead log segments\n"
                       "  snapshots/        point-in-time snapshots of the shard's table\n"
                       "  cold/             value log of the cold tier (values on disk)\n"
                       "  quantum_indices/  entanglement rules and learned relations\n"});
    folders.push_back(
        {filename::ShardWal(d, shard),
         "Write-ahead log segments of this shard, named by the LSN of their first record\n"
         "(<20 digits>.log). Format: docs/wal_format.md. Print them with\n"
         "`warp wal dump --data DIR --shard N`. Never edit or delete them by hand: segments\n"
         "below the newest snapshot are removed by the engine itself.\n"});
    folders.push_back(
        {filename::ShardSnapshots(d, shard),
         "Snapshots (checkpoints) of this shard's table: snapshot-<LSN>.snap holds exactly the\n"
         "writes up to that LSN, snapshot-<LSN>.json describes it. Format:\n"
         "docs/snapshot_format.md. Print them with `warp snapshot dump --data DIR --shard N`.\n"});
    folders.push_back({filename::ShardCold(d, shard), "Cold-tier value log of this shard.\n"});
    folders.push_back({filename::ShardQuantum(d, shard),
                       "Quantum index: entanglement rules and learned co-access relations.\n"});
  }
  return folders;
}

// Takes the exclusive lock on D/LOCK, or reports the pid recorded by its holder.
Status AcquireLock(const std::string& dir, int* fd_out) {
  std::string path = filename::Lock(dir);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open lock file " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
    }
    std::string holder;
    (void)ReadFile(path, &holder);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::Busy("data directory " + dir + " is locked by pid " +
                        (holder.empty() ? std::string("unknown") : holder) + " (" + path + ")");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    int err = errno;
    ::close(fd);
    return Status::IOError("cannot write pid to " + path + ": " + std::strerror(err));
  }
  *fd_out = fd;
  return Status::OK();
}

}  // namespace

Status CreateLayout(const std::string& path, uint32_t shard_count) {
  for (const Folder& folder : LayoutFolders(path, shard_count)) {
    Status s = CreateDirs(folder.path);
    if (!s.ok()) return s;
    std::string readme = folder.path + "/README.txt";
    if (!std::filesystem::exists(readme)) {
      s = WriteFileAtomic(readme, folder.readme);
      if (!s.ok()) return s;
    }
  }
  return Status::OK();
}

uint32_t DataDir::DefaultShardCount() {
  return std::clamp(std::thread::hardware_concurrency(), 1u, 256u);
}

Status DataDir::Open(const std::string& path, uint32_t shard_count, std::unique_ptr<DataDir>* out) {
  Status s = CreateDirs(path);
  if (!s.ok()) return s;
  int lock_fd = -1;
  s = AcquireLock(path, &lock_fd);
  if (!s.ok()) return s;
  std::unique_ptr<DataDir> dir(new DataDir(path, lock_fd));
  s = dir->LoadOrCreateManifest(shard_count);
  if (!s.ok()) return s;
  // Layout after the manifest check: a mismatched directory is never modified.
  s = CreateLayout(path, dir->manifest_.shard_count);
  if (!s.ok()) return s;
  *out = std::move(dir);
  return Status::OK();
}

Status DataDir::LoadOrCreateManifest(uint32_t shard_count) {
  std::string manifest_path = filename::Manifest(path_);
  std::string text;
  Status s = ReadFile(manifest_path, &text);
  std::string now = UtcNowIso8601();
  if (s.IsNotFound()) {
    if (shard_count == 0) shard_count = DefaultShardCount();
    manifest_.shard_count = shard_count;
    manifest_.slot_table = SlotTable::Even(shard_count);
    manifest_.created_at = now;
    log::Info("created universe in ", path_, " with ", shard_count, " shards");
  } else if (!s.ok()) {
    return s;
  } else {
    s = ManifestFromJson(text, manifest_path, &manifest_);
    if (!s.ok()) return s;
    if (shard_count != 0 && manifest_.shard_count != shard_count) {
      return Status::InvalidArgument(
          "data directory " + path_ + " was created with " + std::to_string(manifest_.shard_count) +
          " shards but the configuration asks for " + std::to_string(shard_count) +
          " (key 'shards'); the shard count is fixed at creation");
    }
    recovered_from_crash_ = !manifest_.clean_shutdown;
  }
  manifest_.format_version = Manifest::kFormatVersion;
  manifest_.engine_version = kWarpVersion;
  manifest_.opened_at = now;
  manifest_.open_count += 1;
  manifest_.clean_shutdown = false;
  return WriteFileAtomic(manifest_path, ManifestToJson(manifest_));
}

Status DataDir::WriteEffectiveConfig(const std::string& json) {
  return WriteFileAtomic(filename::EffectiveConfig(path_), json);
}

Status DataDir::MarkClosed() {
  manifest_.closed_at = UtcNowIso8601();
  manifest_.clean_shutdown = true;
  return WriteFileAtomic(filename::Manifest(path_), ManifestToJson(manifest_));
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the descriptor releases the flock
}

}  // namespace warp
