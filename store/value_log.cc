#include "store/value_log.h"

#include <algorithm>
#include <cstdio>

namespace warp {

// One file of the log. id and path never change; the rest is guarded by the log's mu_. Each
// read and visit counts itself in `readers` while it uses `reader`; RemoveFile takes the file
// out of the map, then waits for readers to reach 0 before it closes and deletes it. A count
// (rather than a shared lock held across a visit) lets a visitor read the file it visits.
struct ValueLog::File {
  File(uint32_t id, std::string path, std::unique_ptr<RandomAccessFile> reader)
      : id(id), path(std::move(path)), reader(std::move(reader)) {}

  const uint32_t id;
  const std::string path;

  // Guarded by ValueLog::mu_.
  uint64_t end = vlog::kFileHeaderSize;  // bytes written and readable
  uint64_t live = 0;
  uint64_t dead = 0;
  bool sealed = false;
  bool unsynced = false;  // written since its last fsync
  int readers = 0;        // reads and visits using `reader` now
  bool removed = false;   // out of the map; RemoveFile waits for readers == 0

  // Set at creation; reset by RemoveFile once no reader is left.
  std::unique_ptr<RandomAccessFile> reader;
};

// Held by a read or visit while it uses the file found by FindFile: the release, under mu_,
// wakes RemoveFile when the last reader of a removed file is done.
class ValueLog::ReaderHold {
 public:
  ReaderHold(const ValueLog* log, std::shared_ptr<File> file) : log_(log), file_(std::move(file)) {}
  ~ReaderHold() {
    std::lock_guard<std::mutex> lock(log_->mu_);
    if (--file_->readers == 0 && file_->removed) log_->readers_done_.notify_all();
  }
  ReaderHold(const ReaderHold&) = delete;
  ReaderHold& operator=(const ReaderHold&) = delete;

 private:
  const ValueLog* log_;
  std::shared_ptr<File> file_;
};

namespace {

// A key for an error message: printable ASCII kept, other bytes as \xNN, long keys cut.
std::string ShowKey(std::string_view key) {
  constexpr size_t kMaxShown = 64;
  std::string out = "'";
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (key.size() > kMaxShown) out += "...";
  return out + "' (" + std::to_string(key.size()) + " bytes)";
}

std::string ShowPointer(const ValuePointer& where) {
  return "(file " + std::to_string(where.file_id) + ", offset " + std::to_string(where.offset) +
         ", size " + std::to_string(where.size) + ")";
}

// Checks the record read for `where` into *record_bytes and cuts it down to its value.
Status CheckRecord(const std::string& path, const ValuePointer& where,
                   std::string_view expected_key, std::string* record_bytes) {
  vlog::Record record;
  Status s = vlog::DecodeRecord(*record_bytes, path, where.offset, &record);
  if (!s.ok()) return s;
  uint64_t size = vlog::RecordSize(record.key.size(), record.value.size());
  if (size != where.size) {
    return vlog::CorruptionAt(path, where.offset,
                              "the record is " + std::to_string(size) +
                                  " bytes, the value pointer says " + std::to_string(where.size));
  }
  if (record.key != expected_key) {
    return vlog::CorruptionAt(
        path, where.offset,
        "the record holds key " + ShowKey(record.key) + ", expected " + ShowKey(expected_key));
  }
  // In place: the value is moved to the front of the buffer the read filled, no second copy.
  record_bytes->erase(0, vlog::kRecordHeaderSize + record.key.size());
  return Status::OK();
}

}  // namespace

ValueLog::ValueLog(FileSystem* fs, std::string dir, uint32_t shard_id,
                   const ValueLogOptions& options)
    : fs_(fs), dir_(std::move(dir)), shard_id_(shard_id), options_(options) {}

ValueLog::~ValueLog() {
  // The files stay on disk for `warp value-log dump`; the next Open deletes them.
  if (active_writer_) (void)active_writer_->Close();
}

Status ValueLog::Open(FileSystem* fs, const std::string& dir, uint32_t shard_id,
                      const ValueLogOptions& options, std::unique_ptr<ValueLog>* log) {
  Status s = fs->CreateDir(dir);
  std::vector<std::string> names;
  if (s.ok()) s = fs->ListDir(dir, &names);
  if (!s.ok()) {
    return Status::IOError("value log of shard " + std::to_string(shard_id) + ": " + s.message());
  }
  // Files of an earlier run: every pointer into them died with that process (the log is not a
  // source of truth), so they are garbage whole.
  for (const std::string& name : names) {
    uint32_t id = 0;
    if (!vlog::ParseFileName(name, &id)) continue;
    s = fs->RemoveFile(JoinPath(dir, name));
    if (!s.ok() && !s.IsNotFound()) {
      return Status::IOError("value log of shard " + std::to_string(shard_id) +
                             ": cannot clear the files of an earlier run: " + s.message());
    }
  }
  log->reset(new ValueLog(fs, dir, shard_id, options));
  return Status::OK();
}

std::string ValueLog::Where() const { return "value log of shard " + std::to_string(shard_id_); }

Status ValueLog::Append(std::string_view key, std::string_view value, ValuePointer* where) {
  std::vector<ValuePointer> placed;
  Status s = AppendBatch({{key, value}}, &placed);
  if (s.ok()) *where = placed[0];
  return s;
}

Status ValueLog::AppendBatch(const Batch& records, std::vector<ValuePointer>* where) {
  where->clear();
  if (records.empty()) return Status::OK();
  uint64_t batch_bytes = 0;
  for (const auto& [key, value] : records) {
    uint64_t size = vlog::RecordSize(key.size(), value.size());
    if (size > vlog::kMaxRecordSize) {
      return Status::InvalidArgument(Where() + ": cannot append a value of " +
                                     std::to_string(value.size()) + " bytes under a key of " +
                                     std::to_string(key.size()) +
                                     " bytes: a record must stay below 4 GiB");
    }
    batch_bytes += size;
  }
  std::lock_guard<std::mutex> write(write_mu_);
  Status s = PrepareActive(batch_bytes);
  if (s.ok()) s = WriteBatch(records, batch_bytes, where);
  return s;
}

Status ValueLog::WriteBatch(const Batch& records, uint64_t batch_bytes,
                            std::vector<ValuePointer>* where) {
  buffer_.clear();
  std::vector<ValuePointer> placed;
  placed.reserve(records.size());
  uint64_t offset = active_end_;
  for (const auto& [key, value] : records) {
    uint64_t size = vlog::RecordSize(key.size(), value.size());
    placed.push_back(ValuePointer{active_->id, offset, static_cast<uint32_t>(size)});
    vlog::EncodeRecord(key, value, &buffer_);
    offset += size;
  }
  // If the write fails, an unknown prefix of the batch may be in the file: nothing after
  // active_end_ is ever pointed to, and the file takes no more appends.
  Status s = active_writer_->Append(buffer_);
  if (!s.ok()) {
    std::string failed = Where() + ": cannot append " + std::to_string(records.size()) +
                         " records at offset " + std::to_string(active_end_) + " of " +
                         active_->path + ": " + s.message();
    SealActive();
    return Status::IOError(failed);
  }
  Status synced = options_.sync == ValueLogSync::kEachBatch ? active_writer_->Sync() : Status::OK();
  active_end_ = offset;
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_->end = offset;
    appended_bytes_ += batch_bytes;
    // A batch whose fsync failed is never handed out: its bytes are garbage at once.
    (synced.ok() ? active_->live : active_->dead) += batch_bytes;
    active_->unsynced = !synced.ok() || options_.sync == ValueLogSync::kNever;
  }
  if (!synced.ok()) {
    std::string failed = Where() + ": cannot fsync " + active_->path + ": " + synced.message();
    SealActive();
    return Status::IOError(failed);
  }
  // A huge batch (a compaction of large values) does not pin its buffer for the log's life.
  if (buffer_.capacity() > 4 * kScanChunkBytes) std::string().swap(buffer_);
  *where = std::move(placed);
  return Status::OK();
}

Status ValueLog::PrepareActive(uint64_t batch_bytes) {
  if (active_ != nullptr && active_end_ > vlog::kFileHeaderSize &&
      active_end_ + batch_bytes > options_.max_file_bytes) {
    SealActive();
  }
  return active_ == nullptr ? StartFile() : Status::OK();
}

Status ValueLog::StartFile() {
  uint32_t id = next_file_id_++;
  std::string path = JoinPath(dir_, vlog::FileName(id));
  std::unique_ptr<WritableFile> writer;
  Status s = fs_->NewWritableFile(path, &writer);
  std::string header;
  vlog::EncodeFileHeader(vlog::FileHeader{vlog::kFormatVersion, shard_id_, id}, &header);
  if (s.ok()) s = writer->Append(header);
  std::unique_ptr<RandomAccessFile> reader;
  if (s.ok()) s = fs_->NewRandomAccessFile(path, &reader);
  if (!s.ok()) {
    if (writer) {
      (void)writer->Close();
      (void)fs_->RemoveFile(path);  // best effort; the next Open deletes it anyway
    }
    return Status::IOError(Where() + ": cannot start a new file: " + s.message());
  }
  auto file = std::make_shared<File>(id, path, std::move(reader));
  file->unsynced = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files_.emplace(id, file);
  }
  active_ = std::move(file);
  active_writer_ = std::move(writer);
  active_end_ = vlog::kFileHeaderSize;
  return Status::OK();
}

void ValueLog::SealActive() {
  if (active_ == nullptr) return;
  // A failed close cannot lose a pointer or return wrong data: the records were handed to the
  // OS by write(2), reads go through their own descriptor and every read is checked.
  (void)active_writer_->Close();
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_->sealed = true;
  }
  active_.reset();
  active_writer_.reset();
}

Status ValueLog::FindFile(uint32_t file_id, std::shared_ptr<File>* file, uint64_t* end) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(file_id);
  if (it == files_.end()) {
    return Status::NotFound(Where() + ": no file " + vlog::FileName(file_id) + " in " + dir_ +
                            " (removed by compaction, or never written)");
  }
  *file = it->second;
  *end = it->second->end;
  ++it->second->readers;  // released by the caller's ReaderHold
  return Status::OK();
}

Status ValueLog::Read(const ValuePointer& where, std::string_view expected_key,
                      std::string* value) const {
  value->clear();
  std::shared_ptr<File> file;
  uint64_t end = 0;
  Status s = FindFile(where.file_id, &file, &end);
  if (!s.ok()) return s;
  ReaderHold hold(this, file);
  if (where.size < vlog::kRecordHeaderSize || where.offset < vlog::kFileHeaderSize ||
      where.offset > end || where.size > end - where.offset) {
    return Status::InvalidArgument(Where() + ": value pointer " + ShowPointer(where) +
                                   " does not lie within the records of " + file->path + " (" +
                                   std::to_string(end) + " bytes)");
  }
  s = file->reader->Read(where.offset, where.size, value);
  if (s.ok()) s = CheckRecord(file->path, where, expected_key, value);
  if (!s.ok()) value->clear();
  return s;
}

void ValueLog::MarkDead(const ValuePointer& where) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(where.file_id);
  if (it == files_.end()) return;
  File& f = *it->second;
  if (where.offset > f.end || where.size > f.end - where.offset) return;
  uint64_t n = std::min<uint64_t>(where.size, f.live);
  f.live -= n;
  f.dead += n;
}

std::vector<uint32_t> ValueLog::CompactionCandidates(double min_dead_ratio) const {
  std::vector<std::pair<uint64_t, uint32_t>> found;  // (dead bytes, id)
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, file] : files_) {
      if (!file->sealed) continue;
      uint64_t records = file->live + file->dead;
      double ratio = records == 0 ? 1.0 : static_cast<double>(file->dead) / records;
      if (ratio >= min_dead_ratio) found.emplace_back(file->dead, id);
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<uint32_t> ids;
  ids.reserve(found.size());
  for (const auto& candidate : found) ids.push_back(candidate.second);
  return ids;
}

Status ValueLog::ForEachRecord(uint32_t file_id, const ValueLogVisitor& visit) const {
  std::shared_ptr<File> file;
  uint64_t end = 0;
  Status s = FindFile(file_id, &file, &end);
  if (!s.ok()) return s;
  ReaderHold hold(this, file);
  auto check_header = [&](const vlog::FileHeader& header) {
    if (header.shard != shard_id_) {
      return vlog::CorruptionAt(file->path, vlog::kHeaderShardOffset,
                                "the file belongs to shard " + std::to_string(header.shard) +
                                    ", expected shard " + std::to_string(shard_id_));
    }
    if (header.file_id != file_id) {
      return vlog::CorruptionAt(file->path, vlog::kHeaderFileIdOffset,
                                "the header names file id " + std::to_string(header.file_id) +
                                    ", expected " + std::to_string(file_id));
    }
    return Status::OK();
  };
  return ScanValueLogFile(*file->reader, end, check_header, visit);
}

Status ValueLog::RemoveFile(uint32_t file_id) {
  std::shared_ptr<File> file;
  uint64_t bytes = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = files_.find(file_id);
    if (it == files_.end()) {
      return Status::NotFound(Where() + ": no file " + vlog::FileName(file_id) + " in " + dir_);
    }
    if (!it->second->sealed) {
      return Status::InvalidArgument(Where() + ": cannot remove " + it->second->path +
                                     ": it is the active file");
    }
    file = it->second;
    bytes = file->end;
    files_.erase(it);
    file->removed = true;
    // The reads and visits that found the file before it left the map finish first.
    readers_done_.wait(lock, [&] { return file->readers == 0; });
  }
  file->reader.reset();  // nobody else can reach it now
  Status s = fs_->RemoveFile(file->path);
  if (!s.ok()) return Status::IOError(Where() + ": " + s.message());
  std::lock_guard<std::mutex> lock(mu_);
  reclaimed_bytes_ += bytes;
  ++files_compacted_;
  return Status::OK();
}

ValueLogStats ValueLog::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ValueLogStats stats;
  stats.files = files_.size();
  for (const auto& [id, file] : files_) {
    stats.total_bytes += file->end;
    stats.live_bytes += file->live;
    stats.dead_bytes += file->dead;
  }
  stats.appended_bytes = appended_bytes_;
  stats.reclaimed_bytes = reclaimed_bytes_;
  stats.files_compacted = files_compacted_;
  return stats;
}

std::vector<ValueLogFileStats> ValueLog::FileStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ValueLogFileStats> out;
  out.reserve(files_.size());
  for (const auto& [id, file] : files_) {
    out.push_back(ValueLogFileStats{id, file->end, file->live, file->dead, !file->sealed});
  }
  return out;
}

Status ValueLog::Sync() {
  std::lock_guard<std::mutex> write(write_mu_);
  std::vector<std::shared_ptr<File>> dirty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, file] : files_) {
      if (file->sealed && file->unsynced) dirty.push_back(file);
    }
  }
  Status first;
  for (const auto& file : dirty) {
    Status s = fs_->SyncFile(file->path);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      file->unsynced = false;
    } else if (!s.IsNotFound() && first.ok()) {  // NotFound: removed meanwhile
      first = Status::IOError(Where() + ": " + s.message());
    }
  }
  if (active_writer_ != nullptr) {
    Status s = active_writer_->Sync();
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      active_->unsynced = false;
    } else {
      // As after a failed append fsync: the file takes no more appends.
      if (first.ok()) {
        first = Status::IOError(Where() + ": cannot fsync " + active_->path + ": " + s.message());
      }
      SealActive();
    }
  }
  return first;
}

namespace {

// Sequential reading of one file in chunks: holds the bytes [start_, start_ + buf_.size()) and
// reads a new chunk from a record's offset when the record is not all there.
class ChunkReader {
 public:
  ChunkReader(const RandomAccessFile& file, uint64_t end) : file_(file), end_(end) {}

  // Makes the bytes [pos, pos + need) available, or all of [pos, end) if that is fewer.
  Status Fill(uint64_t pos, uint64_t need) {
    if (start_ <= pos && start_ + buf_.size() >= pos + need) return Status::OK();
    uint64_t n =
        std::min<uint64_t>(std::max<uint64_t>(need, ValueLog::kScanChunkBytes), end_ - pos);
    start_ = pos;
    return file_.Read(pos, n, &buf_);
  }
  // The available bytes from pos on. REQUIRES: a successful Fill(pos, ...) since the last read.
  std::string_view At(uint64_t pos) const { return std::string_view(buf_).substr(pos - start_); }

 private:
  const RandomAccessFile& file_;
  const uint64_t end_;
  uint64_t start_ = 0;
  std::string buf_;
};

}  // namespace

Status ScanValueLogFile(const RandomAccessFile& file, uint64_t end,
                        const std::function<Status(const vlog::FileHeader&)>& on_header,
                        const ValueLogVisitor& visit) {
  const std::string& path = file.path();
  if (end < vlog::kFileHeaderSize) {
    return vlog::CorruptionAt(path, 0,
                              "truncated file header (" + std::to_string(end) +
                                  " bytes, a header is " + std::to_string(vlog::kFileHeaderSize) +
                                  ")");
  }
  ChunkReader reader(file, end);
  vlog::FileHeader header;
  Status s = reader.Fill(0, vlog::kFileHeaderSize);
  if (s.ok()) s = vlog::DecodeFileHeader(reader.At(0), path, &header);
  if (s.ok()) s = on_header(header);
  for (uint64_t pos = vlog::kFileHeaderSize; s.ok() && pos < end;) {
    uint64_t size = 0;
    s = reader.Fill(pos, vlog::kRecordHeaderSize);
    if (s.ok()) s = vlog::DecodeRecordSize(reader.At(pos), path, pos, &size);
    if (!s.ok()) break;
    if (size > vlog::kMaxRecordSize) {
      return vlog::CorruptionAt(
          path, pos,
          "record lengths claim " + std::to_string(size) + " bytes, above the 4 GiB limit");
    }
    if (size > end - pos) {
      return vlog::CorruptionAt(path, pos,
                                "truncated record: its lengths claim " + std::to_string(size) +
                                    " bytes, " + std::to_string(end - pos) +
                                    " remain before the end of the file");
    }
    vlog::Record record;
    s = reader.Fill(pos, size);
    if (s.ok()) s = vlog::DecodeRecord(reader.At(pos), path, pos, &record);
    if (s.ok()) {
      s = visit(record.key, record.value,
                ValuePointer{header.file_id, pos, static_cast<uint32_t>(size)});
    }
    pos += size;
  }
  return s;
}

}  // namespace warp
