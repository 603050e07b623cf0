#include "tests/support/fault_injection.h"

#include <algorithm>

namespace warp::testing {

class FaultInjectionFileSystem::File final : public WritableFile {
 public:
  File(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base)
      : fs_(fs), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    Status s = fs_->BeforeAppend();
    if (s.ok()) s = base_->Append(data);
    if (s.ok()) fs_->AfterAppend(path(), data.size());
    return s;
  }
  Status Sync() override {
    Status s = fs_->BeforeSync();
    // Only what was appended before the sync started is covered by it (appends may race).
    uint64_t covered = fs_->AppendedBytes(path());
    if (s.ok()) s = base_->Sync();
    if (s.ok()) fs_->AfterSync(path(), covered);
    return s;
  }
  Status Close() override { return base_->Close(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionFileSystem* fs_;
  std::unique_ptr<WritableFile> base_;
};

class FaultInjectionFileSystem::RandomFile final : public RandomAccessFile {
 public:
  RandomFile(const FaultInjectionFileSystem* fs, std::unique_ptr<RandomAccessFile> base)
      : fs_(fs), base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    bool corrupt = false;
    Status s = fs_->BeforeRead(path(), offset, &corrupt);
    if (s.ok()) s = base_->Read(offset, n, out);
    if (s.ok() && corrupt && !out->empty()) out->back() ^= 0x01;
    return s;
  }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  const FaultInjectionFileSystem* fs_;
  std::unique_ptr<RandomAccessFile> base_;
};

void FaultInjectionFileSystem::FailNextAppend() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_append_ = true;
}

void FaultInjectionFileSystem::FailNextSync() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_sync_ = true;
}

void FaultInjectionFileSystem::FailNextRead() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_read_ = true;
}

void FaultInjectionFileSystem::CorruptNextRead() {
  std::lock_guard<std::mutex> lock(mu_);
  corrupt_next_read_ = true;
}

Status FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                                 std::unique_ptr<WritableFile>* file) {
  std::unique_ptr<WritableFile> base;
  Status s = base_->NewWritableFile(path, &base);
  if (!s.ok()) return s;
  return Wrap(path, std::move(base), file);
}

Status FaultInjectionFileSystem::NewLogFile(const std::string& path, LogWrites writes,
                                            uint64_t preallocate_bytes,
                                            std::unique_ptr<WritableFile>* file) {
  std::unique_ptr<WritableFile> base;
  Status s = base_->NewLogFile(path, writes, preallocate_bytes, &base);
  if (!s.ok()) return s;
  return Wrap(path, std::move(base), file);
}

Status FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path,
                                                     std::unique_ptr<RandomAccessFile>* file) {
  std::unique_ptr<RandomAccessFile> base;
  Status s = base_->NewRandomAccessFile(path, &base);
  if (!s.ok()) return s;
  *file = std::make_unique<RandomFile>(this, std::move(base));
  return Status::OK();
}

Status FaultInjectionFileSystem::Wrap(const std::string& path, std::unique_ptr<WritableFile> base,
                                      std::unique_ptr<WritableFile>* file) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path] = FileState();
  }
  *file = std::make_unique<File>(this, std::move(base));
  return Status::OK();
}

uint64_t FaultInjectionFileSystem::AppendedBytes(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? 0 : it->second.size;
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  Status s = base_->RemoveFile(path);
  std::lock_guard<std::mutex> lock(mu_);
  if (s.ok()) files_.erase(path);
  return s;
}

Status FaultInjectionFileSystem::SyncFile(const std::string& path) {
  Status s = BeforeSync();
  if (!s.ok()) return s;
  uint64_t covered = AppendedBytes(path);
  s = base_->SyncFile(path);
  if (s.ok()) AfterSync(path, covered);
  return s;
}

Status FaultInjectionFileSystem::Truncate(const std::string& path, uint64_t size) {
  Status s = base_->Truncate(path, size);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (s.ok() && it != files_.end()) {
    it->second.size = size;
    it->second.synced = std::min(it->second.synced, size);
  }
  return s;
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  Status s = base_->Rename(from, to);
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok() || from == to) return s;
  auto it = files_.find(from);
  if (it == files_.end()) {
    files_.erase(to);  // replaced by a file this wrapper does not track
  } else {
    files_[to] = it->second;
    files_.erase(from);
  }
  return s;
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, state] : files_) {
    if (state.size == state.synced) continue;
    Status s = base_->Truncate(path, state.synced);
    if (!s.ok()) return s;
    state.size = state.synced;
  }
  return Status::OK();
}

uint64_t FaultInjectionFileSystem::SyncedBytes(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? 0 : it->second.synced;
}

int FaultInjectionFileSystem::sync_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_count_;
}

int FaultInjectionFileSystem::read_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return read_count_;
}

Status FaultInjectionFileSystem::BeforeRead(const std::string& path, uint64_t offset,
                                            bool* corrupt) const {
  std::lock_guard<std::mutex> lock(mu_);
  ++read_count_;
  if (fail_next_read_) {
    fail_next_read_ = false;
    return Status::IOError("cannot read " + path + " at offset " + std::to_string(offset) +
                           ": injected read failure");
  }
  *corrupt = corrupt_next_read_;
  corrupt_next_read_ = false;
  return Status::OK();
}

Status FaultInjectionFileSystem::BeforeAppend() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!fail_next_append_) return Status::OK();
  fail_next_append_ = false;
  return Status::IOError("injected write failure");
}

void FaultInjectionFileSystem::AfterAppend(const std::string& path, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[path].size += n;
}

Status FaultInjectionFileSystem::BeforeSync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!fail_next_sync_) return Status::OK();
  fail_next_sync_ = false;
  return Status::IOError("injected fsync failure (Input/output error)");
}

void FaultInjectionFileSystem::AfterSync(const std::string& path, uint64_t covered) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) it->second.synced = std::max(it->second.synced, covered);
  ++sync_count_;
}

}  // namespace warp::testing
