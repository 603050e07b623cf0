#include "wal/wal_reader.h"

#include <lz4.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "common/crc32c.h"
#include "wal/wal_format.h"

namespace warp {

namespace {

using wal::kRecordHeaderSize;
using wal::kSegmentHeaderSize;

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%02x", v);
  return buf;
}

// A record whose frame (length and checksum) is intact.
struct Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint64_t lsn = 0;
  std::string_view payload;
  size_t end = 0;  // offset just past the record
};

// 1 + the offset of the last nonzero byte of `data` (0 if it is all zeros). Preallocated
// segments end in megabytes of zeros, so this steps back a word at a time.
size_t EndOfNonzero(std::string_view data) {
  size_t n = data.size();
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + n - 8, 8);
    if (word != 0) break;
    n -= 8;
  }
  while (n > 0 && data[n - 1] == 0) --n;
  return n;
}

// Whether 18 zero bytes form a valid record frame (length 0, stored checksum 0). They do not
// for CRC32C, but the scan below relies on it only through this constant.
bool ZeroFrameIsValid() {
  static const bool valid = [] {
    const char zeros[kRecordHeaderSize] = {};
    return crc32c::Unmask(0) == crc32c::Value(zeros + 8, kRecordHeaderSize - 8);
  }();
  return valid;
}

// Parses and checks one segment file already read into memory.
class SegmentParser {
 public:
  SegmentParser(std::string path, std::string_view data, bool is_last, ReadSummary* summary)
      : path_(std::move(path)),
        data_(data),
        is_last_(is_last),
        summary_(summary),
        nonzero_end_(EndOfNonzero(data)) {}

  // Checks the header against the shard, the file name's LSN, and (if nonzero) the first LSN
  // the previous segment implies. In the last segment an empty, zero, or torn header with
  // nothing valid after it ends the log (recorded in the summary; Records() then reads nothing).
  Status CheckHeader(uint32_t shard, uint64_t name_lsn, uint64_t expected_first,
                     const std::string& previous);
  // Hands every record to `visit`; stops at a torn tail or preallocated zeros (recorded in the
  // summary).
  Status Records(uint64_t first_lsn, const WalVisitor& visit);
  // Where the valid bytes of the segment end (after a successful Records()).
  size_t end() const { return end_; }

 private:
  // Corruption at `offset`; the log is valid up to `valid_end` of this file (see ReadSummary).
  Status Error(size_t offset, const std::string& what, size_t valid_end) const {
    summary_->corrupt_file = path_;
    summary_->corrupt_offset = valid_end;
    return Status::Corruption("wal corruption in " + path_ + " at offset " +
                              std::to_string(offset) + ": " + what);
  }
  // Corruption of a record at `offset`, the end of the last good one.
  Status Error(size_t offset, const std::string& what) const { return Error(offset, what, offset); }
  std::string HeaderProblem() const;
  Status CheckHeaderFields(uint32_t shard, uint64_t name_lsn, uint64_t expected_first,
                           const std::string& previous) const;
  bool ReadFrame(size_t offset, Frame* frame, std::string* reason) const;
  bool ValidRecordAfter(size_t offset) const;
  bool ZerosFrom(size_t offset) const { return offset >= nonzero_end_; }
  Status HandleBadFrame(size_t offset, const std::string& reason);
  Status Decode(size_t offset, const Frame& frame, WalRecord* record, bool* skip) const;
  void EndAt(size_t offset);

  std::string path_;
  std::string_view data_;
  bool is_last_;
  ReadSummary* summary_;
  size_t nonzero_end_;       // EndOfNonzero(data_)
  bool headerless_ = false;  // the last segment's header is missing, zero or torn
  size_t end_ = 0;
};

// The log ends at `offset` of this (last) segment: a torn tail if nonzero bytes follow,
// preallocated space if only zeros do, nothing if the file ends there.
void SegmentParser::EndAt(size_t offset) {
  end_ = offset;
  summary_->bytes += offset;
  if (offset == data_.size()) return;
  if (ZerosFrom(offset)) {
    summary_->zero_tail_bytes = data_.size() - offset;
    return;
  }
  summary_->torn_tail = true;
  summary_->torn_offset = offset;
  summary_->torn_file = path_;
}

// Why the header cannot be read at all ("" if its magic and checksum are intact).
std::string SegmentParser::HeaderProblem() const {
  if (data_.size() < kSegmentHeaderSize) {
    return "truncated segment header (" + std::to_string(data_.size()) + " bytes)";
  }
  if (EndOfNonzero(data_.substr(0, kSegmentHeaderSize)) == 0) {
    return "segment header is all zeros (never written)";
  }
  const char* h = data_.data();
  if (std::memcmp(h, wal::kSegmentMagic, sizeof(wal::kSegmentMagic)) != 0) {
    return "bad magic (not a WarpEngine WAL segment)";
  }
  uint32_t stored_crc = crc32c::Unmask(wal::DecodeFixed32(h + 24));
  if (stored_crc != crc32c::Value(h, 24)) return "segment header checksum mismatch";
  return "";
}

Status SegmentParser::CheckHeader(uint32_t shard, uint64_t name_lsn, uint64_t expected_first,
                                  const std::string& previous) {
  std::string problem = HeaderProblem();
  if (problem.empty()) return CheckHeaderFields(shard, name_lsn, expected_first, previous);
  // A crash while the segment was being created: nothing of it was ever acknowledged, as long
  // as no valid record follows and the name shows that it continues the previous segment.
  if (!is_last_ || ValidRecordAfter(0)) return Error(0, problem, 0);
  if (expected_first != 0 && name_lsn != expected_first) {
    return Error(0,
                 "missing segment: expected first LSN " + std::to_string(expected_first) +
                     " after " + previous + ", found " + std::to_string(name_lsn) +
                     " (from the file name; " + problem + ")",
                 0);
  }
  headerless_ = true;
  EndAt(0);
  return Status::OK();
}

Status SegmentParser::CheckHeaderFields(uint32_t shard, uint64_t name_lsn, uint64_t expected_first,
                                        const std::string& previous) const {
  const char* h = data_.data();
  uint32_t version = wal::DecodeFixed32(h + 8);
  if (version != wal::kFormatVersion) {
    return Error(8,
                 "unsupported format version " + std::to_string(version) +
                     " (this build reads version " + std::to_string(wal::kFormatVersion) + ")",
                 0);
  }
  uint32_t file_shard = wal::DecodeFixed32(h + 12);
  if (file_shard != shard) {
    return Error(12,
                 "segment belongs to shard " + std::to_string(file_shard) + ", expected shard " +
                     std::to_string(shard),
                 0);
  }
  uint64_t first_lsn = wal::DecodeFixed64(h + 16);
  if (first_lsn != name_lsn) {
    return Error(
        16, "header first LSN " + std::to_string(first_lsn) + " does not match the file name", 0);
  }
  if (expected_first != 0 && first_lsn != expected_first) {
    return Error(0,
                 "missing segment: expected first LSN " + std::to_string(expected_first) +
                     " after " + previous + ", found " + std::to_string(first_lsn),
                 0);
  }
  return Status::OK();
}

bool SegmentParser::ReadFrame(size_t offset, Frame* frame, std::string* reason) const {
  size_t left = data_.size() - offset;
  if (left < kRecordHeaderSize) {
    *reason = "truncated record header (" + std::to_string(left) + " bytes left)";
    return false;
  }
  const char* p = data_.data() + offset;
  uint32_t length = wal::DecodeFixed32(p + 4);
  if (length > left - kRecordHeaderSize) {
    *reason = "record length " + std::to_string(length) + " exceeds the " +
              std::to_string(left - kRecordHeaderSize) + " bytes left";
    return false;
  }
  uint32_t actual = crc32c::Value(p + 8, kRecordHeaderSize - 8 + length);
  if (crc32c::Unmask(wal::DecodeFixed32(p)) != actual) {
    *reason = "checksum mismatch";
    return false;
  }
  frame->type = static_cast<uint8_t>(p[8]);
  frame->flags = static_cast<uint8_t>(p[9]);
  frame->lsn = wal::DecodeFixed64(p + 10);
  frame->payload = std::string_view(p + kRecordHeaderSize, length);
  frame->end = offset + kRecordHeaderSize + length;
  return true;
}

bool SegmentParser::ValidRecordAfter(size_t offset) const {
  // A frame starting in the trailing zeros is all zeros, so it is never valid: the scan of a
  // preallocated segment stops at its last nonzero byte.
  size_t limit = ZeroFrameIsValid() ? data_.size() : nonzero_end_;
  Frame frame;
  std::string ignored;
  for (size_t q = offset + 1; q < limit && q + kRecordHeaderSize <= data_.size(); ++q) {
    if (ReadFrame(q, &frame, &ignored)) return true;
  }
  return false;
}

Status SegmentParser::HandleBadFrame(size_t offset, const std::string& reason) {
  if (ZerosFrom(offset)) {
    if (is_last_) {
      EndAt(offset);  // preallocated space
      return Status::OK();
    }
    return Error(offset, std::to_string(data_.size() - offset) +
                             " zero bytes after the last record in a segment that is not the "
                             "last one (preallocated space the writer did not cut)");
  }
  if (ValidRecordAfter(offset)) {
    return Error(offset, reason + "; valid records follow, refusing to skip them");
  }
  if (!is_last_) return Error(offset, reason + " in a segment that is not the last one");
  EndAt(offset);  // torn tail
  return Status::OK();
}

// Reads a length-prefixed key and, if with_expiry, the fixed64 expiry after it.
bool GetKeyAndExpiry(std::string_view* in, bool with_expiry, WalRecord* record) {
  std::string_view key;
  if (!wal::GetLengthPrefixed(in, &key)) return false;
  record->key.assign(key.data(), key.size());
  if (!with_expiry) return true;
  if (in->size() < 8) return false;
  record->expire_at_ms = static_cast<int64_t>(wal::DecodeFixed64(in->data()));
  in->remove_prefix(8);
  return true;
}

Status DecodePut(const Frame& frame, WalRecord* record, std::string* problem) {
  std::string_view in = frame.payload;
  uint32_t value_len = 0;
  if (!GetKeyAndExpiry(&in, (frame.flags & wal::kFlagExpiry) != 0, record) ||
      !wal::GetVarint32(&in, &value_len)) {
    *problem = "malformed put payload";
    return Status::Corruption("");
  }
  if ((frame.flags & wal::kFlagLz4Value) == 0) {
    if (in.size() != value_len) {
      *problem = "put value length " + std::to_string(value_len) + " does not match the " +
                 std::to_string(in.size()) + " value bytes";
      return Status::Corruption("");
    }
    record->value.assign(in.data(), in.size());
    return Status::OK();
  }
  if (value_len > in.size() * 255 + 16) {  // beyond LZ4's maximum ratio: don't allocate it
    *problem = "LZ4 value length " + std::to_string(value_len) + " is impossible for " +
               std::to_string(in.size()) + " compressed bytes";
    return Status::Corruption("");
  }
  record->value.resize(value_len);
  int n = LZ4_decompress_safe(in.data(), record->value.data(), static_cast<int>(in.size()),
                              static_cast<int>(value_len));
  if (n < 0 || static_cast<uint32_t>(n) != value_len) {
    *problem = "LZ4 value does not decompress to " + std::to_string(value_len) + " bytes";
    return Status::Corruption("");
  }
  return Status::OK();
}

Status SegmentParser::Decode(size_t offset, const Frame& frame, WalRecord* record,
                             bool* skip) const {
  *skip = false;
  record->type = frame.type;
  record->lsn = frame.lsn;
  record->key.clear();
  record->value.clear();
  record->expire_at_ms = 0;
  if ((frame.flags & ~wal::kKnownFlags) != 0) {
    return Error(offset, "unsupported record flags " + Hex(frame.flags));
  }
  std::string problem;
  switch (static_cast<wal::RecordType>(frame.type)) {
    case wal::RecordType::kPut:
      if (!DecodePut(frame, record, &problem).ok()) return Error(offset, problem);
      return Status::OK();
    case wal::RecordType::kDelete:
    case wal::RecordType::kExpire: {
      bool is_expire = frame.type == static_cast<uint8_t>(wal::RecordType::kExpire);
      // The expiry flag is what makes builds that predate expire records refuse them.
      if (is_expire && frame.flags != wal::kFlagExpiry) {
        return Error(offset, "expire record with flags " + Hex(frame.flags) + " (must be " +
                                 Hex(wal::kFlagExpiry) + ")");
      }
      std::string_view in = frame.payload;
      if (!GetKeyAndExpiry(&in, is_expire, record) || !in.empty()) {
        return Error(offset, is_expire ? "malformed expire payload" : "malformed delete payload");
      }
      return Status::OK();
    }
    case wal::RecordType::kBatchBegin:
    case wal::RecordType::kBatchCommit:
      record->value.assign(frame.payload.data(), frame.payload.size());
      return Status::OK();
  }
  if ((frame.type & wal::kSkippableTypeBit) != 0) {
    *skip = true;
    return Status::OK();
  }
  return Error(offset, "unknown record type " + Hex(frame.type) +
                           " without the skippable bit (this build knows types 1-5)");
}

Status SegmentParser::Records(uint64_t first_lsn, const WalVisitor& visit) {
  if (headerless_) return Status::OK();
  size_t offset = kSegmentHeaderSize;
  WalRecord record;
  std::string reason;
  while (offset < data_.size()) {
    Frame frame;
    if (!ReadFrame(offset, &frame, &reason)) return HandleBadFrame(offset, reason);
    uint64_t floor = std::max(summary_->last_lsn + 1, first_lsn);
    if (frame.lsn < floor) {
      return Error(offset, "LSN " + std::to_string(frame.lsn) + " is not above the previous LSN " +
                               std::to_string(floor - 1));
    }
    bool skip = false;
    Status s = Decode(offset, frame, &record, &skip);
    if (!s.ok()) return s;
    summary_->last_lsn = frame.lsn;
    if (skip) {
      ++summary_->skipped;
    } else {
      ++summary_->records;
      s = visit(record);
      if (!s.ok()) return s;
    }
    offset = frame.end;
  }
  EndAt(offset);
  return Status::OK();
}

}  // namespace

Status ListWalSegments(FileSystem* fs, const std::string& dir,
                       std::vector<std::pair<uint64_t, std::string>>* segments) {
  segments->clear();
  std::vector<std::string> names;
  Status s = fs->ListDir(dir, &names);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t lsn = 0;
    if (wal::ParseSegmentFileName(name, &lsn)) segments->emplace_back(lsn, name);
  }
  std::sort(segments->begin(), segments->end());
  return Status::OK();
}

Status ReadWal(FileSystem* fs, const std::string& dir, uint32_t shard, const WalVisitor& visit,
               ReadSummary* summary) {
  *summary = ReadSummary();
  std::vector<std::pair<uint64_t, std::string>> segments;
  Status s = ListWalSegments(fs, dir, &segments);
  if (!s.ok()) return s;
  std::string data;
  std::string previous;
  uint64_t expected_first = 0;
  uint64_t end_offset = 0;  // of the segment read last
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string path = JoinPath(dir, segments[i].second);
    s = fs->ReadFile(path, &data);
    if (!s.ok()) return s;
    SegmentParser parser(path, data, i + 1 == segments.size(), summary);
    s = parser.CheckHeader(shard, segments[i].first, expected_first, previous);
    if (!s.ok()) return s;
    s = parser.Records(segments[i].first, visit);
    ++summary->segments;
    if (!s.ok()) return s;
    expected_first = std::max(summary->last_lsn, segments[i].first - 1) + 1;
    previous = path;
    end_offset = parser.end();
  }
  summary->end_file = previous;
  summary->end_offset = end_offset;
  return Status::OK();
}

}  // namespace warp
