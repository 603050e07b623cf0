// ReadWal: replays one shard's write-ahead log (format: wal/wal_format.h), every segment of the
// directory in LSN order, handing each record to a visitor.
//
// How a segment ends (docs/wal_format.md, "The torn-tail rule"). Only the LAST segment can be
// cut short by a crash, so only there are these a normal end; ReadWal returns OK and reports
// them in ReadSummary:
//   - preallocated space: from a record boundary (or offset 0) to the end of the file every
//     byte is zero, because the writer extends segments with zeros up front. Not a tear:
//     zero_tail_bytes counts the zeros, end_offset is where they begin.
//   - a torn tail: at a record boundary, a bad record (fewer than 18 bytes, a length past the
//     end of the file, a checksum mismatch) or an unreadable segment header (shorter than 28
//     bytes, bad magic or header checksum) containing nonzero bytes, with no valid record at
//     any later offset of the file (zeros may follow). torn_tail, torn_file, torn_offset.
//   - an empty file (created, nothing written yet).
// In every case end_file/end_offset name the last segment and the offset where its valid data
// ends: the caller truncates the file there before appending to the log again.
//
// Everything else is Corruption naming the file and byte offset, e.g.
//   "wal corruption in D/wal/00000000000000000017.log at offset 4096: checksum mismatch; valid
//    records follow, refusing to skip them"
// namely: a bad record (zeros included) followed by any valid record in the same segment, a
// bad record, trailing zeros or an unreadable header in a segment that is not the last, a
// missing segment (the first LSN of a segment, or the name of a last segment whose header is
// unreadable, is not the last LSN of the previous one + 1), a non-increasing LSN, a bad segment
// header followed by valid records, a checksummed header that is wrong (newer version, other
// shard, LSN not matching the file name), a record type this build does not know and that
// lacks the skippable bit (records with it are skipped and counted), an unknown flag bit, or a
// payload that does not decode. The reader then also fills corrupt_file and corrupt_offset, the
// point up to which the log is valid (what `warp repair` truncates to).
//
// Records are handed over as they are read, so the visitor may have seen records before a
// Corruption is found later; the caller refuses to open in that case.
// Thread-safety: no shared state; the directory must not be written while it is read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "wal/file.h"
#include "warp/status.h"

namespace warp {

struct WalRecord {
  uint8_t type = 0;  // a wal::RecordType value
  uint64_t lsn = 0;
  std::string key;    // put, delete, expire
  std::string value;  // put: the value, decompressed; reserved types: their raw payload
  // put: the key's expiry, Unix ms (0 = none); expire: the new expiry (0 = persist).
  int64_t expire_at_ms = 0;
};

struct ReadSummary {
  uint64_t last_lsn = 0;  // LSN of the last valid record (0 if none)
  uint64_t records = 0;   // records handed to the visitor
  uint64_t skipped = 0;   // records of unknown skippable types
  uint64_t bytes = 0;     // bytes of valid log read (headers and records; no tear, no zeros)
  uint32_t segments = 0;  // segment files read

  // Where the log ends; set when ReadWal returns OK ("" and 0 otherwise, or with no segment).
  // end_file is the last segment; bytes [0, end_offset) of it are valid, what follows is a torn
  // tail or preallocated zeros. end_offset == the file size when it ends cleanly; 0 when even
  // the segment header is missing, torn or zero (the file holds no data).
  std::string end_file;
  uint64_t end_offset = 0;

  // Preallocated space: the last segment ends in this many zero bytes, from end_offset to the
  // end of the file. A clean end, not a tear (torn_tail stays false). 0 otherwise.
  uint64_t zero_tail_bytes = 0;

  // A torn tail: the last segment ends in a bad record or header (nonzero bytes; see the
  // header comment). torn_file == end_file and torn_offset == end_offset, where the torn bytes
  // begin.
  bool torn_tail = false;
  uint64_t torn_offset = 0;
  std::string torn_file;

  // Set only when the reader itself returns Corruption (not for I/O errors or an error of the
  // visitor): the log is valid up to byte corrupt_offset of corrupt_file, i.e. every earlier
  // segment in full and [0, corrupt_offset) of this one; corrupt_offset is the end of the last
  // good record (or 28, after the header, if there is none), where the damage starts. It is 0
  // when the segment header itself is unusable or the segment does not continue the previous
  // one (a missing segment): then none of corrupt_file can be used. The error message may name
  // a more precise offset inside a bad header (e.g. 12 for the shard field).
  std::string corrupt_file;
  uint64_t corrupt_offset = 0;
};

// Called once per record, in LSN order. A non-OK result stops the replay and is returned.
using WalVisitor = std::function<Status(const WalRecord&)>;

// The segments of `dir` as (first LSN, file name), sorted by first LSN. A missing directory
// has none (OK); names that are not segment names are left out.
Status ListWalSegments(FileSystem* fs, const std::string& dir,
                       std::vector<std::pair<uint64_t, std::string>>* segments);

// Replays every segment of `dir` (a missing or empty directory is an empty log: OK, nothing
// read). Files whose names are not segment names are ignored. *summary is filled in also when
// an error is returned (what was read before it).
Status ReadWal(FileSystem* fs, const std::string& dir, uint32_t shard, const WalVisitor& visit,
               ReadSummary* summary);

}  // namespace warp
