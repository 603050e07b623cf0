// The on-disk format of the value log of the cold tier (docs/value_log_format.md has the byte
// grammar, checksum coverage, a worked example, the torn-tail rule and the version history;
// store/value_log.h writes and reads it).
//
// A shard's value log is a directory of files named by their file id, in 8 decimal digits at
// least (so names sort in id order):
//   spacetime/shard-NN/cold/<file id>.vlog          e.g. cold/00000007.vlog
// The log is not a source of truth (every value in it is also in the WAL and the snapshots),
// so a process deletes the files of earlier runs when it opens the log: this format is read
// back only by the process that wrote it, and by `warp value-log dump`.
//
// File (all integers little-endian):
//   +---------------------------+--------+--------+-----+--------+
//   | file header (24 bytes)    | record | record | ... | record |
//   +---------------------------+--------+--------+-----+--------+
//
// File header:
//   offset  0  magic           8 bytes  "WARPVLG1"
//   offset  8  format_version  u32      kFormatVersion
//   offset 12  shard           u32      the shard this log belongs to
//   offset 16  file_id         u32      equal to the id in the file name
//   offset 20  header_crc      u32      Mask(crc32c(bytes 0..19))
//
// Record (12-byte header + key + value):
//   offset  0  masked_crc      u32      Mask(crc32c(bytes 4 .. 12+key_len+value_len-1)):
//                                        the lengths, the key and the value
//   offset  4  key_len         u32
//   offset  8  value_len       u32
//   offset 12  key             key_len bytes
//   offset 12+key_len  value   value_len bytes
// A ValuePointer names one record: its file, the offset of its first byte and its total size
// (12 + key_len + value_len), so a read is one pread of exactly `size` bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "warp/status.h"

namespace warp {

// Where a value lives in a shard's value log: one record. Kept in memory by the table (a cold
// record's payload, store/tiers.h); never persisted.
struct ValuePointer {
  uint32_t file_id = 0;
  uint64_t offset = 0;  // of the record's first byte in the file
  uint32_t size = 0;    // of the whole record: header, key and value
};

inline bool operator==(const ValuePointer& a, const ValuePointer& b) {
  return a.file_id == b.file_id && a.offset == b.offset && a.size == b.size;
}
inline bool operator!=(const ValuePointer& a, const ValuePointer& b) { return !(a == b); }

namespace vlog {

inline constexpr char kMagic[8] = {'W', 'A', 'R', 'P', 'V', 'L', 'G', '1'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kFileHeaderSize = 24;
inline constexpr size_t kRecordHeaderSize = 12;
// A record's size is a u32 (ValuePointer::size): key and value together stay below 4 GiB.
inline constexpr uint64_t kMaxRecordSize = UINT32_MAX;
inline constexpr char kFileSuffix[] = ".vlog";
inline constexpr size_t kFileNameDigits = 8;
// Byte offsets of header fields that error messages name.
inline constexpr size_t kHeaderVersionOffset = 8;
inline constexpr size_t kHeaderShardOffset = 12;
inline constexpr size_t kHeaderFileIdOffset = 16;

struct FileHeader {
  uint32_t format_version = kFormatVersion;
  uint32_t shard = 0;
  uint32_t file_id = 0;
};

// One record; key and value point into someone else's buffer.
struct Record {
  std::string_view key;
  std::string_view value;
};

// "00000007.vlog" (more digits for ids of 100000000 and above).
std::string FileName(uint32_t file_id);
// Parses a name made by FileName(); false for anything else (README.txt, *.tmp, ...).
bool ParseFileName(std::string_view name, uint32_t* file_id);

// Appends the 24-byte file header (with its checksum) to *dst.
void EncodeFileHeader(const FileHeader& header, std::string* dst);
// Checks and reads the header at the front of `in` (which may hold more bytes). Corruption
// naming `path` and the offset of the field at fault: fewer than 24 bytes, a wrong magic, a
// header checksum mismatch, or a format version newer than this build's.
Status DecodeFileHeader(std::string_view in, const std::string& path, FileHeader* header);

// Bytes of the record holding a key and a value of these sizes.
inline uint64_t RecordSize(uint64_t key_len, uint64_t value_len) {
  return kRecordHeaderSize + key_len + value_len;
}
// Appends one record (header with checksum, key, value) to *dst.
// REQUIRES: RecordSize(key.size(), value.size()) <= kMaxRecordSize.
void EncodeRecord(std::string_view key, std::string_view value, std::string* dst);

// Reads the size of the record starting at the front of `in` from its length fields, without
// checking the checksum (which needs the whole record). Corruption naming `path` and `offset`
// (the record's offset in the file) if `in` holds fewer than 12 bytes.
Status DecodeRecordSize(std::string_view in, const std::string& path, uint64_t offset,
                        uint64_t* size);
// Checks and reads the record at the front of `in`. Corruption naming `path` and `offset` if
// `in` is shorter than the record its lengths claim, or the checksum does not match. The
// record may be followed by more bytes in `in`. *record points into `in` (no copy).
Status DecodeRecord(std::string_view in, const std::string& path, uint64_t offset, Record* record);

// Corruption "value log corruption in <path> at offset <offset>: <what>", the form of every
// error about the bytes of a value-log file.
Status CorruptionAt(const std::string& path, uint64_t offset, const std::string& what);

}  // namespace vlog
}  // namespace warp
