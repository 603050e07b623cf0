// Helpers shared by the WAL tests: write a log of numbered records, read a log back.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "wal/file.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace warp::testing {

inline std::string KeyOf(uint64_t lsn) { return "key:" + std::to_string(lsn); }
inline std::string ValueOf(uint64_t lsn) {
  return "value-" + std::to_string(lsn) + std::string(lsn % 7, 'x');
}

// Writes puts with LSNs [first, first + n) (every 5th a delete), syncing at the end.
inline void WriteNumbered(WalWriter* writer, uint64_t first, uint64_t n) {
  for (uint64_t lsn = first; lsn < first + n; ++lsn) {
    if (lsn % 5 == 0) {
      REQUIRE(writer->AddDelete(lsn, KeyOf(lsn)).ok());
    } else {
      REQUIRE(writer->AddPut(lsn, KeyOf(lsn), ValueOf(lsn)).ok());
    }
    if (lsn % 3 == 0) REQUIRE(writer->Flush().ok());
  }
  REQUIRE(writer->Sync().ok());
}

// Opens a writer on `dir`, shard 3, writes n numbered records from LSN 1, closes it.
inline void WriteLog(FileSystem* fs, const std::string& dir, uint64_t n, uint64_t segment_bytes) {
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(fs, dir, 3, 1, segment_bytes, &writer).ok());
  WriteNumbered(writer.get(), 1, n);
  REQUIRE(writer->Close().ok());
}

// Reads the log of shard 3 into *records.
inline Status ReadLog(FileSystem* fs, const std::string& dir, std::vector<WalRecord>* records,
                      ReadSummary* summary) {
  records->clear();
  return ReadWal(
      fs, dir, 3,
      [records](const WalRecord& r) {
        records->push_back(r);
        return Status::OK();
      },
      summary);
}

// Checks that records are exactly the numbered records [1, n].
inline void CheckNumbered(const std::vector<WalRecord>& records, uint64_t n) {
  REQUIRE(records.size() == n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t lsn = i + 1;
    const WalRecord& r = records[i];
    REQUIRE(r.lsn == lsn);
    REQUIRE(r.key == KeyOf(lsn));
    if (lsn % 5 == 0) {
      REQUIRE(r.type == static_cast<uint8_t>(wal::RecordType::kDelete));
    } else {
      REQUIRE(r.type == static_cast<uint8_t>(wal::RecordType::kPut));
      REQUIRE(r.value == ValueOf(lsn));
    }
  }
}

// Segment file paths of `dir`, sorted by first LSN.
inline std::vector<std::string> SegmentPaths(FileSystem* fs, const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> segments;
  REQUIRE(ListWalSegments(fs, dir, &segments).ok());
  std::vector<std::string> paths;
  for (auto& s : segments) paths.push_back(JoinPath(dir, s.second));
  return paths;
}

// Offsets of every record in a segment file (parsed by length fields alone).
inline std::vector<size_t> RecordOffsets(const std::string& file) {
  std::vector<size_t> offsets;
  size_t p = wal::kSegmentHeaderSize;
  while (p + wal::kRecordHeaderSize <= file.size()) {
    offsets.push_back(p);
    p += wal::kRecordHeaderSize + wal::DecodeFixed32(file.data() + p + 4);
  }
  return offsets;
}

}  // namespace warp::testing
