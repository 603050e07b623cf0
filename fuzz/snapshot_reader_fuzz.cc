// libFuzzer target: ReadSnapshot over arbitrary bytes must never crash, hang or read out of
// bounds; it returns OK or Corruption, and on Corruption it has visited nothing (the reader
// verifies the whole file first). On OK the visited entries agree with the reported counts.
//
// The first input byte picks a mode:
//   0  raw: the rest is the file;
//   1  a valid header, then the rest raw (blocks and footer arbitrary);
//   2  structured: the rest is read as block tuples (flags, entry count, raw length, stored
//      bytes) that are given valid checksums, plus a footer whose counts are right or off by a
//      fuzzed amount, so the fuzzer reaches LZ4, entry decoding and the count checks instead of
//      stopping at a CRC; stored bytes are LZ4-compressed for real when a tuple asks for it;
//   3  round trip: the rest is read as entries, written by SnapshotWriter into memory (one
//      with a version above the cut must be refused), read back (they must match exactly),
//      then one byte is flipped, which must be a Corruption (every byte of a snapshot is
//      covered by a checksum or a magic).
// Build and run with `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).

#include <lz4.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/filename.h"
#include "store/snapshot.h"
#include "store/snapshot_format.h"
#include "wal/file.h"

namespace {

using warp::Status;

// In-memory file system: enough for SnapshotWriter (create, append, rename) and the reader.
class MemoryFileSystem : public warp::FileSystem {
 public:
  std::map<std::string, std::string> files;

  class File : public warp::WritableFile {
   public:
    File(MemoryFileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
    Status Append(std::string_view data) override {
      fs_->files[path_].append(data.data(), data.size());
      return Status::OK();
    }
    Status Sync() override { return Status::OK(); }
    Status Close() override { return Status::OK(); }
    const std::string& path() const override { return path_; }

   private:
    MemoryFileSystem* fs_;
    std::string path_;
  };

  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<warp::WritableFile>* file) override {
    files[path].clear();
    *file = std::make_unique<File>(this, path);
    return Status::OK();
  }
  Status ReadFile(const std::string& path, std::string* contents) override {
    auto it = files.find(path);
    if (it == files.end()) return Status::NotFound(path);
    *contents = it->second;
    return Status::OK();
  }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    for (const auto& [path, data] : files) names->push_back(path.substr(dir.size() + 1));
    return Status::OK();
  }
  Status RemoveFile(const std::string& path) override {
    return files.erase(path) == 1 ? Status::OK() : Status::NotFound(path);
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    files[path].resize(size);
    return Status::OK();
  }
  Status CreateDir(const std::string&) override { return Status::OK(); }
  Status SyncDir(const std::string&) override { return Status::OK(); }
  Status Rename(const std::string& from, const std::string& to) override {
    auto it = files.find(from);
    if (it == files.end()) return Status::NotFound(from);
    files[to] = std::move(it->second);
    files.erase(from);
    return Status::OK();
  }
};

// Reads bytes from the front of the input; zeros once it is exhausted.
struct Input {
  const uint8_t* data;
  size_t size;
  uint8_t Byte() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
  std::string_view Bytes(size_t n) {
    n = std::min(n, size);
    std::string_view out(reinterpret_cast<const char*>(data), n);
    data += n;
    size -= n;
    return out;
  }
};

std::string StructuredFile(Input in) {
  std::string file;
  warp::snapshot::Header h;
  h.lsn = in.Byte();
  warp::snapshot::EncodeHeader(h, &file);
  warp::snapshot::Footer footer;
  footer.lsn = h.lsn;
  uint8_t blocks = in.Byte() % 8;
  for (uint8_t b = 0; b < blocks && in.size > 0; ++b) {
    uint8_t flags = in.Byte();
    uint8_t mode = in.Byte();
    uint32_t entries = in.Byte();
    size_t length = (size_t{in.Byte()} << 8 | in.Byte()) % 1024;
    std::string raw(in.Bytes(length));
    std::string stored = raw;
    warp::snapshot::BlockHeader bh;
    bh.raw_len = static_cast<uint32_t>(raw.size());
    if ((mode & 1) != 0 && !raw.empty()) {  // really compress
      stored.resize(LZ4_compressBound(static_cast<int>(raw.size())));
      int n = LZ4_compress_default(raw.data(), stored.data(), static_cast<int>(raw.size()),
                                   static_cast<int>(stored.size()));
      stored.resize(n > 0 ? n : 0);
      flags |= warp::snapshot::kBlockFlagLz4;
    }
    if ((mode & 2) != 0) bh.raw_len += in.Byte() % 16;  // a wrong raw length
    bh.entries = entries;
    bh.flags = flags;
    char header[warp::snapshot::kBlockHeaderSize];
    warp::snapshot::EncodeBlockHeader(bh, stored, header);
    file.append(header, sizeof(header));
    file += stored;
    footer.entries += entries;
    footer.blocks += 1;
    std::string_view scan = raw;
    warp::snapshot::Entry entry;
    while (warp::snapshot::GetEntry(&scan, flags, &entry)) {
      footer.logical_bytes += entry.key.size() + entry.value.size();
    }
  }
  footer.entries += in.Byte() % 2;  // sometimes a wrong count
  warp::snapshot::EncodeFooter(footer, &file);
  uint8_t cut = in.Byte();
  if (cut % 8 == 0 && !file.empty()) file.resize(file.size() - 1 - cut % file.size());
  return file;
}

// Reads `path` and checks the reader's promises; returns the status.
Status CheckRead(MemoryFileSystem* fs, const std::string& path, uint32_t shard,
                 std::vector<std::string>* seen) {
  uint64_t visits = 0, logical = 0, max_version = 0;
  warp::SnapshotInfo info;
  Status s = warp::ReadSnapshot(
      fs, path, shard,
      [&](const warp::SnapshotEntry& e) {
        ++visits;
        logical += e.key.size() + e.value.size();
        max_version = std::max(max_version, e.version);
        if (seen != nullptr) {
          seen->emplace_back(e.key);
          seen->emplace_back(e.value);
          seen->push_back(std::to_string(e.version) + "/" + std::to_string(e.expire_at_ms));
        }
        return Status::OK();
      },
      &info);
  if (!s.ok() && !s.IsCorruption()) std::abort();
  if (!s.ok() && visits != 0) std::abort();  // verified first: nothing handed over
  if (s.ok() && (visits != info.keys || logical != info.logical_bytes || max_version > info.lsn)) {
    std::abort();
  }
  return s;
}

void RoundTrip(Input in) {
  MemoryFileSystem fs;
  uint64_t lsn = 1000;
  std::unique_ptr<warp::SnapshotWriter> writer;
  if (!warp::SnapshotWriter::Create(&fs, "snap", 2, lsn, &writer).ok()) std::abort();
  std::vector<std::string> written;
  uint8_t flip_at_hi = in.Byte(), flip_at_lo = in.Byte(), flip_bit = in.Byte();
  while (in.size > 0) {
    size_t key_len = in.Byte() % 32;
    size_t value_len = size_t{in.Byte()} * (in.Byte() % 4 == 0 ? 300 : 1);
    uint64_t version = in.Byte() * 4;
    int64_t expire_at_ms = in.Byte() % 2 == 0 ? 0 : int64_t{in.Byte()} << 36;
    std::string key(in.Bytes(key_len));
    std::string value(in.Bytes(value_len));
    if (value.size() < value_len) value.resize(value_len, 'v');  // long compressible values
    Status added = writer->Add(key, value, version, expire_at_ms);
    if (version > lsn) {  // above the cut: refused, and nothing added
      if (!added.IsInvalidArgument()) std::abort();
      continue;
    }
    if (!added.ok()) std::abort();
    written.push_back(key);
    written.push_back(value);
    written.push_back(std::to_string(version) + "/" + std::to_string(expire_at_ms));
  }
  warp::SnapshotInfo info;
  if (!writer->Finish(&info).ok()) std::abort();
  std::vector<std::string> seen;
  if (!CheckRead(&fs, info.path, 2, &seen).ok() || seen != written) std::abort();
  std::string& file = fs.files[info.path];
  size_t at = (size_t{flip_at_hi} << 8 | flip_at_lo) % file.size();
  file[at] = static_cast<char>(file[at] ^ (flip_bit | 1));
  if (CheckRead(&fs, info.path, 2, nullptr).ok()) std::abort();  // a flip must be detected
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Input in{data + 1, size - 1};
  uint8_t mode = data[0] % 4;
  if (mode == 3) {
    RoundTrip(in);
    return 0;
  }
  std::string file;
  if (mode == 1) {
    warp::snapshot::Header h;
    h.lsn = in.Byte();
    warp::snapshot::EncodeHeader(h, &file);
  }
  if (mode == 2) {
    file = StructuredFile(in);
  } else {
    file.append(in.Bytes(in.size));
  }
  MemoryFileSystem fs;
  fs.files["snap/fuzz.snap"] = file;  // not a snapshot name: no file-name LSN check
  (void)CheckRead(&fs, "snap/fuzz.snap", data[0] & 0x80 ? warp::kAnyShard : 0, nullptr);
  return 0;
}
