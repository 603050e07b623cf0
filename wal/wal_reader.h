// ReadWal: replays one shard's write-ahead log (format: wal/wal_format.h), every segment of the
// directory in LSN order, handing each record to a visitor.
//
// The torn-tail rule (docs/wal_format.md): a crash can only tear the end of the LAST segment.
// So a bad record there (short header, length past the end of the file, zero-filled bytes, or
// a checksum mismatch) with no valid record anywhere after it ends replay cleanly: ReadWal
// returns OK and reports the tear in ReadSummary (torn_tail, torn_file, torn_offset, the byte
// offset where the bad bytes begin, which is where the caller may truncate the file).
// Everything else is Corruption naming the file and byte offset, e.g.
//   "wal corruption in D/wal/00000000000000000017.log at offset 4096: checksum mismatch; valid
//    records follow, refusing to skip them"
// namely: a bad record followed by any valid record in the same segment, a bad record in a
// segment that is not the last, a missing segment (the first LSN of a segment is not the last
// LSN of the previous one + 1), a non-increasing LSN, a bad segment header (magic, checksum,
// newer version, other shard, LSN not matching the file name), a record type this build does
// not know and that lacks the skippable bit (records with it are skipped and counted), an
// unknown flag bit, or a payload that does not decode.
//
// Records are handed over as they are read, so the visitor may have seen records before a
// Corruption is found later; the caller refuses to open in that case.
// Thread-safety: no shared state; the directory must not be written while it is read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "wal/file.h"
#include "warp/status.h"

namespace warp {

struct WalRecord {
  uint8_t type = 0;  // a wal::RecordType value
  uint64_t lsn = 0;
  std::string key;    // put, delete
  std::string value;  // put: the value, decompressed; reserved types: their raw payload
};

struct ReadSummary {
  uint64_t last_lsn = 0;     // LSN of the last valid record (0 if none)
  uint64_t records = 0;      // records handed to the visitor
  uint64_t skipped = 0;      // records of unknown skippable types
  uint64_t bytes = 0;        // bytes of valid log read (headers and records, not the torn tail)
  uint32_t segments = 0;     // segment files read
  bool torn_tail = false;    // the last segment ends in a torn record (or a torn header)
  uint64_t torn_offset = 0;  // where the torn bytes begin in torn_file
  std::string torn_file;     // path of the torn segment
};

// Called once per record, in LSN order. A non-OK result stops the replay and is returned.
using WalVisitor = std::function<Status(const WalRecord&)>;

// Replays every segment of `dir` (a missing or empty directory is an empty log: OK, nothing
// read). Files whose names are not segment names are ignored. *summary is filled in also when
// an error is returned (what was read before it).
Status ReadWal(FileSystem* fs, const std::string& dir, uint32_t shard, const WalVisitor& visit,
               ReadSummary* summary);

}  // namespace warp
