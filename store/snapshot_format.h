// The on-disk format of a shard snapshot (checkpoint): every key of one shard's table as of one
// LSN. docs/snapshot_format.md has the byte grammar, checksum coverage, a worked example, the
// truncation rule and the version history; store/snapshot.h writes and reads it.
//
// A shard's snapshots live in spacetime/shard-NN/snapshots/ (names: store/filename.h):
//   snapshot-<lsn as 20 decimal digits>.snap    e.g. snapshot-00000000000000000042.snap
// The snapshot at LSN L holds exactly the writes with LSN <= L: each live key once, with its
// value and the LSN of the write that produced it (its version). Key order is unspecified.
//
// Snapshot file (all integers little-endian):
//   +--------------------+-------+-------+-----+-------+--------------------+
//   | header (36 bytes)  | block | block | ... | block | footer (40 bytes)  |
//   +--------------------+-------+-------+-----+-------+--------------------+
// A snapshot of an empty table has no blocks.
//
// Header:
//   offset  0  magic            8 bytes  "WARPSNP1"
//   offset  8  format_version   u32      kFormatVersion
//   offset 12  shard            u32      the shard the snapshot belongs to
//   offset 16  lsn              u64      the cut; equal to the LSN in the file name
//   offset 24  created_unix_ms  u64      when the writer started, ms since 1970-01-01 UTC
//   offset 32  header_crc       u32      Mask(crc32c(bytes 0..31))
//
// Block (17-byte header + stored bytes), raw size about kBlockTargetBytes (one entry larger
// than that makes a block of its own size):
//   offset  0  masked_crc       u32      Mask(crc32c(bytes 4..16, then the stored bytes))
//   offset  4  raw_len          u32      bytes of entries once decompressed (>= 1)
//   offset  8  stored_len       u32      bytes that follow this header
//   offset 12  entries          u32      entries in the block (>= 1)
//   offset 16  flags            u8       bit 0: stored bytes are one LZ4 block (liblz4
//                                        LZ4_compress_default) expanding to raw_len bytes;
//                                        clear: stored bytes are the raw_len raw bytes.
//                                        bit 1: every entry carries an expiry (below).
//                                        Other bits must be 0.
//   offset 17  stored bytes     stored_len bytes
//
// Entry (inside a decompressed block; entries are packed, the last one ends at raw_len):
//   varint32 key_len, key bytes, varint32 value_len, value bytes, u64 version (<= header lsn),
//   and in a block with flags bit 1: u64 expire_at_ms (Unix ms; 0 = never)
// The writer sets bit 1 on every block; blocks without it (older files) have no expiry.
//
// Footer (the last 40 bytes of the file):
//   offset  0  entries          u64      entries in all blocks
//   offset  8  logical_bytes    u64      sum of key and value sizes of all entries
//   offset 16  lsn              u64      equal to the header's lsn
//   offset 24  blocks           u32      number of blocks
//   offset 28  footer_crc       u32      Mask(crc32c(footer bytes 0..27))
//   offset 32  end_magic        8 bytes  "WARPSNPE"
// A file that does not end in a valid footer is truncated or unfinished and is refused whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace warp::snapshot {

inline constexpr char kMagic[8] = {'W', 'A', 'R', 'P', 'S', 'N', 'P', '1'};
inline constexpr char kEndMagic[8] = {'W', 'A', 'R', 'P', 'S', 'N', 'P', 'E'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 36;
inline constexpr size_t kBlockHeaderSize = 17;
inline constexpr size_t kFooterSize = 40;
// Byte offsets of header fields that error messages name.
inline constexpr size_t kHeaderVersionOffset = 8;
inline constexpr size_t kHeaderShardOffset = 12;
inline constexpr size_t kHeaderLsnOffset = 16;
// A block is written once its raw entries reach this many bytes.
inline constexpr size_t kBlockTargetBytes = 64 * 1024;

// Persisted block flag bits: append-only. A reader refuses a block with a bit it does not know.
inline constexpr uint8_t kBlockFlagLz4 = 0x01;
inline constexpr uint8_t kBlockFlagExpiry = 0x02;  // entries carry expire_at_ms
inline constexpr uint8_t kKnownBlockFlags = kBlockFlagLz4 | kBlockFlagExpiry;

struct Header {
  uint32_t format_version = kFormatVersion;
  uint32_t shard = 0;
  uint64_t lsn = 0;
  uint64_t created_unix_ms = 0;
};

struct BlockHeader {
  uint32_t raw_len = 0;
  uint32_t stored_len = 0;
  uint32_t entries = 0;
  uint8_t flags = 0;
};

struct Footer {
  uint64_t entries = 0;
  uint64_t logical_bytes = 0;
  uint64_t lsn = 0;
  uint32_t blocks = 0;
};

// Appends the 36-byte header (with its checksum) to *dst.
void EncodeHeader(const Header& header, std::string* dst);
// Reads the fields of a header at the front of `in` without checking anything.
// REQUIRES: in.size() >= kHeaderSize.
Header DecodeHeader(std::string_view in);
// True if the stored header checksum matches. REQUIRES: in.size() >= kHeaderSize.
bool HeaderCrcOk(std::string_view in);

// Fills the 17-byte block header at `out` for `stored` bytes (h.stored_len is ignored: it is
// stored.size()).
void EncodeBlockHeader(const BlockHeader& h, std::string_view stored, char* out);
// Reads a block header without checking it. REQUIRES: kBlockHeaderSize readable bytes at p.
BlockHeader DecodeBlockHeader(const char* p);
// True if the block checksum at p matches p's header fields and `stored`.
bool BlockCrcOk(const char* p, std::string_view stored);

// Appends the 40-byte footer (with checksum and end magic) to *dst.
void EncodeFooter(const Footer& footer, std::string* dst);
// Reads a footer's fields without checking. REQUIRES: in.size() >= kFooterSize.
Footer DecodeFooter(std::string_view in);
// True if the footer checksum matches. REQUIRES: in.size() >= kFooterSize.
bool FooterCrcOk(std::string_view in);

// One entry; key and value point into someone else's buffer.
struct Entry {
  std::string_view key;
  std::string_view value;
  uint64_t version = 0;
  int64_t expire_at_ms = 0;  // Unix ms; 0 = never
};

// Appends one entry to *dst in the layout of a block with `block_flags` (with kBlockFlagExpiry,
// its expiry too; without, the expiry is not stored). REQUIRES: key and value shorter than
// 4 GiB.
void AppendEntry(const Entry& entry, uint8_t block_flags, std::string* dst);
// Reads one entry of a block with `block_flags` from the front of *in and removes it; false if
// it is malformed or cut short. key and value point into *in's buffer (no copy).
bool GetEntry(std::string_view* in, uint8_t block_flags, Entry* entry);

}  // namespace warp::snapshot
