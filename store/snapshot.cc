#include "store/snapshot.h"

#include <lz4.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/crc32c.h"
#include "store/filename.h"
#include "store/snapshot_format.h"

namespace warp {

namespace {

using snapshot::kBlockHeaderSize;
using snapshot::kFooterSize;
using snapshot::kHeaderSize;

// Every block the writer makes carries expiries, whether or not an entry of it has one: one
// layout for all blocks keeps the writer simple, for 8 bytes an entry (before compression).
constexpr uint8_t kWriterBlockFlags = snapshot::kBlockFlagExpiry;

uint64_t NowUnixMillis() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

// Same text as UtcNowIso8601(), for a stored time rather than now.
std::string FormatUnixMillis(uint64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  if (gmtime_r(&secs, &utc) == nullptr) return "invalid time (" + std::to_string(ms) + " ms)";
  char text[64];
  size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

std::string Hex(uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%0*x", digits, v);
  return buf;
}

std::string HexBytes(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool UnhexBytes(std::string_view hex, std::string* out) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]);
    int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SnapshotWriter

SnapshotWriter::SnapshotWriter(FileSystem* fs, std::string dir, uint32_t shard, uint64_t lsn)
    : fs_(fs), dir_(std::move(dir)), shard_(shard), lsn_(lsn) {
  tmp_path_ =
      JoinPath(dir_, filename::SnapshotFileName(lsn, filename::SnapshotFileType::kSnapshotTemp));
  final_path_ = JoinPath(dir_, filename::SnapshotFileName(lsn));
}

SnapshotWriter::~SnapshotWriter() {
  if (finished_) return;
  if (file_) (void)file_->Close();
  (void)fs_->RemoveFile(tmp_path_);
}

Status SnapshotWriter::Create(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t lsn,
                              std::unique_ptr<SnapshotWriter>* writer) {
  Status s = fs->CreateDir(dir);
  if (!s.ok()) return s;
  std::unique_ptr<SnapshotWriter> w(new SnapshotWriter(fs, dir, shard, lsn));
  w->created_unix_ms_ = NowUnixMillis();
  s = fs->NewWritableFile(w->tmp_path_, &w->file_);
  if (!s.ok()) return w->Fail("create", w->tmp_path_, s);
  // Sized once for a full block, so Add() does not allocate (an entry larger than a block
  // grows them, once).
  w->block_.reserve(snapshot::kBlockTargetBytes + 4096);
  w->out_.reserve(kBlockHeaderSize + LZ4_compressBound(snapshot::kBlockTargetBytes + 4096));
  std::string header;
  snapshot::Header h;
  h.shard = shard;
  h.lsn = lsn;
  h.created_unix_ms = w->created_unix_ms_;
  snapshot::EncodeHeader(h, &header);
  s = w->Append(header);
  if (!s.ok()) return s;  // the destructor removes the tmp file
  *writer = std::move(w);
  return Status::OK();
}

std::string SnapshotWriter::Where() const {
  return "snapshot shard " + std::to_string(shard_) + " lsn " + std::to_string(lsn_);
}

Status SnapshotWriter::Fail(const std::string& op, const std::string& path, const Status& cause) {
  error_ = Status::IOError(Where() + ": " + op + " of " + path + " failed: " + cause.message());
  return error_;
}

Status SnapshotWriter::Add(std::string_view key, std::string_view value, uint64_t version,
                           int64_t expire_at_ms) {
  if (!error_.ok()) return error_;
  if (finished_) return Status::InvalidArgument(Where() + ": Add after Finish");
  if (version > lsn_) {
    return Status::InvalidArgument(Where() + ": entry version " + std::to_string(version) +
                                   " is above the snapshot LSN");
  }
  // At most this many bytes encoded (two varint32 lengths, the bytes, a u64 version, a u64
  // expiry), which must fit a block's u32 raw_len on their own.
  uint64_t entry_bytes = uint64_t{key.size()} + value.size() + 2 * 5 + 8 + 8;
  if (entry_bytes > UINT32_MAX) {
    return Status::InvalidArgument(Where() + ": an entry of " + std::to_string(entry_bytes) +
                                   " bytes exceeds the 4 GiB limit");
  }
  if (block_.size() + entry_bytes > UINT32_MAX) {
    Status s = WriteBlock();
    if (!s.ok()) return s;
  }
  snapshot::AppendEntry({key, value, version, expire_at_ms}, kWriterBlockFlags, &block_);
  ++block_entries_;
  ++entries_;
  logical_bytes_ += key.size() + value.size();
  if (block_.size() >= snapshot::kBlockTargetBytes) return WriteBlock();
  return Status::OK();
}

Status SnapshotWriter::WriteBlock() {
  snapshot::BlockHeader h;
  h.raw_len = static_cast<uint32_t>(block_.size());
  h.entries = block_entries_;
  bool compressed = false;
  if (block_.size() <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    int raw = static_cast<int>(block_.size());
    int bound = LZ4_compressBound(raw);
    out_.resize(kBlockHeaderSize + static_cast<size_t>(bound));
    int n = LZ4_compress_default(block_.data(), out_.data() + kBlockHeaderSize, raw, bound);
    // As leveldb: keep the compressed form only if it saves at least 1/8, since reading a raw
    // block costs no decompression and no copy.
    if (n > 0 && static_cast<size_t>(n) < block_.size() - block_.size() / 8) {
      out_.resize(kBlockHeaderSize + static_cast<size_t>(n));
      compressed = true;
    }
  }
  if (!compressed) {
    out_.resize(kBlockHeaderSize);
    out_.append(block_);
  }
  h.flags = kWriterBlockFlags | (compressed ? snapshot::kBlockFlagLz4 : 0);
  snapshot::EncodeBlockHeader(h, std::string_view(out_).substr(kBlockHeaderSize), out_.data());
  block_.clear();
  block_entries_ = 0;
  ++blocks_;
  return Append(out_);
}

Status SnapshotWriter::Append(std::string_view data) {
  Status s = file_->Append(data);
  if (!s.ok()) return Fail("write", tmp_path_, s);
  file_bytes_ += data.size();
  file_crc_ = crc32c::Extend(file_crc_, data.data(), data.size());
  return Status::OK();
}

Status SnapshotWriter::FinishFile() {
  if (!block_.empty()) {
    Status s = WriteBlock();
    if (!s.ok()) return s;
  }
  std::string footer;
  snapshot::EncodeFooter({entries_, logical_bytes_, lsn_, blocks_}, &footer);
  Status s = Append(footer);
  if (!s.ok()) return s;
  s = file_->Sync();
  if (!s.ok()) return Fail("fsync", tmp_path_, s);
  s = file_->Close();
  if (!s.ok()) return Fail("close", tmp_path_, s);
  s = fs_->Rename(tmp_path_, final_path_);
  if (!s.ok()) return Fail("rename", tmp_path_, s);
  renamed_ = true;
  s = fs_->SyncDir(dir_);
  if (!s.ok()) return Fail("fsync", dir_, s);
  return Status::OK();
}

Status SnapshotWriter::WriteSidecar(const SnapshotInfo& info) {
  nlohmann::ordered_json doc = {{"format_version", snapshot::kFormatVersion},
                                {"file", BaseName(info.path)},
                                {"shard", info.shard},
                                {"lsn", info.lsn},
                                {"keys", info.keys},
                                {"logical_bytes", info.logical_bytes},
                                {"file_bytes", info.file_bytes},
                                {"blocks", info.blocks},
                                {"created", info.created},
                                {"file_crc32c", Hex(file_crc_, 8)}};
  if (!hot_set_.empty()) {
    nlohmann::ordered_json hot = nlohmann::ordered_json::array();
    for (const std::string& key : hot_set_) hot.push_back(HexBytes(key));
    doc["hot_set"] = std::move(hot);
  }
  std::string text = doc.dump(2) + "\n";
  using filename::SnapshotFileType;
  std::string tmp =
      JoinPath(dir_, filename::SnapshotFileName(lsn_, SnapshotFileType::kSidecarTemp));
  std::string final = JoinPath(dir_, filename::SnapshotFileName(lsn_, SnapshotFileType::kSidecar));
  std::unique_ptr<WritableFile> file;
  Status s = fs_->NewWritableFile(tmp, &file);
  if (!s.ok()) return Fail("create", tmp, s);
  s = file->Append(text);
  if (!s.ok()) return Fail("write", tmp, s);
  s = file->Sync();
  if (!s.ok()) return Fail("fsync", tmp, s);
  s = file->Close();
  if (!s.ok()) return Fail("close", tmp, s);
  s = fs_->Rename(tmp, final);
  if (!s.ok()) return Fail("rename", tmp, s);
  sidecar_renamed_ = true;
  s = fs_->SyncDir(dir_);
  if (!s.ok()) return Fail("fsync", dir_, s);
  return Status::OK();
}

void SnapshotWriter::RemoveLeftovers() {
  if (file_) (void)file_->Close();
  using filename::SnapshotFileType;
  (void)fs_->RemoveFile(renamed_ ? final_path_ : tmp_path_);
  (void)fs_->RemoveFile(
      JoinPath(dir_, filename::SnapshotFileName(lsn_, SnapshotFileType::kSidecarTemp)));
  if (sidecar_renamed_) {
    (void)fs_->RemoveFile(
        JoinPath(dir_, filename::SnapshotFileName(lsn_, SnapshotFileType::kSidecar)));
  }
  (void)fs_->SyncDir(dir_);
}

Status SnapshotWriter::Finish(SnapshotInfo* info) {
  if (!error_.ok()) return error_;
  if (finished_) return Status::InvalidArgument(Where() + ": Finish called twice");
  finished_ = true;  // from here on, failures clean up in RemoveLeftovers(), not the destructor
  Status s = FinishFile();
  SnapshotInfo result;
  result.shard = shard_;
  result.lsn = lsn_;
  result.keys = entries_;
  result.logical_bytes = logical_bytes_;
  result.file_bytes = file_bytes_;
  result.blocks = blocks_;
  result.created = FormatUnixMillis(created_unix_ms_);
  result.path = final_path_;
  if (s.ok()) s = WriteSidecar(result);
  if (!s.ok()) {
    RemoveLeftovers();
    return s;
  }
  if (info != nullptr) *info = std::move(result);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

// Checks a snapshot file already read into memory, then walks its entries.
class SnapshotParser {
 public:
  SnapshotParser(const std::string& path, std::string_view data) : path_(path), data_(data) {}

  // Verifies the header, footer, every block and every entry's framing; fills *info.
  Status Verify(uint32_t shard, SnapshotInfo* info);
  // Visits every entry. REQUIRES: Verify() returned OK.
  Status Visit(const SnapshotVisitor& visit);

 private:
  Status Error(size_t offset, const std::string& what) const {
    return Status::Corruption("snapshot corruption in " + path_ + " at offset " +
                              std::to_string(offset) + ": " + what);
  }
  // Fills the header fields of *info as soon as the header is intact and of a known version.
  Status CheckHeader(uint32_t shard, SnapshotInfo* info);
  Status CheckFooter();
  // Reads the block at `offset`: its raw entries into *raw (pointing into the file or into
  // buffer_), the offset after it into *next. Checks the checksum if `verify`.
  Status ReadBlock(size_t offset, bool verify, snapshot::BlockHeader* h, std::string_view* raw,
                   size_t* next);
  Status Expand(size_t offset, const snapshot::BlockHeader& h, std::string_view stored,
                std::string_view* raw);
  Status CheckEntries(size_t offset, const snapshot::BlockHeader& h, std::string_view raw,
                      uint64_t* logical_bytes) const;

  const std::string& path_;
  std::string_view data_;
  snapshot::Header header_;
  snapshot::Footer footer_;
  size_t blocks_end_ = 0;  // offset of the footer
  // Decompression target reused for every block: no allocation per entry, and none per block
  // once it has the size of the largest block.
  std::unique_ptr<char[]> buffer_;
  size_t buffer_size_ = 0;
};

Status SnapshotParser::CheckHeader(uint32_t shard, SnapshotInfo* info) {
  if (data_.size() < kHeaderSize) {
    return Error(0, "truncated header (" + std::to_string(data_.size()) + " bytes)");
  }
  if (std::memcmp(data_.data(), snapshot::kMagic, sizeof(snapshot::kMagic)) != 0) {
    return Error(0, "bad magic (not a WarpEngine snapshot)");
  }
  if (!snapshot::HeaderCrcOk(data_)) return Error(0, "header checksum mismatch");
  header_ = snapshot::DecodeHeader(data_);
  if (header_.format_version != snapshot::kFormatVersion) {
    return Error(snapshot::kHeaderVersionOffset,
                 "unsupported format version " + std::to_string(header_.format_version) +
                     " (this build reads version " + std::to_string(snapshot::kFormatVersion) +
                     ")");
  }
  info->shard = header_.shard;
  info->lsn = header_.lsn;
  info->created = FormatUnixMillis(header_.created_unix_ms);
  if (shard != kAnyShard && header_.shard != shard) {
    return Error(snapshot::kHeaderShardOffset, "snapshot belongs to shard " +
                                                   std::to_string(header_.shard) +
                                                   ", expected shard " + std::to_string(shard));
  }
  uint64_t name_lsn = 0;
  filename::SnapshotFileType type;
  if (filename::ParseSnapshotFileName(BaseName(path_), &name_lsn, &type) &&
      name_lsn != header_.lsn) {
    return Error(snapshot::kHeaderLsnOffset,
                 "header LSN " + std::to_string(header_.lsn) + " does not match the file name");
  }
  return Status::OK();
}

Status SnapshotParser::CheckFooter() {
  if (data_.size() < kHeaderSize + kFooterSize) {
    return Error(data_.size(), "truncated file: no room for the " + std::to_string(kFooterSize) +
                                   "-byte footer (the file is truncated or was never finished)");
  }
  blocks_end_ = data_.size() - kFooterSize;
  std::string_view footer = data_.substr(blocks_end_);
  if (std::memcmp(footer.data() + 32, snapshot::kEndMagic, sizeof(snapshot::kEndMagic)) != 0) {
    return Error(data_.size() - sizeof(snapshot::kEndMagic),
                 "missing end magic (the file is truncated or was never finished)");
  }
  if (!snapshot::FooterCrcOk(footer)) return Error(blocks_end_, "footer checksum mismatch");
  footer_ = snapshot::DecodeFooter(footer);
  if (footer_.lsn != header_.lsn) {
    return Error(blocks_end_ + 16, "footer LSN " + std::to_string(footer_.lsn) +
                                       " does not match the header LSN " +
                                       std::to_string(header_.lsn));
  }
  return Status::OK();
}

Status SnapshotParser::ReadBlock(size_t offset, bool verify, snapshot::BlockHeader* h,
                                 std::string_view* raw, size_t* next) {
  size_t left = blocks_end_ - offset;
  if (left < kBlockHeaderSize) {
    return Error(offset,
                 "truncated block header (" + std::to_string(left) + " bytes before the footer)");
  }
  const char* p = data_.data() + offset;
  *h = snapshot::DecodeBlockHeader(p);
  if (h->stored_len > left - kBlockHeaderSize) {
    return Error(offset, "block length " + std::to_string(h->stored_len) + " exceeds the " +
                             std::to_string(left - kBlockHeaderSize) + " bytes before the footer");
  }
  std::string_view stored(p + kBlockHeaderSize, h->stored_len);
  if (verify && !snapshot::BlockCrcOk(p, stored)) return Error(offset, "block checksum mismatch");
  *next = offset + kBlockHeaderSize + h->stored_len;
  return Expand(offset, *h, stored, raw);
}

Status SnapshotParser::Expand(size_t offset, const snapshot::BlockHeader& h,
                              std::string_view stored, std::string_view* raw) {
  if ((h.flags & ~snapshot::kKnownBlockFlags) != 0) {
    return Error(offset + 16, "unsupported block flags 0x" + Hex(h.flags, 2));
  }
  if (h.entries == 0 || h.raw_len == 0) return Error(offset, "empty block");
  if ((h.flags & snapshot::kBlockFlagLz4) == 0) {
    if (h.raw_len != h.stored_len) {
      return Error(offset, "uncompressed block stores " + std::to_string(h.stored_len) +
                               " bytes but claims " + std::to_string(h.raw_len));
    }
    *raw = stored;  // entries point straight into the file's buffer
    return Status::OK();
  }
  // Beyond LZ4's maximum ratio or what the writer compresses: don't allocate it.
  if (h.raw_len > uint64_t{h.stored_len} * 255 + 16 ||
      h.raw_len > static_cast<uint32_t>(LZ4_MAX_INPUT_SIZE)) {
    return Error(offset, "LZ4 block of " + std::to_string(h.stored_len) +
                             " bytes cannot expand to " + std::to_string(h.raw_len));
  }
  if (buffer_size_ < h.raw_len) {
    buffer_size_ = std::max<size_t>(h.raw_len, snapshot::kBlockTargetBytes * 2);
    buffer_.reset(new char[buffer_size_]);  // not zero-filled: LZ4 writes every byte used
  }
  int n = LZ4_decompress_safe(stored.data(), buffer_.get(), static_cast<int>(stored.size()),
                              static_cast<int>(h.raw_len));
  if (n < 0 || static_cast<uint32_t>(n) != h.raw_len) {
    return Error(offset,
                 "LZ4 block does not decompress to " + std::to_string(h.raw_len) + " bytes");
  }
  *raw = std::string_view(buffer_.get(), h.raw_len);
  return Status::OK();
}

Status SnapshotParser::CheckEntries(size_t offset, const snapshot::BlockHeader& h,
                                    std::string_view raw, uint64_t* logical_bytes) const {
  SnapshotEntry entry;
  for (uint32_t i = 0; i < h.entries; ++i) {
    if (!snapshot::GetEntry(&raw, h.flags, &entry)) {
      return Error(offset, "malformed entry " + std::to_string(i + 1) + " of the block's " +
                               std::to_string(h.entries));
    }
    if (entry.version > header_.lsn) {
      return Error(offset, "entry " + std::to_string(i + 1) + " has version " +
                               std::to_string(entry.version) + ", above the snapshot LSN " +
                               std::to_string(header_.lsn));
    }
    *logical_bytes += entry.key.size() + entry.value.size();
  }
  if (!raw.empty()) {
    return Error(offset, std::to_string(raw.size()) + " bytes follow the block's " +
                             std::to_string(h.entries) + " entries");
  }
  return Status::OK();
}

Status SnapshotParser::Verify(uint32_t shard, SnapshotInfo* info) {
  Status s = CheckHeader(shard, info);
  if (!s.ok()) return s;
  s = CheckFooter();
  if (!s.ok()) return s;
  uint64_t blocks = 0, entries = 0, logical_bytes = 0;
  size_t offset = kHeaderSize;
  while (offset < blocks_end_) {
    snapshot::BlockHeader h;
    std::string_view raw;
    size_t next = 0;
    s = ReadBlock(offset, /*verify=*/true, &h, &raw, &next);
    if (s.ok()) s = CheckEntries(offset, h, raw, &logical_bytes);
    if (!s.ok()) return s;
    ++blocks;
    entries += h.entries;
    offset = next;
  }
  auto mismatch = [&](const char* what, uint64_t footer, uint64_t found) {
    return Error(blocks_end_, std::string("footer counts ") + std::to_string(footer) + " " + what +
                                  ", the blocks hold " + std::to_string(found));
  };
  if (footer_.blocks != blocks) return mismatch("blocks", footer_.blocks, blocks);
  if (footer_.entries != entries) return mismatch("entries", footer_.entries, entries);
  if (footer_.logical_bytes != logical_bytes) {
    return mismatch("logical bytes", footer_.logical_bytes, logical_bytes);
  }
  info->keys = entries;
  info->logical_bytes = logical_bytes;
  info->blocks = footer_.blocks;
  return Status::OK();
}

// The second pass decompresses each block again rather than keeping every block from the
// first: memory stays at one block (the table being loaded is what needs the memory), and
// LZ4 decompresses far faster than a table inserts.
Status SnapshotParser::Visit(const SnapshotVisitor& visit) {
  size_t offset = kHeaderSize;
  while (offset < blocks_end_) {
    snapshot::BlockHeader h;
    std::string_view raw;
    size_t next = 0;
    Status s = ReadBlock(offset, /*verify=*/false, &h, &raw, &next);
    if (!s.ok()) return s;
    SnapshotEntry entry;
    for (uint32_t i = 0; i < h.entries; ++i) {
      bool ok = snapshot::GetEntry(&raw, h.flags, &entry);
      assert(ok);  // Verify() decoded this very block
      (void)ok;
      s = visit(entry);
      if (!s.ok()) return s;
    }
    offset = next;
  }
  return Status::OK();
}

}  // namespace

Status ReadSnapshot(FileSystem* fs, const std::string& path, uint32_t shard,
                    const SnapshotVisitor& visit, SnapshotInfo* info) {
  SnapshotInfo local;
  if (info == nullptr) info = &local;
  *info = SnapshotInfo();
  info->path = path;
  std::string data;
  Status s = fs->ReadFile(path, &data);
  if (!s.ok()) return s;
  info->file_bytes = data.size();
  SnapshotParser parser(path, data);
  s = parser.Verify(shard, info);
  if (!s.ok()) return s;
  return parser.Visit(visit);
}

Status ListSnapshots(FileSystem* fs, const std::string& dir, std::vector<SnapshotInfo>* found) {
  found->clear();
  std::vector<std::string> names;
  Status s = fs->ListDir(dir, &names);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t lsn = 0;
    filename::SnapshotFileType type;
    if (!filename::ParseSnapshotFileName(name, &lsn, &type) ||
        type != filename::SnapshotFileType::kSnapshot) {
      continue;
    }
    SnapshotInfo info;
    info.lsn = lsn;
    info.path = JoinPath(dir, name);
    found->push_back(std::move(info));
  }
  std::sort(found->begin(), found->end(),
            [](const SnapshotInfo& a, const SnapshotInfo& b) { return a.lsn > b.lsn; });
  return Status::OK();
}

Status PruneSnapshots(FileSystem* fs, const std::string& dir, size_t keep) {
  std::vector<SnapshotInfo> snapshots;
  Status s = ListSnapshots(fs, dir, &snapshots);
  if (!s.ok()) return s;
  std::vector<uint64_t> kept;
  for (size_t i = 0; i < snapshots.size() && i < keep; ++i) kept.push_back(snapshots[i].lsn);
  auto is_kept = [&](uint64_t lsn) {
    return std::find(kept.begin(), kept.end(), lsn) != kept.end();
  };
  // Snapshots go before sidecars, so a crash in between leaves only sidecars without a
  // snapshot, which the next prune removes.
  std::vector<std::string> doomed;
  for (size_t i = keep; i < snapshots.size(); ++i) doomed.push_back(snapshots[i].path);
  std::vector<std::string> names;
  s = fs->ListDir(dir, &names);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t lsn = 0;
    filename::SnapshotFileType type;
    if (!filename::ParseSnapshotFileName(name, &lsn, &type)) continue;
    if (type == filename::SnapshotFileType::kSnapshot) continue;  // handled above
    if (type == filename::SnapshotFileType::kSidecar && is_kept(lsn)) continue;
    doomed.push_back(JoinPath(dir, name));
  }
  Status first_error;
  for (const std::string& path : doomed) {
    s = fs->RemoveFile(path);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (!doomed.empty()) {
    s = fs->SyncDir(dir);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

Status ReadSnapshotHotSet(FileSystem* fs, const std::string& dir, uint64_t lsn,
                          std::vector<std::string>* keys) {
  keys->clear();
  std::string path =
      JoinPath(dir, filename::SnapshotFileName(lsn, filename::SnapshotFileType::kSidecar));
  std::string text;
  Status s = fs->ReadFile(path, &text);
  if (!s.ok()) return s;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Corruption(path + ": not a JSON object");
  }
  auto hot = doc.find("hot_set");
  if (hot == doc.end()) return Status::OK();
  if (!hot->is_array()) return Status::Corruption(path + ": \"hot_set\" is not an array");
  for (size_t i = 0; i < hot->size(); ++i) {
    const auto& item = (*hot)[i];
    std::string key;
    if (!item.is_string() || !UnhexBytes(item.get<std::string>(), &key)) {
      return Status::Corruption(path + ": \"hot_set\"[" + std::to_string(i) +
                                "] is not a hex-encoded key");
    }
    keys->push_back(std::move(key));
  }
  return Status::OK();
}

}  // namespace warp
