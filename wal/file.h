// The small file-system interface the WAL (and the value log of the cold tier) writes and reads
// through, so tests can inject faults (failed writes, fsyncs and reads, power loss: see
// tests/support/fault_injection.h).
//
// Every error is a Status naming the path and the OS error: IOError, or NotFound for a missing
// file or directory. The interfaces are header-only (pure virtual) on purpose: code that only
// wraps a FileSystem needs no library. DefaultFileSystem() is the POSIX implementation.
// Thread-safety: a FileSystem may be used from several threads; one WritableFile from one
// thread at a time; one RandomAccessFile from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "warp/status.h"

namespace warp {

// A file open for positional reads, e.g. a value-log file read by many threads (the POSIX one
// copies from a shared mapping of the file, or preads).
// Thread-safety: Read and Size may be called from several threads at once; the file must not
// be destroyed while a call is running.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly `n` bytes at `offset` into *out (resized to n). IOError naming the path and
  // offset if the OS refuses the read or the file ends before offset + n (a short read); *out
  // is then unspecified.
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
  // The file's current size in bytes (0 if it cannot be determined).
  virtual uint64_t Size() const = 0;
  // The path this file was opened with.
  virtual const std::string& path() const = 0;
};

// A file open for appending. Bytes appended are not durable until Sync() returns OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end of the file (one or more write(2) calls, no user buffer).
  virtual Status Append(std::string_view data) = 0;
  // Makes every byte appended so far durable (fdatasync(2)).
  virtual Status Sync() = 0;
  // Closes the file; later calls fail. The destructor closes without reporting errors.
  virtual Status Close() = 0;
  // The path this file was opened with.
  virtual const std::string& path() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates (or truncates to empty) `path` and opens it for appending.
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) = 0;
  // How a write-ahead log segment is written (NewLogFile).
  enum class LogWrites : uint8_t {
    // Append is a memory copy into a mapped file reserved up front (preallocate_bytes): no
    // system call per append. Best when syncs are rare (wal.fsync everysec, no).
    kMapped,
    // Append is a pwrite into space zero-filled ahead of it in 1 MiB steps: an fdatasync then
    // flushes data pages only (no block allocation or size change to journal, and no mapping
    // to write-protect), which makes frequent syncs cheap (wal.fsync always).
    kZeroFilledAhead,
  };
  // A file for a write-ahead log segment: like NewWritableFile, but until Close() an
  // implementation may leave the file longer than what was appended, ending in zero bytes
  // (docs/wal_format.md: "preallocated space"); Close() cuts it to the appended length (durably).
  // Appended bytes are in the OS page cache when Append returns (they survive a crash of the
  // process), durable after Sync(). The default is NewWritableFile.
  virtual Status NewLogFile(const std::string& path, LogWrites writes, uint64_t preallocate_bytes,
                            std::unique_ptr<WritableFile>* file) {
    (void)writes;
    (void)preallocate_bytes;
    return NewWritableFile(path, file);
  }
  // Reads the whole file into *contents.
  virtual Status ReadFile(const std::string& path, std::string* contents) = 0;
  // Opens an existing file for positional reads (NotFound if it does not exist). Not pure, like
  // Rename, so that the fuzzers' in-memory file systems need not write one: the default
  // refuses with IOError.
  virtual Status NewRandomAccessFile(const std::string& path,
                                     std::unique_ptr<RandomAccessFile>* file) {
    (void)file;
    return Status::IOError("cannot open " + path +
                           " for reading: not supported by this file system");
  }
  // The names (not paths) of the entries of `dir`, excluding "." and "..", in no order.
  virtual Status ListDir(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Cuts `path` to `size` bytes (or extends it with zeros).
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Makes the contents and length of an existing file durable (fdatasync(2)). Not pure, like
  // Rename: the default refuses with IOError.
  virtual Status SyncFile(const std::string& path) {
    return Status::IOError("cannot fsync " + path + ": not supported by this file system");
  }
  // Creates `dir` and its missing parents; OK if it exists.
  virtual Status CreateDir(const std::string& dir) = 0;
  // Makes the entries of `dir` (files created, removed, renamed in it) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Renames `from` to `to`, atomically replacing `to` if it exists (rename(2)); durable once
  // the directory is synced. Not pure so that read-only implementations (the fuzzers' in-memory
  // file systems) need not write one: the default refuses with IOError.
  virtual Status Rename(const std::string& from, const std::string& to) {
    return Status::IOError("cannot rename " + from + " to " + to +
                           ": not supported by this file system");
  }
};

// The process-wide POSIX file system (never null, never destroyed).
FileSystem* DefaultFileSystem();

// dir + "/" + name, without doubling a trailing slash of dir.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace warp
