// FaultInjectionFileSystem: a FileSystem wrapper for durability tests. It forwards to a base
// file system and remembers, per file written through it, how many bytes were appended and how
// many of those were covered by a successful Sync(). Tests can make the next Append or Sync fail
// with an IOError, and simulate a power loss with DropUnsyncedData(), which cuts every such file
// back to its last synced length (directory entries are treated as durable). Reads through a
// RandomAccessFile opened here can be made to fail (IOError) or to return damaged bytes (a bad
// disk or cable: the file itself is untouched), so tests can check that no wrong data gets out.
// Thread-safe (one mutex); the base must outlive the wrapper.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wal/file.h"

namespace warp::testing {

class FaultInjectionFileSystem : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

  // The next Append (or Sync) on any file fails with IOError, without touching the file.
  void FailNextAppend();
  void FailNextSync();
  // The next Read on any RandomAccessFile opened through this wrapper fails with IOError without
  // reading; or returns the bytes read with one bit flipped (the last byte's lowest bit).
  void FailNextRead();
  void CorruptNextRead();

  // Power loss: truncates every file written through this wrapper to its last synced length.
  Status DropUnsyncedData();

  // Bytes of `path` known durable (0 if never synced or not written through this wrapper).
  uint64_t SyncedBytes(const std::string& path) const;
  int sync_count() const;
  // Reads (RandomAccessFile::Read calls, failed ones included) through this wrapper so far.
  int read_count() const;

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override;
  // Wraps the base's log file (memory-mapped or zero-filled ahead, with the default base).
  Status NewLogFile(const std::string& path, LogWrites writes, uint64_t preallocate_bytes,
                    std::unique_ptr<WritableFile>* file) override;
  Status ReadFile(const std::string& path, std::string* contents) override {
    return base_->ReadFile(path, contents);
  }
  // Wraps the base's file so that reads count and take the injected read faults.
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* file) override;
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    return base_->ListDir(dir, names);
  }
  Status RemoveFile(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  // Fails like a file's Sync after FailNextSync(); else makes the whole file count as synced.
  Status SyncFile(const std::string& path) override;
  // Forwards, and moves what is known about `from` (written and synced bytes) to `to`.
  Status Rename(const std::string& from, const std::string& to) override;

 private:
  class File;
  class RandomFile;
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };

  // Called by File.
  Status BeforeAppend();
  void AfterAppend(const std::string& path, uint64_t n);
  Status BeforeSync();
  void AfterSync(const std::string& path, uint64_t covered);
  // Counts the read; IOError if a failure is pending. *corrupt: damage the bytes read.
  Status BeforeRead(const std::string& path, uint64_t offset, bool* corrupt) const;
  uint64_t AppendedBytes(const std::string& path) const;
  Status Wrap(const std::string& path, std::unique_ptr<WritableFile> base,
              std::unique_ptr<WritableFile>* file);

  FileSystem* base_;
  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;
  bool fail_next_append_ = false;
  bool fail_next_sync_ = false;
  int sync_count_ = 0;
  // Set by reads, which are const: mutable like mu_.
  mutable bool fail_next_read_ = false;
  mutable bool corrupt_next_read_ = false;
  mutable int read_count_ = 0;
};

}  // namespace warp::testing
