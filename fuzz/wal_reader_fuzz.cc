// libFuzzer target: ReadWal over arbitrary bytes must never crash, hang or read out of
// bounds; it returns OK (possibly reporting a torn tail) or Corruption, and nothing else.
//
// The first input byte picks a mode: raw (the rest is the segment file), raw after a valid
// segment header, or structured: the rest is read as (type, flags, LSN step, payload length,
// payload) tuples that are encoded into records with valid checksums, so the fuzzer reaches
// the payload decoders, LZ4, flag and type checks and LSN ordering instead of stopping at the
// CRC. A final byte may cut the segment short to exercise torn tails.
// Build and run with `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wal/file.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace {

// Read-only in-memory file system holding the fuzzed segment.
class MemoryFileSystem : public warp::FileSystem {
 public:
  std::map<std::string, std::string> files;

  warp::Status NewWritableFile(const std::string& path,
                               std::unique_ptr<warp::WritableFile>*) override {
    return warp::Status::IOError("read-only: " + path);
  }
  warp::Status ReadFile(const std::string& path, std::string* contents) override {
    auto it = files.find(path);
    if (it == files.end()) return warp::Status::NotFound(path);
    *contents = it->second;
    return warp::Status::OK();
  }
  warp::Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    for (const auto& [path, data] : files) names->push_back(path.substr(dir.size() + 1));
    return warp::Status::OK();
  }
  warp::Status RemoveFile(const std::string& path) override { return ReadOnly(path); }
  warp::Status Truncate(const std::string& path, uint64_t) override { return ReadOnly(path); }
  warp::Status CreateDir(const std::string& dir) override { return ReadOnly(dir); }
  warp::Status SyncDir(const std::string& dir) override { return ReadOnly(dir); }

 private:
  static warp::Status ReadOnly(const std::string& path) {
    return warp::Status::IOError("read-only: " + path);
  }
};

// Encodes checksummed records from (type, flags, lsn step, length, payload) tuples.
std::string StructuredSegment(const uint8_t* data, size_t size) {
  std::string segment;
  warp::wal::EncodeSegmentHeader(/*shard=*/0, /*first_lsn=*/1, &segment);
  uint64_t lsn = 0;
  size_t i = 0;
  while (i + 5 <= size) {
    uint8_t type = data[i], flags = data[i + 1];
    lsn += data[i + 2] % 4;  // a step of 0 makes a non-increasing LSN
    if (lsn == 0) lsn = 1;
    size_t length = (size_t{data[i + 3]} << 8 | data[i + 4]) % 512;
    i += 5;
    length = std::min(length, size - i);
    std::string_view payload(reinterpret_cast<const char*>(data + i), length);
    warp::wal::EncodeRecord(type, flags, lsn, payload, &segment);
    i += length;
  }
  if (i < size && data[i] % 4 == 0 && segment.size() > 0) {
    segment.resize(segment.size() - 1 - data[i] % std::min<size_t>(segment.size(), 64));
  }
  return segment;
}

std::string SegmentFromInput(const uint8_t* data, size_t size) {
  if (size == 0) return "";
  uint8_t mode = data[0] % 3;
  data += 1;
  size -= 1;
  if (mode == 2) return StructuredSegment(data, size);
  std::string segment;
  if (mode == 1) warp::wal::EncodeSegmentHeader(/*shard=*/0, /*first_lsn=*/1, &segment);
  segment.append(reinterpret_cast<const char*>(data), size);
  return segment;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string segment = SegmentFromInput(data, size);
  MemoryFileSystem fs;
  fs.files["wal/" + warp::wal::SegmentFileName(1)] = segment;
  warp::ReadSummary summary;
  uint64_t last_lsn = 0;
  warp::Status s = warp::ReadWal(
      &fs, "wal", 0,
      [&](const warp::WalRecord& record) {
        if (record.lsn <= last_lsn) std::abort();  // the reader promised increasing LSNs
        last_lsn = record.lsn;
        return warp::Status::OK();
      },
      &summary);
  if (!s.ok() && !s.IsCorruption()) std::abort();
  // Skipped records (unknown skippable types) count in last_lsn too, so it is only a bound.
  if (s.ok() && summary.last_lsn < last_lsn) std::abort();
  return 0;
}
