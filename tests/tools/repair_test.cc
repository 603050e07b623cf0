#include "tools/repair.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "store/data_dir.h"
#include "store/filename.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "wal/file.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace warp::tools {

namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::WriteFileOrDie;

// A cleanly closed two-shard data directory; shard 1's log holds puts with LSNs 1..300 in 1 KiB
// segments, shard 0's log is empty.
void MakeDirWithLog(const std::string& dir) {
  std::unique_ptr<DataDir> data;
  REQUIRE(DataDir::Open(dir, 2, &data).ok());
  std::unique_ptr<WalWriter> writer;
  REQUIRE(
      WalWriter::Open(DefaultFileSystem(), filename::ShardWal(dir, 1), 1, 1, 1024, &writer).ok());
  for (uint64_t lsn = 1; lsn <= 300; ++lsn) {
    REQUIRE(writer->AddPut(lsn, "key:" + std::to_string(lsn), "value " + std::to_string(lsn)).ok());
    if (lsn % 4 == 0) REQUIRE(writer->Flush().ok());
  }
  REQUIRE(writer->Sync().ok());
  REQUIRE(writer->Close().ok());
  REQUIRE(data->MarkClosed().ok());
}

// Segment paths of shard `shard`, in LSN order.
std::vector<std::string> Segments(const std::string& dir, uint32_t shard) {
  std::vector<std::string> names;
  std::string wal_dir = filename::ShardWal(dir, shard);
  REQUIRE(DefaultFileSystem()->ListDir(wal_dir, &names).ok());
  std::vector<std::pair<uint64_t, std::string>> segments;
  for (const auto& name : names) {
    uint64_t lsn = 0;
    if (wal::ParseSegmentFileName(name, &lsn)) segments.emplace_back(lsn, wal_dir + "/" + name);
  }
  std::sort(segments.begin(), segments.end());
  std::vector<std::string> paths;
  for (auto& segment : segments) paths.push_back(segment.second);
  return paths;
}

// The offset of the 3rd record of a segment (records are found by their length fields).
size_t ThirdRecord(const std::string& file) {
  size_t p = wal::kSegmentHeaderSize;
  for (int i = 0; i < 2; ++i) p += wal::kRecordHeaderSize + wal::DecodeFixed32(file.data() + p + 4);
  return p;
}

// Flips a payload bit of the 3rd record of shard 1's second segment (records stay valid after
// it, and later segments follow). Returns the damaged segment's path and the record's offset.
std::pair<std::string, size_t> DamageMiddle(const std::string& dir) {
  std::vector<std::string> paths = Segments(dir, 1);
  REQUIRE(paths.size() >= 4);
  std::string file = ReadFileOrEmpty(paths[1]);
  size_t record = ThirdRecord(file);
  file[record + wal::kRecordHeaderSize + 2] ^= 0x08;
  WriteFileOrDie(paths[1], file);
  return {paths[1], record};
}

struct Replay {
  Status status;
  std::vector<uint64_t> lsns;
  ReadSummary summary;
};

Replay ReadShard(const std::string& dir, uint32_t shard) {
  Replay r;
  r.status = ReadWal(
      DefaultFileSystem(), filename::ShardWal(dir, shard), shard,
      [&r](const WalRecord& record) {
        r.lsns.push_back(record.lsn);
        return Status::OK();
      },
      &r.summary);
  return r;
}

// Every regular file under `dir` with its bytes.
std::map<std::string, std::string> Tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files[entry.path().string()] = ReadFileOrEmpty(entry.path());
  }
  return files;
}

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a dry run reports the corruption, exits 1 and changes nothing") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  auto [path, offset] = DamageMiddle(tmp.path());
  auto before = Tree(tmp.path());
  RepairOptions options;
  options.data_dir = tmp.path();
  std::string out;
  RepairReport report;
  Status s = RepairDataDir(options, &out, &report);
  REQUIRE(s.ok());
  CHECK(RepairExitCode(s, report, options.apply) == 1);
  CHECK(report.shards == 2);
  CHECK(report.damaged == 1);
  CHECK(report.backup_dir.empty());
  CHECK(Contains(out, "shard 0: ok (0 records, last lsn 0)\n"));
  CHECK(Contains(out, "shard 1: wal corruption in " + path + " at offset " +
                          std::to_string(offset) + ": checksum mismatch"));
  CHECK(Contains(out, "shard 1: would truncate " + path + " from "));
  CHECK(Contains(out, "shard 1: would remove " + Segments(tmp.path(), 1).back() + "\n"));
  CHECK(Contains(out, "run again with --yes to apply"));
  CHECK(Tree(tmp.path()) == before);
}

TEST_CASE("repair cuts the log at the last good record and keeps the originals in a backup") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::vector<std::string> segments = Segments(tmp.path(), 1);
  auto [path, offset] = DamageMiddle(tmp.path());
  std::map<std::string, std::string> originals;
  for (size_t i = 1; i < segments.size(); ++i)
    originals[segments[i]] = ReadFileOrEmpty(segments[i]);
  Replay damaged = ReadShard(tmp.path(), 1);
  REQUIRE(damaged.status.IsCorruption());
  REQUIRE(damaged.summary.corrupt_offset == offset);

  RepairOptions options;
  options.data_dir = tmp.path();
  options.apply = true;
  std::string out;
  RepairReport report;
  Status s = RepairDataDir(options, &out, &report);
  INFO(out);
  REQUIRE(s.ok());
  CHECK(RepairExitCode(s, report, options.apply) == 0);
  CHECK(report.damaged == 1);
  CHECK(report.changed == 1);
  CHECK(Contains(out, "shard 1: truncated " + path + " from " +
                          std::to_string(originals[path].size()) + " to " + std::to_string(offset) +
                          " bytes\n"));
  CHECK(Contains(out, "shard 1: repaired (" + std::to_string(damaged.lsns.size()) +
                          " records, last lsn " + std::to_string(damaged.summary.last_lsn) +
                          ")\n"));

  // The log now reads back cleanly as exactly the records before the damage.
  Replay repaired = ReadShard(tmp.path(), 1);
  REQUIRE(repaired.status.ok());
  CHECK(repaired.lsns == damaged.lsns);
  CHECK_FALSE(repaired.summary.torn_tail);
  CHECK(Segments(tmp.path(), 1) == std::vector<std::string>{segments[0], path});
  CHECK(fs::file_size(path) == offset);

  // The backup holds every changed or removed segment byte for byte.
  REQUIRE(fs::path(report.backup_dir).parent_path() == filename::Backups(tmp.path()));
  CHECK(fs::path(report.backup_dir).filename().string().rfind("repair-", 0) == 0);
  for (const auto& [original, bytes] : originals) {
    std::string copy = report.backup_dir + "/shard-01/" + fs::path(original).filename().string();
    CHECK(ReadFileOrEmpty(copy) == bytes);
  }
  CHECK_FALSE(
      fs::exists(report.backup_dir + "/shard-01/" + fs::path(segments[0]).filename().string()));

  // A second run has nothing to do; the clean shutdown of the manifest is kept.
  out.clear();
  REQUIRE(RepairDataDir(options, &out, &report).ok());
  CHECK(Contains(out, "shard 1: ok (" + std::to_string(damaged.lsns.size()) +
                          " records, last lsn " + std::to_string(damaged.summary.last_lsn) +
                          ")\n"));
  CHECK(report.changed == 0);
  std::unique_ptr<DataDir> data;
  REQUIRE(DataDir::Open(tmp.path(), 2, &data).ok());
  CHECK_FALSE(data->recovered_from_crash());
}

TEST_CASE("repair cuts a torn tail and preallocated zeros, backing up only the torn bytes") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  std::string last = Segments(tmp.path(), 1).back();
  std::string good = ReadFileOrEmpty(last);
  WriteFileOrDie(last, good + "\x17partial record" + std::string(4096, '\0'));
  // Shard 0: a segment preallocated and never written (crash right after creating it).
  std::string empty = filename::ShardWal(tmp.path(), 0) + "/" + wal::SegmentFileName(1);
  WriteFileOrDie(empty, std::string(1 << 16, '\0'));

  RepairOptions options;
  options.data_dir = tmp.path();
  std::string out;
  RepairReport report;
  Status s = RepairDataDir(options, &out, &report);
  REQUIRE(s.ok());
  CHECK(report.damaged == 1);  // the torn tail; zeros are not damage
  CHECK(report.changed == 2);
  CHECK(RepairExitCode(s, report, false) == 1);
  CHECK(
      Contains(out, "shard 1: torn tail in " + last + " at offset " + std::to_string(good.size())));

  options.apply = true;
  out.clear();
  s = RepairDataDir(options, &out, &report);
  INFO(out);
  REQUIRE(s.ok());
  CHECK(ReadFileOrEmpty(last) == good);
  CHECK_FALSE(fs::exists(empty));
  CHECK(Contains(out, "shard 0: removed " + empty + " (no valid data in it)\n"));
  CHECK(ReadFileOrEmpty(report.backup_dir + "/shard-01/" + fs::path(last).filename().string()) ==
        good + "\x17partial record" + std::string(4096, '\0'));
  CHECK_FALSE(fs::exists(report.backup_dir + "/shard-00"));
  Replay r = ReadShard(tmp.path(), 1);
  REQUIRE(r.status.ok());
  CHECK(r.lsns.size() == 300);
}

TEST_CASE("repair refuses a data directory that is open, naming the pid") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  DamageMiddle(tmp.path());
  auto before = Tree(tmp.path());
  std::unique_ptr<DataDir> open;
  REQUIRE(DataDir::Open(tmp.path(), 2, &open).ok());
  before[filename::Manifest(tmp.path())] = ReadFileOrEmpty(filename::Manifest(tmp.path()));
  before[filename::Lock(tmp.path())] = ReadFileOrEmpty(filename::Lock(tmp.path()));
  for (bool apply : {false, true}) {
    RepairOptions options;
    options.data_dir = tmp.path();
    options.apply = apply;
    std::string out;
    RepairReport report;
    Status s = RepairDataDir(options, &out, &report);
    CHECK(s.IsBusy());
    CHECK(s.message() == "data directory " + tmp.path() + " is locked by pid " +
                             std::to_string(::getpid()) + " (" + filename::Lock(tmp.path()) + ")");
    CHECK(RepairExitCode(s, report, apply) == 2);
  }
  CHECK(Tree(tmp.path()) == before);
}

TEST_CASE("repair of a shard that does not exist or of a directory without manifest fails") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  RepairOptions options;
  options.data_dir = tmp.path();
  options.shard = 5;
  std::string out;
  RepairReport report;
  Status s = RepairDataDir(options, &out, &report);
  CHECK(s.message() == "--shard 5 does not exist (2 shards)");
  CHECK(RepairExitCode(s, report, false) == 2);
  options.data_dir = tmp.Sub("nothing-here");
  options.shard.reset();
  CHECK(RepairDataDir(options, &out, &report).IsNotFound());
  CHECK_FALSE(fs::exists(options.data_dir));
}

TEST_CASE("the warp binary repairs with --yes, reports with exit 1 without it, 2 when locked") {
  testing::TempDir tmp;
  MakeDirWithLog(tmp.path());
  DamageMiddle(tmp.path());
  std::string warp = testing::BuiltBinary("warp");
  auto run = [&](std::vector<std::string> args, std::string* output) {
    args.insert(args.begin(), warp);
    auto child = testing::ChildProcess::Start(args);
    REQUIRE(child);
    int code = child->Wait(std::chrono::seconds(60));
    *output = child->output();
    return code;
  };
  std::string output;
  {
    std::unique_ptr<DataDir> open;
    REQUIRE(DataDir::Open(tmp.path(), 2, &open).ok());
    CHECK(run({"repair", "--data", tmp.path(), "--yes"}, &output) == 2);
    CHECK(Contains(output, "warp repair: data directory " + tmp.path() + " is locked by pid " +
                               std::to_string(::getpid())));
    REQUIRE(open->MarkClosed().ok());
  }
  CHECK(run({"repair", "--data", tmp.path(), "--shard", "1"}, &output) == 1);
  CHECK(Contains(output, "run again with --yes to apply"));
  CHECK(ReadShard(tmp.path(), 1).status.IsCorruption());
  CHECK(run({"repair", "--data", tmp.path(), "--yes"}, &output) == 0);
  INFO(output);
  CHECK(Contains(output, "shard 1: repaired ("));
  CHECK(ReadShard(tmp.path(), 1).status.ok());
  CHECK(run({"repair", "--data", tmp.path()}, &output) == 0);
  CHECK(Contains(output, "shard 1: ok ("));
}

}  // namespace warp::tools
