#include "wal/wal_writer.h"

#include <lz4.h>

#include "wal/wal_format.h"

namespace warp {

WalWriter::WalWriter(FileSystem* fs, std::string dir, uint32_t shard, uint64_t segment_bytes)
    : fs_(fs), dir_(std::move(dir)), shard_(shard), segment_bytes_(segment_bytes) {}

WalWriter::~WalWriter() = default;

Status WalWriter::Open(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t first_lsn,
                       uint64_t segment_bytes, std::unique_ptr<WalWriter>* writer) {
  WalWriterOptions options;
  options.segment_bytes = segment_bytes;
  return Open(fs, dir, shard, first_lsn, options, writer);
}

Status WalWriter::Open(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t first_lsn,
                       const WalWriterOptions& options, std::unique_ptr<WalWriter>* writer) {
  if (first_lsn == 0) return Status::InvalidArgument("wal: first LSN must be at least 1");
  if (options.segment_bytes == 0) {
    return Status::InvalidArgument("wal: segment_bytes must be positive");
  }
  Status s = fs->CreateDir(dir);
  if (!s.ok()) return s;
  std::unique_ptr<WalWriter> w(new WalWriter(fs, dir, shard, options.segment_bytes));
  w->compress_min_bytes_ = options.compress_min_bytes;
  w->preallocate_ = options.preallocate;
  w->log_writes_ = options.log_writes;
  w->auto_rotate_ = options.auto_rotate;
  w->last_lsn_ = first_lsn - 1;
  s = w->StartSegment(first_lsn);
  if (!s.ok()) return s;
  *writer = std::move(w);
  return Status::OK();
}

Status WalWriter::StartSegment(uint64_t first_lsn) {
  path_ = JoinPath(dir_, wal::SegmentFileName(first_lsn));
  std::unique_ptr<WritableFile> file;
  // The reservation leaves room for the record that crosses segment_bytes.
  Status s = preallocate_ ? fs_->NewLogFile(path_, log_writes_, segment_bytes_ + (64 << 10), &file)
                          : fs_->NewWritableFile(path_, &file);
  if (!s.ok()) return Fail("create", s);
  file_ = std::move(file);
  ++generation_;
  std::string header;
  wal::EncodeSegmentHeader(shard_, first_lsn, &header);
  s = file_->Append(header);
  if (!s.ok()) return Fail("write", s);
  segment_size_ = header.size();
  dir_synced_ = false;
  return Status::OK();
}

Status WalWriter::Fail(const char* op, const Status& cause) {
  error_ = Status::IOError("wal shard " + std::to_string(shard_) + ": " + op + " of " + path_ +
                           " failed: " + cause.message() + "; the shard refuses writes");
  return error_;
}

Status WalWriter::CheckLsn(uint64_t lsn) const {
  if (!error_.ok()) return error_;
  if (!file_) return Status::InvalidArgument("wal shard " + std::to_string(shard_) + ": closed");
  if (lsn <= last_lsn_) {
    return Status::InvalidArgument("wal shard " + std::to_string(shard_) + ": LSN " +
                                   std::to_string(lsn) + " is not above the last LSN " +
                                   std::to_string(last_lsn_));
  }
  return Status::OK();
}

void WalWriter::EncodePutPayload(std::string_view key, std::string_view value, int64_t expire_at_ms,
                                 uint8_t* flags) {
  scratch_.clear();
  wal::PutVarint32(&scratch_, static_cast<uint32_t>(key.size()));
  scratch_.append(key.data(), key.size());
  *flags = 0;
  if (expire_at_ms != 0) {
    wal::PutFixed64(&scratch_, static_cast<uint64_t>(expire_at_ms));
    *flags |= wal::kFlagExpiry;
  }
  wal::PutVarint32(&scratch_, static_cast<uint32_t>(value.size()));
  if (compress_min_bytes_ > 0 && value.size() >= compress_min_bytes_ &&
      value.size() <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    size_t start = scratch_.size();
    int bound = LZ4_compressBound(static_cast<int>(value.size()));
    scratch_.resize(start + static_cast<size_t>(bound));
    int n = LZ4_compress_default(value.data(), scratch_.data() + start,
                                 static_cast<int>(value.size()), bound);
    if (n > 0 && static_cast<size_t>(n) < value.size()) {
      scratch_.resize(start + static_cast<size_t>(n));
      *flags |= wal::kFlagLz4Value;
      return;
    }
    scratch_.resize(start);  // incompressible: store it raw
  }
  scratch_.append(value.data(), value.size());
}

namespace {

// A record's payload length is a u32: refuse what could not be read back, before anything is
// logged (and so before the write is applied or acknowledged).
constexpr uint64_t kMaxPayload = (uint64_t{1} << 32) - 64;

Status CheckSize(std::string_view key, std::string_view value) {
  if (uint64_t{key.size()} + value.size() <= kMaxPayload) return Status::OK();
  return Status::InvalidArgument("key and value of " + std::to_string(key.size() + value.size()) +
                                 " bytes exceed the largest WAL record (4 GiB)");
}

}  // namespace

Status WalWriter::AddPut(uint64_t lsn, std::string_view key, std::string_view value,
                         int64_t expire_at_ms) {
  Status s = CheckLsn(lsn);
  if (s.ok()) s = CheckSize(key, value);
  if (!s.ok()) return s;
  uint8_t flags = 0;
  EncodePutPayload(key, value, expire_at_ms, &flags);
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kPut), flags, lsn, scratch_, &buffer_);
  last_lsn_ = lsn;
  return Status::OK();
}

Status WalWriter::AddDelete(uint64_t lsn, std::string_view key) {
  return AddKeyRecord(wal::RecordType::kDelete, lsn, key, /*with_expiry=*/false, 0);
}

Status WalWriter::AddExpire(uint64_t lsn, std::string_view key, int64_t expire_at_ms) {
  return AddKeyRecord(wal::RecordType::kExpire, lsn, key, /*with_expiry=*/true, expire_at_ms);
}

Status WalWriter::AddKeyRecord(wal::RecordType type, uint64_t lsn, std::string_view key,
                               bool with_expiry, int64_t expire_at_ms) {
  Status s = CheckLsn(lsn);
  if (s.ok()) s = CheckSize(key, {});
  if (!s.ok()) return s;
  scratch_.clear();
  wal::PutVarint32(&scratch_, static_cast<uint32_t>(key.size()));
  scratch_.append(key.data(), key.size());
  if (with_expiry) wal::PutFixed64(&scratch_, static_cast<uint64_t>(expire_at_ms));
  wal::EncodeRecord(static_cast<uint8_t>(type), with_expiry ? wal::kFlagExpiry : 0, lsn, scratch_,
                    &buffer_);
  last_lsn_ = lsn;
  return Status::OK();
}

Status WalWriter::AddRaw(uint8_t type, uint64_t lsn, std::string_view payload) {
  Status s = CheckLsn(lsn);
  if (!s.ok()) return s;
  wal::EncodeRecord(type, 0, lsn, payload, &buffer_);
  last_lsn_ = lsn;
  return Status::OK();
}

Status WalWriter::Flush() {
  if (!error_.ok()) return error_;
  if (!file_) return Status::InvalidArgument("wal shard " + std::to_string(shard_) + ": closed");
  if (buffer_.empty()) return Status::OK();
  Status s = file_->Append(buffer_);
  if (!s.ok()) return Fail("write", s);
  segment_size_ += buffer_.size();
  buffer_.clear();
  if (auto_rotate_ && segment_size_ >= segment_bytes_) return Rotate();
  return Status::OK();
}

Status WalWriter::Rotate() {
  if (!error_.ok()) return error_;
  if (!file_) return Status::InvalidArgument("wal shard " + std::to_string(shard_) + ": closed");
  Status s = Flush();
  if (!s.ok()) return s;
  s = file_->Sync();
  if (!s.ok()) return Fail("fsync", s);
  s = file_->Close();
  if (!s.ok()) return Fail("close", s);
  s = fs_->SyncDir(dir_);
  if (!s.ok()) return Fail("directory fsync", s);
  return StartSegment(last_lsn_ + 1);
}

Status WalWriter::Sync() {
  Status s = Flush();
  if (!s.ok()) return s;
  s = file_->Sync();
  if (!s.ok()) return Fail("fsync", s);
  if (!dir_synced_) {  // a new segment's directory entry must be durable too
    s = fs_->SyncDir(dir_);
    if (!s.ok()) return Fail("directory fsync", s);
    dir_synced_ = true;
  }
  return Status::OK();
}

Status WalWriter::Close() {
  Status s = Flush();
  if (!s.ok()) return s;
  s = file_->Close();
  file_.reset();
  if (!s.ok()) return Fail("close", s);
  return Status::OK();
}

}  // namespace warp
