// DataDir: one open data directory, exclusively owned by this process.
//
// Open() creates the layout of DESIGN.md section 5 if it is missing (with a README.txt in
// every folder saying what lives there), takes the LOCK file (flock; the owner's pid is
// written into it so that a second opener is told who holds it), then reads and checks
// universe.json, or writes a new one. The lock is held until the DataDir is destroyed.
//
// Errors:
//   Busy            another process (or another DataDir in this one) holds the lock:
//                   "data directory D is locked by pid N (D/LOCK)"
//   InvalidArgument the manifest's shard count differs from the requested one
//   Corruption      universe.json is malformed or newer than this build
//   IOError         a folder or file could not be created, written or locked
// Thread-safety: methods may be called from any thread, but not concurrently with each other.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/manifest.h"
#include "warp/status.h"

namespace warp {

class DataDir {
 public:
  // shard_count 0 = the count recorded in the directory, or DefaultShardCount() for a new one;
  // any other value must equal the recorded count. manifest().shard_count is the count in use.
  static Status Open(const std::string& path, uint32_t shard_count, std::unique_ptr<DataDir>* out);
  // One shard per core of this machine (1..256).
  static uint32_t DefaultShardCount();
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::string& path() const { return path_; }
  const Manifest& manifest() const { return manifest_; }
  // True if the previous session did not close cleanly (crash or kill).
  bool recovered_from_crash() const { return recovered_from_crash_; }

  // Writes configuration/effective.json.
  Status WriteEffectiveConfig(const std::string& json);

  // Records a clean shutdown in the manifest (closed_at, clean_shutdown = true).
  Status MarkClosed();

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}

  Status LoadOrCreateManifest(uint32_t shard_count);

  const std::string path_;
  int lock_fd_;
  Manifest manifest_;
  bool recovered_from_crash_ = false;
};

// Builds the folder layout with READMEs (idempotent; existing READMEs are left alone).
Status CreateLayout(const std::string& path, uint32_t shard_count);

}  // namespace warp
