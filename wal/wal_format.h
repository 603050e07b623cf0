// The on-disk format of the write-ahead log (docs/wal_format.md has the byte grammar, checksum
// coverage, a worked example, the torn-tail rule and the version history).
//
// A shard's WAL is a directory of segment files named by the LSN of their first record:
//   wal/<first_lsn as 20 decimal digits>.log          e.g. wal/00000000000000000017.log
//
// Segment file (all integers little-endian):
//   +-----------------------------+--------+--------+-----+--------+
//   | segment header (28 bytes)   | record | record | ... | record |
//   +-----------------------------+--------+--------+-----+--------+
//
// Segment header:
//   offset  0  magic           8 bytes  "WARPWAL1"
//   offset  8  format_version  u32      kFormatVersion
//   offset 12  shard           u32      the shard this log belongs to
//   offset 16  first_lsn       u64      equal to the LSN in the file name
//   offset 24  header_crc      u32      Mask(crc32c(bytes 0..23))
//
// Record (18-byte header + payload):
//   offset  0  masked_crc      u32      Mask(crc32c(bytes 8 .. 18+length-1)): type..payload
//   offset  4  length          u32      payload bytes
//   offset  8  type            u8       RecordType; bit 0x80 = skippable if unknown
//   offset  9  flags           u8       bit 0 = value LZ4-compressed; bit 1 = put has an
//                                        expiry; other bits must be 0
//   offset 10  lsn             u64      strictly increasing across the whole log
//   offset 18  payload         length bytes
//
// Payloads:
//   put     varint32 key_len, key, [fixed64 expire_at_unix_ms when flags bit 1 is set],
//           varint32 value_len (uncompressed), value bytes
//           (value bytes are an LZ4 block when flags bit 0 is set, else value_len raw bytes)
//   delete  varint32 key_len, key
//   expire  varint32 key_len, key, fixed64 expire_at_unix_ms (0 = persist): sets the expiry of
//           a key that exists (its value unchanged). Flags are exactly bit 1, so that builds
//           that predate expire records (type 3 was reserved and skipped) refuse the log.
//   batch_begin, batch_commit: reserved in version 1, not written yet; a reader hands their
//           payload over uninterpreted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace warp::wal {

inline constexpr char kSegmentMagic[8] = {'W', 'A', 'R', 'P', 'W', 'A', 'L', '1'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 28;
inline constexpr size_t kRecordHeaderSize = 18;
inline constexpr char kSegmentSuffix[] = ".log";
inline constexpr size_t kSegmentNameDigits = 20;

// Persisted record types: values are append-only, never reused.
enum class RecordType : uint8_t {
  kPut = 1,
  kDelete = 2,
  kExpire = 3,
  kBatchBegin = 4,
  kBatchCommit = 5,
};
// A type byte with this bit set may be skipped by a reader that does not know the type.
inline constexpr uint8_t kSkippableTypeBit = 0x80;

// Record flag bits: append-only. A reader refuses a record with a flag bit it does not know.
inline constexpr uint8_t kFlagLz4Value = 0x01;  // put: the value is an LZ4 block
inline constexpr uint8_t kFlagExpiry = 0x02;    // put, expire: a fixed64 expiry follows the key
inline constexpr uint8_t kKnownFlags = kFlagLz4Value | kFlagExpiry;

// "00000000000000000017.log"
std::string SegmentFileName(uint64_t first_lsn);
// Parses a name made by SegmentFileName(); false for anything else.
bool ParseSegmentFileName(std::string_view name, uint64_t* first_lsn);

// Appends a complete segment header to *dst.
void EncodeSegmentHeader(uint32_t shard, uint64_t first_lsn, std::string* dst);

// Appends a complete record (header, checksum, payload) to *dst. `type` is the raw type byte.
void EncodeRecord(uint8_t type, uint8_t flags, uint64_t lsn, std::string_view payload,
                  std::string* dst);

// Little-endian and varint helpers (leveldb's coding.h conventions).
void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);
// Reads a varint32 from the front of *in and removes it; false if malformed or truncated.
bool GetVarint32(std::string_view* in, uint32_t* v);
// Reads a varint32 length and that many bytes from the front of *in; false if truncated.
bool GetLengthPrefixed(std::string_view* in, std::string_view* out);

}  // namespace warp::wal
