#include "wal/wal_reader.h"

#include <catch2/catch.hpp>

#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"
#include "tests/wal/wal_test_util.h"

namespace warp {

using testing::CheckNumbered;
using testing::FaultInjectionFileSystem;
using testing::ReadFileOrEmpty;
using testing::ReadLog;
using testing::RecordOffsets;
using testing::SegmentPaths;
using testing::TempDir;
using testing::WriteFileOrDie;
using testing::WriteLog;

namespace {

FileSystem* fs() { return DefaultFileSystem(); }

}  // namespace

TEST_CASE("many records written across several segments are read back in order") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 2000, 4096);
  CHECK(SegmentPaths(fs(), dir).size() > 5);
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  CheckNumbered(records, 2000);
  CHECK(summary.last_lsn == 2000);
  CHECK(summary.records == 2000);
  CHECK(summary.segments == SegmentPaths(fs(), dir).size());
  CHECK_FALSE(summary.torn_tail);
}

TEST_CASE("a missing or empty log directory is an empty log") {
  TempDir tmp;
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), tmp.Sub("nowhere"), &records, &summary).ok());
  CHECK(records.empty());
  CHECK(summary.last_lsn == 0);
}

TEST_CASE("a log reopened at the next LSN continues the previous segments") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 100, 1 << 20);
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(fs(), dir, 3, 101, 1 << 20, &writer).ok());
  testing::WriteNumbered(writer.get(), 101, 50);
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  CheckNumbered(records, 150);
}

TEST_CASE("a torn last record at every byte offset is reported and earlier records survive") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string file = ReadFileOrEmpty(path);
  size_t last = RecordOffsets(file).back();
  for (size_t cut = last; cut < file.size(); ++cut) {
    WriteFileOrDie(path, file.substr(0, cut));
    std::vector<WalRecord> records;
    ReadSummary summary;
    REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
    CheckNumbered(records, 19);
    REQUIRE(summary.torn_tail == (cut > last));
    if (cut > last) {
      CHECK(summary.torn_offset == last);
      CHECK(summary.torn_file == path);
    }
  }
}

TEST_CASE("a zero-filled tail after the last record is preallocated space, not a torn tail") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string file = ReadFileOrEmpty(path);
  for (size_t zeros : {1, 17, 18, 4096}) {
    WriteFileOrDie(path, file + std::string(zeros, '\0'));
    std::vector<WalRecord> records;
    ReadSummary summary;
    REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
    CheckNumbered(records, 20);
    CHECK_FALSE(summary.torn_tail);
    CHECK(summary.zero_tail_bytes == zeros);
    CHECK(summary.end_file == path);
    CHECK(summary.end_offset == file.size());
    CHECK(summary.bytes == file.size());
  }
}

TEST_CASE("a torn segment header in the last segment is a torn tail at offset 0") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 10, 1 << 20);
  std::string second = dir + "/" + wal::SegmentFileName(11);
  std::string header;
  wal::EncodeSegmentHeader(3, 11, &header);
  WriteFileOrDie(second, header.substr(0, 13));
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  CheckNumbered(records, 10);
  CHECK(summary.torn_tail);
  CHECK(summary.torn_file == second);
  CHECK(summary.torn_offset == 0);
}

TEST_CASE("a bit flip in a middle record with valid records after it is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string file = ReadFileOrEmpty(path);
  size_t bad = RecordOffsets(file)[10];
  file[bad + wal::kRecordHeaderSize + 2] ^= 0x10;
  WriteFileOrDie(path, file);
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadLog(fs(), dir, &records, &summary);
  REQUIRE(s.IsCorruption());
  CHECK(s.message() == "wal corruption in " + path + " at offset " + std::to_string(bad) +
                           ": checksum mismatch; valid records follow, refusing to skip them");
  CHECK(records.size() == 10);
}

TEST_CASE("a bit flip in the last record of the last segment is a torn tail") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 20, 1 << 20);
  std::string path = SegmentPaths(fs(), dir).back();
  std::string file = ReadFileOrEmpty(path);
  size_t last = RecordOffsets(file).back();
  file[file.size() - 1] ^= 0x01;
  WriteFileOrDie(path, file);
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  CheckNumbered(records, 19);
  CHECK(summary.torn_tail);
  CHECK(summary.torn_offset == last);
  CHECK(summary.last_lsn == 19);
}

TEST_CASE("a bad record at the end of a segment that is not the last is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 200, 1024);
  auto paths = SegmentPaths(fs(), dir);
  REQUIRE(paths.size() >= 3);
  std::string file = ReadFileOrEmpty(paths[0]);
  size_t last = RecordOffsets(file).back();
  WriteFileOrDie(paths[0], file.substr(0, file.size() - 1));
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadLog(fs(), dir, &records, &summary);
  REQUIRE(s.IsCorruption());
  CHECK(s.message() ==
        "wal corruption in " + paths[0] + " at offset " + std::to_string(last) +
            ": record length " + std::to_string(file.size() - last - wal::kRecordHeaderSize) +
            " exceeds the " + std::to_string(file.size() - 1 - last - wal::kRecordHeaderSize) +
            " bytes left in a segment that is not the last one");
}

TEST_CASE("a missing middle segment is corruption naming the expected LSN") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 200, 1024);
  auto paths = SegmentPaths(fs(), dir);
  REQUIRE(paths.size() >= 3);
  uint64_t second_lsn = 0;
  uint64_t third_lsn = 0;
  REQUIRE(wal::ParseSegmentFileName(paths[1].substr(dir.size() + 1), &second_lsn));
  REQUIRE(wal::ParseSegmentFileName(paths[2].substr(dir.size() + 1), &third_lsn));
  REQUIRE(fs()->RemoveFile(paths[1]).ok());
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadLog(fs(), dir, &records, &summary);
  REQUIRE(s.IsCorruption());
  CHECK(s.message() == "wal corruption in " + paths[2] +
                           " at offset 0: missing segment: expected first LSN " +
                           std::to_string(second_lsn) + " after " + paths[0] + ", found " +
                           std::to_string(third_lsn));
}

TEST_CASE("a segment of another shard or with a damaged header is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  WriteLog(fs(), dir, 10, 1 << 20);
  std::string path = SegmentPaths(fs(), dir)[0];
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadWal(
      fs(), dir, 4, [](const WalRecord&) { return Status::OK(); }, &summary);
  CHECK(s.message() == "wal corruption in " + path +
                           " at offset 12: segment belongs to shard 3, expected shard 4");
  std::string file = ReadFileOrEmpty(path);
  file[17] ^= 1;
  WriteFileOrDie(path, file);
  s = ReadLog(fs(), dir, &records, &summary);
  CHECK(s.message() ==
        "wal corruption in " + path + " at offset 0: segment header checksum mismatch");
}

TEST_CASE("an unknown record type with the skippable bit is skipped and counted") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(fs(), dir, 3, 1, 1 << 20, &writer).ok());
  REQUIRE(writer->AddPut(1, "key:1", testing::ValueOf(1)).ok());
  REQUIRE(writer->AddRaw(0x80 | 42, 2, "from the future").ok());
  REQUIRE(writer->AddPut(3, "key:3", testing::ValueOf(3)).ok());
  REQUIRE(writer->Sync().ok());
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  REQUIRE(records.size() == 2);
  CHECK(records[1].lsn == 3);
  CHECK(summary.skipped == 1);
  CHECK(summary.last_lsn == 3);
}

TEST_CASE("an unknown record type without the skippable bit is corruption naming the type") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(fs(), dir, 3, 1, 1 << 20, &writer).ok());
  REQUIRE(writer->AddPut(1, "key:1", "v").ok());
  REQUIRE(writer->AddRaw(42, 2, "from the future").ok());
  REQUIRE(writer->Sync().ok());
  std::string path = writer->segment_path();
  size_t offset = RecordOffsets(ReadFileOrEmpty(path))[1];
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadLog(fs(), dir, &records, &summary);
  REQUIRE(s.IsCorruption());
  CHECK(s.message() == "wal corruption in " + path + " at offset " + std::to_string(offset) +
                           ": unknown record type 0x2a without the skippable bit (this build "
                           "knows types 1-5)");
}

TEST_CASE("a record with an unknown flag bit is refused as unsupported") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::string file;
  wal::EncodeSegmentHeader(3, 1, &file);
  std::string payload = std::string(1, '\1') + "k";
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kDelete), 0x04, 1, payload, &file);
  REQUIRE(fs()->CreateDir(dir).ok());
  std::string path = dir + "/" + wal::SegmentFileName(1);
  WriteFileOrDie(path, file);
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadLog(fs(), dir, &records, &summary);
  CHECK(s.message() ==
        "wal corruption in " + path + " at offset 28: unsupported record flags 0x04");
}

TEST_CASE("records written with non-increasing LSNs are corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::string file;
  wal::EncodeSegmentHeader(3, 1, &file);
  std::string payload = std::string(1, '\1') + "k";
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kDelete), 0, 5, payload, &file);
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kDelete), 0, 5, payload, &file);
  REQUIRE(fs()->CreateDir(dir).ok());
  std::string path = dir + "/" + wal::SegmentFileName(1);
  WriteFileOrDie(path, file);
  std::vector<WalRecord> records;
  ReadSummary summary;
  Status s = ReadLog(fs(), dir, &records, &summary);
  CHECK(s.message() ==
        "wal corruption in " + path + " at offset 48: LSN 5 is not above the previous LSN 5");
}

TEST_CASE("after a power loss every synced record survives and the log stays readable") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  FaultInjectionFileSystem faulty(fs());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(&faulty, dir, 3, 1, 2048, &writer).ok());
  uint64_t synced_lsn = 0;
  for (uint64_t lsn = 1; lsn <= 500; ++lsn) {
    REQUIRE(writer->AddPut(lsn, testing::KeyOf(lsn), testing::ValueOf(lsn)).ok());
    if (lsn % 7 == 0) REQUIRE(writer->Flush().ok());
    if (lsn % 50 == 0) {
      REQUIRE(writer->Sync().ok());
      synced_lsn = lsn;
    }
  }
  REQUIRE(writer->AddPut(501, "unsynced", "x").ok());
  REQUIRE(writer->Flush().ok());
  writer.reset();
  REQUIRE(faulty.DropUnsyncedData().ok());
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  REQUIRE(records.size() >= synced_lsn);
  REQUIRE(records.size() < 501);
  for (uint64_t i = 0; i < records.size(); ++i) REQUIRE(records[i].lsn == i + 1);
  CHECK(records[synced_lsn - 1].value == testing::ValueOf(synced_lsn));
}

TEST_CASE("after a power loss with nothing synced since a rotation the log is still readable") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  FaultInjectionFileSystem faulty(fs());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(&faulty, dir, 3, 1, 512, &writer).ok());
  for (uint64_t lsn = 1; lsn <= 100; ++lsn) {
    REQUIRE(writer->AddPut(lsn, testing::KeyOf(lsn), testing::ValueOf(lsn)).ok());
    REQUIRE(writer->Flush().ok());  // rotations sync the finished segments only
  }
  writer.reset();
  REQUIRE(faulty.DropUnsyncedData().ok());
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  CHECK(records.size() > 10);
  for (uint64_t i = 0; i < records.size(); ++i) REQUIRE(records[i].lsn == i + 1);
}

}  // namespace warp

// Expiry: the put flag and the expire record.
namespace warp {

namespace {

// A segment of shard 3 from LSN 1 holding `records` (each encoded with a valid checksum).
struct RawRecord {
  wal::RecordType type;
  uint8_t flags;
  std::string payload;
};
std::string SegmentOf(const std::vector<RawRecord>& records) {
  std::string file;
  wal::EncodeSegmentHeader(3, 1, &file);
  uint64_t lsn = 1;
  for (const RawRecord& r : records) {
    wal::EncodeRecord(static_cast<uint8_t>(r.type), r.flags, lsn++, r.payload, &file);
  }
  return file;
}

std::string KeyPayload(const std::string& key) {
  std::string payload;
  wal::PutVarint32(&payload, static_cast<uint32_t>(key.size()));
  return payload + key;
}

}  // namespace

TEST_CASE("puts with expiries and expire records round trip, compressed or not") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  std::string big(10000, 'z');
  std::unique_ptr<WalWriter> writer;
  REQUIRE(WalWriter::Open(fs(), dir, 3, 1, 1 << 20, &writer).ok());
  writer->SetCompressMinBytes(256);
  REQUIRE(writer->AddPut(1, "big", big, 1795514460000).ok());
  REQUIRE(writer->AddPut(2, "plain", "v").ok());
  REQUIRE(writer->AddExpire(3, "big", 0).ok());
  REQUIRE(writer->AddExpire(4, "plain", INT64_MAX).ok());
  REQUIRE(writer->AddPut(5, "", "", -1).ok());  // any nonzero value is stored as given
  REQUIRE(writer->Sync().ok());
  std::string file = ReadFileOrEmpty(writer->segment_path());
  CHECK(file[RecordOffsets(file)[0] + 9] == (wal::kFlagLz4Value | wal::kFlagExpiry));
  CHECK(file[RecordOffsets(file)[1] + 9] == 0);
  std::vector<WalRecord> records;
  ReadSummary summary;
  REQUIRE(ReadLog(fs(), dir, &records, &summary).ok());
  REQUIRE(records.size() == 5);
  auto type = [](wal::RecordType t) { return static_cast<uint8_t>(t); };
  CHECK(records[0].type == type(wal::RecordType::kPut));
  CHECK(records[0].value == big);
  CHECK(records[0].expire_at_ms == 1795514460000);
  CHECK(records[1].expire_at_ms == 0);
  CHECK(records[2].type == type(wal::RecordType::kExpire));
  CHECK(records[2].key == "big");
  CHECK(records[2].value.empty());
  CHECK(records[2].expire_at_ms == 0);
  CHECK(records[3].expire_at_ms == INT64_MAX);
  CHECK(records[4].expire_at_ms == -1);
}

TEST_CASE("a bit flip in the expiry of a put or an expire record is caught by the checksum") {
  for (wal::RecordType type : {wal::RecordType::kPut, wal::RecordType::kExpire}) {
    TempDir tmp;
    std::string dir = tmp.Sub("wal");
    std::unique_ptr<WalWriter> writer;
    REQUIRE(WalWriter::Open(fs(), dir, 3, 1, 1 << 20, &writer).ok());
    REQUIRE(writer->AddPut(1, "a", "1").ok());
    if (type == wal::RecordType::kPut) {
      REQUIRE(writer->AddPut(2, "k", "v", 1795514460000).ok());
    } else {
      REQUIRE(writer->AddExpire(2, "k", 1795514460000).ok());
    }
    REQUIRE(writer->AddPut(3, "b", "2").ok());
    REQUIRE(writer->Close().ok());
    std::string path = SegmentPaths(fs(), dir).back();
    std::string file = ReadFileOrEmpty(path);
    size_t bad = RecordOffsets(file)[1];
    file[bad + wal::kRecordHeaderSize + 2 + 3] ^= 0x01;  // a byte of the expiry, after key "k"
    WriteFileOrDie(path, file);
    std::vector<WalRecord> records;
    ReadSummary summary;
    Status s = ReadLog(fs(), dir, &records, &summary);
    CHECK(s.message() == "wal corruption in " + path + " at offset " + std::to_string(bad) +
                             ": checksum mismatch; valid records follow, refusing to skip them");
    CHECK(records.size() == 1);
  }
}

TEST_CASE("an expiry field cut short, followed by extra bytes or without its flag is corruption") {
  TempDir tmp;
  std::string dir = tmp.Sub("wal");
  REQUIRE(fs()->CreateDir(dir).ok());
  std::string path = dir + "/" + wal::SegmentFileName(1);
  const size_t second = wal::kSegmentHeaderSize + wal::kRecordHeaderSize + 2;  // after delete "k"
  auto check = [&](const RawRecord& bad, const std::string& problem) {
    WriteFileOrDie(path, SegmentOf({{wal::RecordType::kDelete, 0, KeyPayload("k")}, bad}));
    std::vector<WalRecord> records;
    ReadSummary summary;
    Status s = ReadLog(fs(), dir, &records, &summary);
    CHECK(s.message() ==
          "wal corruption in " + path + " at offset " + std::to_string(second) + ": " + problem);
    CHECK(summary.corrupt_offset == second);
  };
  std::string seven = KeyPayload("k") + std::string(7, '\x01');
  std::string nine = KeyPayload("k") + std::string(9, '\x01');
  check({wal::RecordType::kExpire, wal::kFlagExpiry, seven}, "malformed expire payload");
  check({wal::RecordType::kExpire, wal::kFlagExpiry, nine}, "malformed expire payload");
  check({wal::RecordType::kExpire, wal::kFlagExpiry, KeyPayload("k")}, "malformed expire payload");
  // An expire record must carry the expiry flag (older builds refuse the log because of it).
  std::string eight = KeyPayload("k") + std::string(8, '\x01');
  check({wal::RecordType::kExpire, 0, eight}, "expire record with flags 0x00 (must be 0x02)");
  check({wal::RecordType::kExpire, wal::kFlagExpiry | wal::kFlagLz4Value, eight},
        "expire record with flags 0x03 (must be 0x02)");
  // A put that claims an expiry but is too short to hold it and a value length.
  check({wal::RecordType::kPut, wal::kFlagExpiry, seven}, "malformed put payload");
  // A put written without an expiry but flagged with one: the value no longer lines up.
  std::string put = KeyPayload("k");
  wal::PutVarint32(&put, 3);
  put += "abc";
  check({wal::RecordType::kPut, wal::kFlagExpiry, put}, "malformed put payload");
}

}  // namespace warp
