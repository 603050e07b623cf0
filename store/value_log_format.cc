#include "store/value_log_format.h"

#include <cstdio>
#include <cstring>

#include "common/crc32c.h"
#include "wal/wal_format.h"

namespace warp::vlog {

namespace {

using wal::DecodeFixed32;
using wal::PutFixed32;

// The checksum of a record: its two length fields, then the key and the value.
uint32_t RecordCrc(const char* lengths, std::string_view key, std::string_view value) {
  uint32_t crc = crc32c::Value(lengths, kRecordHeaderSize - 4);
  crc = crc32c::Extend(crc, key.data(), key.size());
  return crc32c::Mask(crc32c::Extend(crc, value.data(), value.size()));
}

}  // namespace

std::string FileName(uint32_t file_id) {
  char name[32];
  std::snprintf(name, sizeof(name), "%08u%s", file_id, kFileSuffix);
  return name;
}

bool ParseFileName(std::string_view name, uint32_t* file_id) {
  const std::string_view suffix(kFileSuffix);
  if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
    return false;
  }
  std::string_view digits = name.substr(0, name.size() - suffix.size());
  if (digits.size() < kFileNameDigits) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > UINT32_MAX) return false;
  }
  // Exactly the name FileName() makes, so that two names never mean one id.
  if (FileName(static_cast<uint32_t>(v)) != name) return false;
  *file_id = static_cast<uint32_t>(v);
  return true;
}

void EncodeFileHeader(const FileHeader& header, std::string* dst) {
  size_t start = dst->size();
  dst->append(kMagic, sizeof(kMagic));
  PutFixed32(dst, header.format_version);
  PutFixed32(dst, header.shard);
  PutFixed32(dst, header.file_id);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, kFileHeaderSize - 4)));
}

Status DecodeFileHeader(std::string_view in, const std::string& path, FileHeader* header) {
  if (in.size() < kFileHeaderSize) {
    return CorruptionAt(path, 0,
                        "truncated file header (" + std::to_string(in.size()) +
                            " bytes, a header is " + std::to_string(kFileHeaderSize) + ")");
  }
  if (std::memcmp(in.data(), kMagic, sizeof(kMagic)) != 0) {
    return CorruptionAt(path, 0, "bad magic (not a WarpEngine value log)");
  }
  uint32_t stored = DecodeFixed32(in.data() + kFileHeaderSize - 4);
  if (crc32c::Unmask(stored) != crc32c::Value(in.data(), kFileHeaderSize - 4)) {
    return CorruptionAt(path, 0, "file header checksum mismatch");
  }
  header->format_version = DecodeFixed32(in.data() + kHeaderVersionOffset);
  header->shard = DecodeFixed32(in.data() + kHeaderShardOffset);
  header->file_id = DecodeFixed32(in.data() + kHeaderFileIdOffset);
  if (header->format_version > kFormatVersion || header->format_version == 0) {
    return CorruptionAt(path, kHeaderVersionOffset,
                        "unsupported format version " + std::to_string(header->format_version) +
                            " (this build reads version " + std::to_string(kFormatVersion) + ")");
  }
  return Status::OK();
}

void EncodeRecord(std::string_view key, std::string_view value, std::string* dst) {
  char header[kRecordHeaderSize];
  char* lengths = header + 4;
  for (int i = 0; i < 4; ++i) {
    lengths[i] = static_cast<char>(static_cast<uint32_t>(key.size()) >> (8 * i));
    lengths[4 + i] = static_cast<char>(static_cast<uint32_t>(value.size()) >> (8 * i));
  }
  uint32_t crc = RecordCrc(lengths, key, value);
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>(crc >> (8 * i));
  dst->append(header, sizeof(header));
  dst->append(key.data(), key.size());
  dst->append(value.data(), value.size());
}

Status DecodeRecordSize(std::string_view in, const std::string& path, uint64_t offset,
                        uint64_t* size) {
  if (in.size() < kRecordHeaderSize) {
    return CorruptionAt(path, offset,
                        "truncated record header (" + std::to_string(in.size()) +
                            " bytes, a record header is " + std::to_string(kRecordHeaderSize) +
                            ")");
  }
  *size = RecordSize(DecodeFixed32(in.data() + 4), DecodeFixed32(in.data() + 8));
  return Status::OK();
}

Status DecodeRecord(std::string_view in, const std::string& path, uint64_t offset, Record* record) {
  uint64_t size = 0;
  Status s = DecodeRecordSize(in, path, offset, &size);
  if (!s.ok()) return s;
  if (in.size() < size) {
    return CorruptionAt(path, offset,
                        "truncated record: its lengths claim " + std::to_string(size) + " bytes, " +
                            std::to_string(in.size()) + " are there");
  }
  uint32_t key_len = DecodeFixed32(in.data() + 4);
  std::string_view key = in.substr(kRecordHeaderSize, key_len);
  std::string_view value =
      in.substr(kRecordHeaderSize + key_len, size - kRecordHeaderSize - key_len);
  if (DecodeFixed32(in.data()) != RecordCrc(in.data() + 4, key, value)) {
    return CorruptionAt(path, offset, "record checksum mismatch");
  }
  record->key = key;
  record->value = value;
  return Status::OK();
}

Status CorruptionAt(const std::string& path, uint64_t offset, const std::string& what) {
  return Status::Corruption("value log corruption in " + path + " at offset " +
                            std::to_string(offset) + ": " + what);
}

}  // namespace warp::vlog
