// Damaged logs through ReadWal: bit flips, cut segments, lost segments and zero-filled space,
// each classified as a clean end (preallocated zeros), a torn tail of the last segment, or
// Corruption naming the file and the offset up to which the log is valid (corrupt_offset,
// what `warp repair` truncates to).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "tests/support/temp_dir.h"
#include "tests/wal/wal_test_util.h"
#include "wal/wal_reader.h"

namespace warp {

using testing::CheckNumbered;
using testing::ReadFileOrEmpty;
using testing::ReadLog;
using testing::RecordOffsets;
using testing::SegmentPaths;
using testing::TempDir;
using testing::WriteFileOrDie;
using testing::WriteLog;

namespace {

FileSystem* fs() { return DefaultFileSystem(); }

void FlipBit(const std::string& path, size_t offset, int bit) {
  std::string file = ReadFileOrEmpty(path);
  REQUIRE(offset < file.size());
  file[offset] = static_cast<char>(file[offset] ^ (1 << bit));
  WriteFileOrDie(path, file);
}

void CutTo(const std::string& path, size_t size) { REQUIRE(fs()->Truncate(path, size).ok()); }

std::string Prefix(const std::string& path) { return "wal corruption in " + path + " at offset "; }

// The outcome of reading the log of shard 3 in `dir`.
struct Read {
  Status status;
  std::vector<WalRecord> records;
  ReadSummary summary;
};

Read ReadAll(const std::string& dir) {
  Read r;
  r.status = ReadLog(fs(), dir, &r.records, &r.summary);
  return r;
}

// A log of 200 numbered records in several 1 KiB segments; returns the segment paths.
std::vector<std::string> ThreeOrMoreSegments(const std::string& dir) {
  WriteLog(fs(), dir, 200, 1024);
  std::vector<std::string> paths = SegmentPaths(fs(), dir);
  REQUIRE(paths.size() >= 3);
  return paths;
}

// Records in the segments before paths[i].
uint64_t RecordsBefore(const std::vector<std::string>& paths, size_t i) {
  uint64_t n = 0;
  for (size_t j = 0; j < i; ++j) n += RecordOffsets(ReadFileOrEmpty(paths[j])).size();
  return n;
}

}  // namespace

TEST_CASE("a bit flip in any byte of a middle record's header is corruption at that record") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string original = ReadFileOrEmpty(path);
  size_t bad = RecordOffsets(original)[7];
  for (size_t i = 0; i < wal::kRecordHeaderSize; ++i) {
    WriteFileOrDie(path, original);
    FlipBit(path, bad + i, static_cast<int>(i % 8));
    Read r = ReadAll(dir);
    INFO("header byte " << i);
    REQUIRE(r.status.IsCorruption());
    CHECK(r.status.message().rfind(Prefix(path) + std::to_string(bad) + ": ", 0) == 0);
    CHECK(r.status.message().find("valid records follow, refusing to skip them") !=
          std::string::npos);
    CHECK(r.records.size() == 7);
    CHECK(r.summary.corrupt_file == path);
    CHECK(r.summary.corrupt_offset == bad);
    CHECK(r.summary.end_file.empty());
  }
}

TEST_CASE("a bit flip in a middle record's payload is corruption at the start of that record") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  size_t bad = RecordOffsets(ReadFileOrEmpty(path))[12];
  FlipBit(path, bad + wal::kRecordHeaderSize + 3, 5);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(path) + std::to_string(bad) +
                                  ": checksum mismatch; valid records follow, refusing to skip "
                                  "them");
  CHECK(r.summary.corrupt_offset == bad);
  CHECK(r.summary.last_lsn == 12);
}

TEST_CASE("a bit flip in the last record's header of the last segment is a torn tail") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  size_t last = RecordOffsets(ReadFileOrEmpty(path)).back();
  FlipBit(path, last + 11, 0);  // the LSN field
  Read r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CheckNumbered(r.records, 19);
  CHECK(r.summary.torn_tail);
  CHECK(r.summary.torn_file == path);
  CHECK(r.summary.torn_offset == last);
  CHECK(r.summary.end_file == path);
  CHECK(r.summary.end_offset == last);
  CHECK(r.summary.zero_tail_bytes == 0);
}

TEST_CASE("a bit flip in the last record of a segment that is not the last is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string file = ReadFileOrEmpty(paths[1]);
  size_t last = RecordOffsets(file).back();
  FlipBit(paths[1], file.size() - 1, 2);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(paths[1]) + std::to_string(last) +
                                  ": checksum mismatch in a segment that is not the last one");
  CHECK(r.summary.corrupt_file == paths[1]);
  CHECK(r.summary.corrupt_offset == last);
  CHECK(r.records.size() == RecordsBefore(paths, 1) + RecordOffsets(file).size() - 1);
}

TEST_CASE("a bit flip in the header of a segment that is not the last is corruption at 0") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  for (size_t byte : {0, 9, 13, 20, 26}) {
    std::string original = ReadFileOrEmpty(paths[1]);
    FlipBit(paths[1], byte, 3);
    Read r = ReadAll(dir);
    INFO("header byte " << byte);
    REQUIRE(r.status.IsCorruption());
    CHECK(r.status.message() == Prefix(paths[1]) + "0: " +
                                    (byte < 8 ? "bad magic (not a WarpEngine WAL segment)"
                                              : "segment header checksum mismatch"));
    CHECK(r.summary.corrupt_file == paths[1]);
    CHECK(r.summary.corrupt_offset == 0);
    CHECK(r.records.size() == RecordsBefore(paths, 1));
    WriteFileOrDie(paths[1], original);
  }
}

TEST_CASE("a bit flip in the header of the last segment is corruption when records follow") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  FlipBit(paths.back(), 17, 6);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(paths.back()) + "0: segment header checksum mismatch");
  CHECK(r.summary.corrupt_file == paths.back());
  CHECK(r.summary.corrupt_offset == 0);
  CHECK(r.records.size() == RecordsBefore(paths, paths.size() - 1));
}

TEST_CASE("a bit flip in the header of a last segment that holds no record is a torn tail") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 10, 1 << 20);
  std::string second = dir + "/" + wal::SegmentFileName(11);
  std::string header;
  wal::EncodeSegmentHeader(3, 11, &header);
  header[20] ^= 0x01;
  WriteFileOrDie(second, header);
  Read r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CheckNumbered(r.records, 10);
  CHECK(r.summary.torn_tail);
  CHECK(r.summary.torn_file == second);
  CHECK(r.summary.torn_offset == 0);
  CHECK(r.summary.end_offset == 0);
}

TEST_CASE("a last segment cut at every offset of its header is a torn tail at offset 0") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string original = ReadFileOrEmpty(paths.back());
  uint64_t before = RecordsBefore(paths, paths.size() - 1);
  for (size_t cut = 0; cut < wal::kSegmentHeaderSize; ++cut) {
    WriteFileOrDie(paths.back(), original.substr(0, cut));
    Read r = ReadAll(dir);
    INFO("cut at " << cut);
    REQUIRE(r.status.ok());
    CheckNumbered(r.records, before);
    CHECK(r.summary.torn_tail == (cut > 0));  // an empty file is simply empty
    CHECK(r.summary.end_file == paths.back());
    CHECK(r.summary.end_offset == 0);
    if (cut > 0) CHECK(r.summary.torn_offset == 0);
  }
}

TEST_CASE("a last segment cut inside a record is a torn tail at that record") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string original = ReadFileOrEmpty(paths.back());
  auto offsets = RecordOffsets(original);
  REQUIRE(offsets.size() >= 3);
  size_t record = offsets[offsets.size() - 2];
  uint64_t kept = RecordsBefore(paths, paths.size() - 1) + offsets.size() - 2;
  for (size_t cut : {record + 1, record + 17, record + wal::kRecordHeaderSize,
                     record + wal::kRecordHeaderSize + 4, offsets.back() - 1}) {
    WriteFileOrDie(paths.back(), original.substr(0, cut));
    Read r = ReadAll(dir);
    INFO("cut at " << cut);
    REQUIRE(r.status.ok());
    CheckNumbered(r.records, kept);
    CHECK(r.summary.torn_tail);
    CHECK(r.summary.torn_file == paths.back());
    CHECK(r.summary.torn_offset == record);
    CHECK(r.summary.end_offset == record);
  }
}

TEST_CASE("a segment that is not the last cut mid-header is corruption naming file and offset") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  CutTo(paths[1], 13);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(paths[1]) + "0: truncated segment header (13 bytes)");
  CHECK(r.summary.corrupt_file == paths[1]);
  CHECK(r.summary.corrupt_offset == 0);
}

TEST_CASE("a segment that is not the last cut mid-payload is corruption naming file and offset") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string file = ReadFileOrEmpty(paths[0]);
  auto offsets = RecordOffsets(file);
  size_t record = offsets[offsets.size() - 2];
  size_t cut = record + wal::kRecordHeaderSize + 3;
  CutTo(paths[0], cut);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  uint32_t length = wal::DecodeFixed32(file.data() + record + 4);
  CHECK(r.status.message() == Prefix(paths[0]) + std::to_string(record) + ": record length " +
                                  std::to_string(length) +
                                  " exceeds the 3 bytes left in a segment that is not the last "
                                  "one");
  CHECK(r.summary.corrupt_file == paths[0]);
  CHECK(r.summary.corrupt_offset == record);
  CheckNumbered(r.records, offsets.size() - 2);
}

TEST_CASE("a missing middle segment is corruption at offset 0 of the segment after the gap") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  REQUIRE(fs()->RemoveFile(paths[1]).ok());
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message().rfind(Prefix(paths[2]) + "0: missing segment: expected first LSN ", 0) ==
        0);
  CHECK(r.summary.corrupt_file == paths[2]);
  CHECK(r.summary.corrupt_offset == 0);
  CHECK(r.records.size() == RecordsBefore(paths, 1));
}

TEST_CASE("a last segment with a torn header that does not continue the log is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 10, 1 << 20);
  std::string far = dir + "/" + wal::SegmentFileName(50);
  WriteFileOrDie(far, std::string(4096, '\0'));
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(far) + "0: missing segment: expected first LSN 11 after " +
                                  SegmentPaths(fs(), dir)[0] +
                                  ", found 50 (from the file name; segment header is all "
                                  "zeros (never written))");
  CHECK(r.summary.corrupt_file == far);
  CHECK(r.summary.corrupt_offset == 0);
}

TEST_CASE("zero bytes after the last record of the last segment are preallocated space") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string original = ReadFileOrEmpty(paths.back());
  for (size_t zeros : {1, 17, 18, 19, 4096, 1 << 20}) {
    WriteFileOrDie(paths.back(), original + std::string(zeros, '\0'));
    Read r = ReadAll(dir);
    INFO(zeros << " zeros");
    REQUIRE(r.status.ok());
    CheckNumbered(r.records, 200);
    CHECK_FALSE(r.summary.torn_tail);
    CHECK(r.summary.zero_tail_bytes == zeros);
    CHECK(r.summary.end_file == paths.back());
    CHECK(r.summary.end_offset == original.size());
  }
}

TEST_CASE("a cleanly ending log reports its end and no zero tail") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  Read r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CHECK(r.summary.end_file == paths.back());
  CHECK(r.summary.end_offset == ReadFileOrEmpty(paths.back()).size());
  CHECK(r.summary.zero_tail_bytes == 0);
  CHECK_FALSE(r.summary.torn_tail);
  CHECK(r.summary.corrupt_file.empty());
}

TEST_CASE("a last segment of zeros only (crash right after creating it) is an empty end") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 10, 1 << 20);
  std::string second = dir + "/" + wal::SegmentFileName(11);
  for (size_t size : {size_t{0}, size_t{5}, wal::kSegmentHeaderSize, size_t{1} << 16}) {
    WriteFileOrDie(second, std::string(size, '\0'));
    Read r = ReadAll(dir);
    INFO(size << " bytes");
    REQUIRE(r.status.ok());
    CheckNumbered(r.records, 10);
    CHECK_FALSE(r.summary.torn_tail);
    CHECK(r.summary.zero_tail_bytes == size);
    CHECK(r.summary.end_file == second);
    CHECK(r.summary.end_offset == 0);
    CHECK(r.summary.segments == 2);
  }
}

TEST_CASE("a partly written header followed by zeros is a torn tail at offset 0") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 10, 1 << 20);
  std::string second = dir + "/" + wal::SegmentFileName(11);
  std::string header;
  wal::EncodeSegmentHeader(3, 11, &header);
  WriteFileOrDie(second, header.substr(0, 13) + std::string(8192, '\0'));
  Read r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CheckNumbered(r.records, 10);
  CHECK(r.summary.torn_tail);
  CHECK(r.summary.torn_file == second);
  CHECK(r.summary.torn_offset == 0);
  CHECK(r.summary.end_offset == 0);
  CHECK(r.summary.zero_tail_bytes == 0);
}

TEST_CASE("a partly written record followed by zeros is a torn tail, not preallocated space") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string file = ReadFileOrEmpty(path);
  size_t last = RecordOffsets(file).back();
  // The first bytes of the last record reached the disk, the rest of its page did not.
  std::string torn = file.substr(0, last + 10) + std::string(1 << 16, '\0');
  WriteFileOrDie(path, torn);
  Read r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CheckNumbered(r.records, 19);
  CHECK(r.summary.torn_tail);
  CHECK(r.summary.torn_offset == last);
  CHECK(r.summary.end_offset == last);
  CHECK(r.summary.zero_tail_bytes == 0);
}

TEST_CASE("zeros in the middle of a segment followed by valid records are corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string file = ReadFileOrEmpty(path);
  auto offsets = RecordOffsets(file);
  // Records 6 and 7 read back as zeros (a lost block), records 8.. are intact.
  std::fill(file.begin() + offsets[5], file.begin() + offsets[7], '\0');
  WriteFileOrDie(path, file);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message().rfind(Prefix(path) + std::to_string(offsets[5]) + ": ", 0) == 0);
  CHECK(r.status.message().find("valid records follow") != std::string::npos);
  CHECK(r.summary.corrupt_offset == offsets[5]);
  CheckNumbered(r.records, 5);
}

TEST_CASE("zeros after the last record of a segment that is not the last are corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string file = ReadFileOrEmpty(paths[0]);
  WriteFileOrDie(paths[0], file + std::string(4096, '\0'));
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(paths[0]) + std::to_string(file.size()) +
                                  ": 4096 zero bytes after the last record in a segment that "
                                  "is not the last one (preallocated space the writer did not "
                                  "cut)");
  CHECK(r.summary.corrupt_file == paths[0]);
  CHECK(r.summary.corrupt_offset == file.size());
}

TEST_CASE("a zero header in a segment that is not the last is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  auto paths = ThreeOrMoreSegments(dir);
  std::string file = ReadFileOrEmpty(paths[1]);
  std::fill(file.begin(), file.begin() + wal::kSegmentHeaderSize, '\0');
  WriteFileOrDie(paths[1], file);
  Read r = ReadAll(dir);
  REQUIRE(r.status.IsCorruption());
  CHECK(r.status.message() == Prefix(paths[1]) + "0: segment header is all zeros (never written)");
  CHECK(r.summary.corrupt_offset == 0);
}

TEST_CASE("a segment the writer preallocated and never closed ends in preallocated space") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WalWriterOptions options;
  options.segment_bytes = 1 << 20;
  options.preallocate = true;
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(fs(), dir, 3, 1, options, &writer).ok());
  testing::WriteNumbered(writer.get(), 1, 30);
  std::string path = writer->segment_path();
  writer.reset();  // a crash: the file keeps its preallocated length
  std::string file = ReadFileOrEmpty(path);
  Read r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CheckNumbered(r.records, 30);
  CHECK_FALSE(r.summary.torn_tail);
  CHECK(r.summary.end_file == path);
  CHECK(r.summary.zero_tail_bytes >= 1 << 20);
  CHECK(r.summary.end_offset + r.summary.zero_tail_bytes == file.size());
}

TEST_CASE("truncating at corrupt_offset and dropping later segments leaves a readable log") {
  // What `warp repair` does, for single bit flips anywhere in a multi-segment log: the records
  // read before the corruption are exactly the records of the repaired log.
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::mt19937 random(20261124);
  for (int round = 0; round < 60; ++round) {
    std::filesystem::remove_all(dir);
    auto paths = ThreeOrMoreSegments(dir);
    const std::string& victim = paths[random() % paths.size()];
    FlipBit(victim, random() % ReadFileOrEmpty(victim).size(), static_cast<int>(random() % 8));
    Read r = ReadAll(dir);
    INFO("round " << round << ": " << r.status.message());
    REQUIRE((r.status.ok() || r.status.IsCorruption()));
    if (r.status.ok()) continue;  // a torn tail of the last segment
    auto at = std::find(paths.begin(), paths.end(), r.summary.corrupt_file);
    REQUIRE(at != paths.end());
    for (auto later = at + 1; later != paths.end(); ++later) {
      REQUIRE(fs()->RemoveFile(*later).ok());
    }
    if (r.summary.corrupt_offset == 0) {
      REQUIRE(fs()->RemoveFile(*at).ok());
    } else {
      CutTo(*at, r.summary.corrupt_offset);
    }
    Read repaired = ReadAll(dir);
    REQUIRE(repaired.status.ok());
    CHECK_FALSE(repaired.summary.torn_tail);
    CheckNumbered(repaired.records, r.records.size());
  }
}

}  // namespace warp
