#include "wal/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "common/file_util.h"

namespace warp {

namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  return err == ENOENT ? Status::NotFound(msg) : Status::IOError(msg);
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IOError("cannot write " + path_ + ": file is closed");
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("cannot write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::IOError("cannot fsync " + path_ + ": file is closed");
    if (::fdatasync(fd_) != 0) return ErrnoStatus("cannot fsync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ErrnoStatus("cannot close", path_, errno);
    return Status::OK();
  }

  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

// pread(2) on one descriptor: positional reads share no file offset, so any number of threads
// may read at once without a lock.
// Reads are memory copies from a read-only shared mapping of the file when it can be mapped
// (no system call per read: a cold value in the page cache costs a memcpy, not a pread), and
// preads otherwise. The file may grow while it is open (the value log's active file): a read
// past the mapping maps the file again, at least twice as long (mapping past the end of the
// file is allowed; only pages past it must not be touched, and reads stay below the size the
// file had when their bytes were written). Old mappings live until their last reader is done.
// A disk error under a mapping is a SIGBUS rather than an IOError; the value log it serves is
// not a source of truth (store/value_log.h), so such a crash loses nothing.
class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    const Mapping* map = map_.load(std::memory_order_acquire);
    if (map == nullptr || offset + n > map->readable.load(std::memory_order_acquire)) {
      map = Remap(offset + n);
    }
    if (map != nullptr && offset + n <= map->readable.load(std::memory_order_acquire)) {
      out->assign(static_cast<const char*>(map->addr) + offset, n);
      return Status::OK();
    }
    return Pread(offset, n, out);
  }

 private:
  // A mapping of the file. Its length runs ahead of the file (at least double the previous
  // mapping's), so that a growing file (the active value-log file, appended to while it is
  // read) is remapped only when it outgrows the length: in between, Remap only raises
  // `readable`, and the pages already faulted in stay mapped. Mappings are unmapped when the
  // file object is destroyed, not when replaced, so that a reader never holds a reference
  // count: the read path is two atomic loads.
  struct Mapping {
    void* addr = nullptr;
    size_t length = 0;                  // mapped
    std::atomic<uint64_t> readable{0};  // the file's size when last checked, <= length: reads
                                        // below it are safe (no SIGBUS past the end of file)
    ~Mapping() {
      if (addr != nullptr) ::munmap(addr, length);
    }
  };

  // Makes `end` bytes readable through a mapping if the file holds them now (raising the
  // current mapping's `readable`, or mapping the file anew when it outgrew the mapping); null
  // (callers pread) if the file is shorter or the mapping fails.
  const Mapping* Remap(uint64_t end) const {
    constexpr size_t kMinLength = size_t{16} << 20;  // address space only, not memory
    std::lock_guard lock(remap_mu_);
    Mapping* map = map_.load(std::memory_order_relaxed);
    if (map != nullptr && end <= map->readable.load(std::memory_order_relaxed)) return map;
    uint64_t size = Size();
    if (size < end) return nullptr;
    if (map != nullptr && size <= map->length) {
      map->readable.store(size, std::memory_order_release);
      return map;
    }
    size_t length = std::max<size_t>({size, kMinLength, map != nullptr ? 2 * map->length : 0});
    void* addr = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_, 0);
    if (addr == MAP_FAILED) return nullptr;
    auto fresh = std::make_unique<Mapping>();
    fresh->addr = addr;
    fresh->length = length;
    fresh->readable.store(size, std::memory_order_relaxed);
    map = fresh.get();
    mappings_.push_back(std::move(fresh));
    map_.store(map, std::memory_order_release);
    return map;
  }

  Status Pread(uint64_t offset, size_t n, std::string* out) const {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return Status::IOError("cannot read " + path_ + " at offset " +
                               std::to_string(offset + done) + ": " + std::strerror(errno));
      }
      if (got == 0) {
        return Status::IOError("cannot read " + path_ + " at offset " + std::to_string(offset) +
                               ": short read, " + std::to_string(done) + " of " +
                               std::to_string(n) + " bytes before the end of the file");
      }
      done += static_cast<size_t>(got);
    }
    return Status::OK();
  }

 public:
  uint64_t Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const int fd_;
  mutable std::mutex remap_mu_;                             // serializes Remap
  mutable std::vector<std::unique_ptr<Mapping>> mappings_;  // every mapping made (remap_mu_)
  mutable std::atomic<Mapping*> map_{nullptr};              // the newest of them
};

// Cuts a log segment's unused preallocated space off and makes the cut durable: otherwise a
// power loss could bring the file back at its preallocated length, zeros after the last
// record, followed by the next segment.
Status CutDurably(int fd, uint64_t size, const std::string& path) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return ErrnoStatus("cannot truncate", path, errno);
  }
  if (::fdatasync(fd) != 0) return ErrnoStatus("cannot fsync", path, errno);
  return Status::OK();
}

// A preallocated, memory-mapped log segment. Append copies into a MAP_SHARED mapping: the bytes
// are then page-cache pages of the file, which the kernel writes back even if this process is
// killed, at the cost of no system call. Blocks are reserved with fallocate(2), so writing
// through the mapping cannot fail for lack of space (no SIGBUS); when an Append outgrows the
// reservation, the file is extended and remapped. Sync() is fdatasync(2), which writes back the
// pages dirtied through the mapping. Close() unmaps, cuts the file to the appended length and
// fsyncs that cut; the descriptor stays open until destruction, so a Sync() racing with Close()
// still works.
class MmapLogFile final : public WritableFile {
 public:
  static Status Open(const std::string& path, uint64_t capacity,
                     std::unique_ptr<WritableFile>* file) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("cannot create", path, errno);
    std::unique_ptr<MmapLogFile> f(new MmapLogFile(path, fd));
    Status s = f->Reserve(std::max<uint64_t>(capacity, 4096));
    if (!s.ok()) return s;
    *file = std::move(f);
    return Status::OK();
  }

  ~MmapLogFile() override {
    if (base_ != nullptr) ::munmap(base_, capacity_);
    ::close(fd_);
  }

  Status Append(std::string_view data) override {
    if (closed_) return Status::IOError("cannot write " + path_ + ": file is closed");
    if (size_ + data.size() > capacity_) {
      Status s = Reserve(std::max<uint64_t>(capacity_ * 2, size_ + data.size()));
      if (!s.ok()) return s;
    }
    std::memcpy(base_ + size_, data.data(), data.size());
    size_ += data.size();
    return Status::OK();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("cannot fsync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    if (base_ != nullptr) ::munmap(base_, capacity_);
    base_ = nullptr;
    return CutDurably(fd_, size_, path_);
  }

  const std::string& path() const override { return path_; }

 private:
  MmapLogFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  // Grows the file and the mapping to `capacity` bytes (zero-filled, blocks allocated).
  Status Reserve(uint64_t capacity) {
    int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(capacity));
    if (err != 0) return ErrnoStatus("cannot preallocate", path_, err);
    void* p = base_ == nullptr
                  ? ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0)
                  : ::mremap(base_, capacity_, capacity, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return ErrnoStatus("cannot map", path_, errno);
    base_ = static_cast<char*>(p);
    capacity_ = capacity;
    return Status::OK();
  }

  const std::string path_;
  const int fd_;
  char* base_ = nullptr;
  uint64_t capacity_ = 0;
  uint64_t size_ = 0;  // bytes appended
  bool closed_ = false;
};

// A log segment written with pwrite(2) into space zero-filled ahead of the appends, 1 MiB at a
// time. Overwriting blocks that are already allocated and inside the file's size needs no
// metadata, so each fdatasync flushes data pages only; the block allocation and size change of a
// zero-filled step are journaled once per MiB. Close() cuts the zeros off and fsyncs the cut.
class ZeroFilledLogFile final : public WritableFile {
 public:
  static constexpr uint64_t kStep = 1 << 20;

  static Status Open(const std::string& path, std::unique_ptr<WritableFile>* file) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("cannot create", path, errno);
    file->reset(new ZeroFilledLogFile(path, fd));
    return Status::OK();
  }

  ~ZeroFilledLogFile() override { ::close(fd_); }

  Status Append(std::string_view data) override {
    if (closed_) return Status::IOError("cannot write " + path_ + ": file is closed");
    while (size_ + data.size() > zeroed_) {
      static const std::string kZeros(kStep, '\0');
      Status s = WriteAt(kZeros, zeroed_);
      if (!s.ok()) return s;
      zeroed_ += kStep;
    }
    Status s = WriteAt(data, size_);
    if (!s.ok()) return s;
    size_ += data.size();
    return Status::OK();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("cannot fsync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    return CutDurably(fd_, size_, path_);
  }

  const std::string& path() const override { return path_; }

 private:
  ZeroFilledLogFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  Status WriteAt(std::string_view data, uint64_t offset) {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("cannot write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  const std::string path_;
  const int fd_;
  uint64_t size_ = 0;    // bytes appended
  uint64_t zeroed_ = 0;  // the file's length: appended bytes, then zeros
  bool closed_ = false;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("cannot create", path, errno);
    *file = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  Status NewLogFile(const std::string& path, LogWrites writes, uint64_t preallocate_bytes,
                    std::unique_ptr<WritableFile>* file) override {
    if (writes == LogWrites::kZeroFilledAhead) return ZeroFilledLogFile::Open(path, file);
    return MmapLogFile::Open(path, preallocate_bytes, file);
  }

  Status ReadFile(const std::string& path, std::string* contents) override;

  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* file) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("cannot open", path, errno);
    *file = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status ListDir(const std::string& dir, std::vector<std::string>* names) override;

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("cannot remove", path, errno);
    return Status::OK();
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return ErrnoStatus("cannot truncate", path, errno);
    }
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create directory " + dir + ": " + ec.message());
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override { return warp::SyncDir(dir); }

  Status SyncFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("cannot open", path, errno);
    int rc = ::fdatasync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus("cannot fsync", path, err);
    return Status::OK();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus("cannot rename", from + " to " + to, errno);
    }
    return Status::OK();
  }
};

Status PosixFileSystem::ReadFile(const std::string& path, std::string* contents) {
  return warp::ReadFile(path, contents);
}

Status PosixFileSystem::ListDir(const std::string& dir, std::vector<std::string>* names) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("cannot list directory", dir, errno);
  names->clear();
  while (struct dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names->push_back(std::move(name));
  }
  ::closedir(d);
  return Status::OK();
}

}  // namespace

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();
  return fs;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace warp
