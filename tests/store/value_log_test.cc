#include "store/value_log.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store/value_log_format.h"
#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileOrDie;

namespace {

using Batch = std::vector<std::pair<std::string_view, std::string_view>>;

std::unique_ptr<ValueLog> OpenLog(FileSystem* fs, const std::string& dir,
                                  ValueLogOptions options = {}, uint32_t shard = 3) {
  std::unique_ptr<ValueLog> log;
  Status s = ValueLog::Open(fs, dir, shard, options, &log);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return log;
}

std::string FilePath(const std::string& dir, uint32_t id) { return dir + "/" + vlog::FileName(id); }

// Reads `where` and requires it to hold `key` = `value`.
void RequireValue(const ValueLog& log, const ValuePointer& where, const std::string& key,
                  const std::string& value) {
  std::string got;
  Status s = log.Read(where, key, &got);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(got == value);
}

// Flips one bit of byte `offset` of a file on disk (a damaged disk).
void FlipByte(const std::string& path, uint64_t offset) {
  std::string bytes = ReadFileOrEmpty(path);
  REQUIRE(offset < bytes.size());
  bytes[offset] ^= 0x04;
  WriteFileOrDie(path, bytes);
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace

TEST_CASE("a value appended to the log reads back, binary and empty values included") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.Sub("cold"));
  const std::string binary("a\0b\xff\n", 5);
  const std::string binary_key("k\0\x01", 3);
  ValuePointer ada, empty, bin;
  REQUIRE(log->Append("user:1", "ada", &ada).ok());
  REQUIRE(log->Append("user:2", "", &empty).ok());
  REQUIRE(log->Append(binary_key, binary, &bin).ok());
  CHECK(ada == ValuePointer{1, vlog::kFileHeaderSize, 21});
  CHECK(empty == ValuePointer{1, vlog::kFileHeaderSize + 21, 18});
  CHECK(bin.offset == empty.offset + empty.size);
  RequireValue(*log, ada, "user:1", "ada");
  RequireValue(*log, empty, "user:2", "");
  RequireValue(*log, bin, binary_key, binary);
  // The file is the header and the three records, nothing else.
  CHECK(ReadFileOrEmpty(FilePath(tmp.Sub("cold"), 1)).size() == bin.offset + bin.size);
}

TEST_CASE("the log writes a record in the layout of the documented worked example") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  std::vector<ValuePointer> where;
  REQUIRE(log->AppendBatch({{"user:1", "ada"}, {"cat", ""}}, &where).ok());
  std::string bytes = ReadFileOrEmpty(FilePath(tmp.path(), 1));
  REQUIRE(bytes.size() == 60);
  vlog::FileHeader header;
  REQUIRE(vlog::DecodeFileHeader(bytes, "f", &header).ok());
  CHECK(header.shard == 3);
  CHECK(header.file_id == 1);
  // docs/value_log_format.md, bytes 24..59 (the records do not depend on the file id).
  CHECK(bytes.substr(24, 4) == std::string("\x97\xb3\xb7\x81", 4));
  CHECK(bytes.substr(45, 4) == std::string("\x10\xea\xb2\xdd", 4));
}

TEST_CASE("a batch lands contiguously in one file and every record reads back") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  auto log = OpenLog(&fs, tmp.path());
  std::vector<std::string> keys, values;
  for (int i = 0; i < 50; ++i) {
    keys.push_back("key:" + std::to_string(i));
    values.push_back(std::string(static_cast<size_t>(i), static_cast<char>('a' + i % 26)));
  }
  Batch batch;
  for (int i = 0; i < 50; ++i) batch.emplace_back(keys[i], values[i]);
  std::vector<ValuePointer> where;
  REQUIRE(log->AppendBatch(batch, &where).ok());
  REQUIRE(where.size() == 50);
  uint64_t offset = vlog::kFileHeaderSize;
  for (int i = 0; i < 50; ++i) {
    CHECK(where[i].file_id == 1);
    CHECK(where[i].offset == offset);
    offset += where[i].size;
    RequireValue(*log, where[i], keys[i], values[i]);
  }
  // One write: a failure injected into the next write fails the whole next batch, and nothing
  // of it is handed out.
  fs.FailNextAppend();
  CHECK(log->AppendBatch(batch, &where).IsIOError());
  CHECK(where.empty());
  // An empty batch writes nothing.
  REQUIRE(log->AppendBatch({}, &where).ok());
  CHECK(where.empty());
}

TEST_CASE("the active file is sealed and a new one started once a batch would pass the limit") {
  TempDir tmp;
  ValueLogOptions options;
  options.max_file_bytes = 100;
  auto log = OpenLog(DefaultFileSystem(), tmp.path(), options);
  ValuePointer a, b, c, big;
  const std::string v30(30, 'v');             // records of 12 + 3 + 30 = 45 bytes
  REQUIRE(log->Append("k:a", v30, &a).ok());  // 24 + 45 = 69
  REQUIRE(log->Append("k:b", v30, &b).ok());  // 114 > 100: a new file
  REQUIRE(log->Append("k:c", v30, &c).ok());
  CHECK(a.file_id == 1);
  CHECK(b.file_id == 2);
  CHECK(b.offset == vlog::kFileHeaderSize);
  CHECK(c.file_id == 3);
  // A record larger than the limit gets a file of its own.
  REQUIRE(log->Append("k:big", std::string(500, 'B'), &big).ok());
  CHECK(big.file_id == 4);
  CHECK(big.offset == vlog::kFileHeaderSize);
  RequireValue(*log, a, "k:a", v30);
  RequireValue(*log, b, "k:b", v30);
  RequireValue(*log, big, "k:big", std::string(500, 'B'));
  auto files = log->FileStats();
  REQUIRE(files.size() == 4);
  CHECK_FALSE(files[0].active);
  CHECK_FALSE(files[2].active);
  CHECK(files[3].active);
  CHECK(files[0].bytes == 69);
  CHECK(ReadFileOrEmpty(FilePath(tmp.path(), 1)).size() == 69);
}

TEST_CASE("reads return the right values while another thread appends and rolls files") {
  TempDir tmp;
  ValueLogOptions options;
  options.max_file_bytes = 4096;
  auto log = OpenLog(DefaultFileSystem(), tmp.path(), options);
  constexpr int kRecords = 2000;
  std::vector<ValuePointer> where(kRecords);
  std::atomic<int> published{0};
  std::atomic<bool> writer_done{false};
  auto key = [](int i) { return "key:" + std::to_string(i); };
  auto value = [](int i) {
    return std::string(static_cast<size_t>(i % 97), static_cast<char>('a' + i % 26));
  };
  std::thread writer([&] {
    for (int i = 0; i < kRecords; i += 2) {
      std::string k0 = key(i), k1 = key(i + 1), v0 = value(i), v1 = value(i + 1);
      std::vector<ValuePointer> placed;
      Status s = log->AppendBatch({{k0, v0}, {k1, v1}}, &placed);
      if (!s.ok()) break;  // the reader then fails to see every record
      where[i] = placed[0];
      where[i + 1] = placed[1];
      published.store(i + 2, std::memory_order_release);
    }
    writer_done.store(true, std::memory_order_release);
  });
  int checked = 0;
  int failures = 0;
  std::string got;
  while (checked < kRecords) {
    bool done = writer_done.load(std::memory_order_acquire);
    int upto = published.load(std::memory_order_acquire);
    if (upto == checked) {
      if (done) break;  // the writer failed: `checked` tells
      std::this_thread::yield();
      continue;
    }
    for (; checked < upto; ++checked) {
      // Read the newest record and an older one, in whatever file they are.
      if (!log->Read(where[checked], key(checked), &got).ok() || got != value(checked)) ++failures;
      int older = checked / 2;
      if (!log->Read(where[older], key(older), &got).ok() || got != value(older)) ++failures;
    }
  }
  writer.join();
  CHECK(checked == kRecords);
  CHECK(failures == 0);
  CHECK(log->Stats().files > 10);
}

TEST_CASE("a flipped bit in a record is a corruption naming the file and offset") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  ValuePointer a, b;
  REQUIRE(log->Append("user:1", "ada", &a).ok());
  REQUIRE(log->Append("user:2", "bob", &b).ok());
  const std::string path = FilePath(tmp.path(), 1);
  FlipByte(path, b.offset + b.size - 1);  // the value's last byte
  std::string value = "stale";
  Status s = log->Read(b, "user:2", &value);
  CHECK(s.IsCorruption());
  CHECK(s.message() == "value log corruption in " + path + " at offset " +
                           std::to_string(b.offset) + ": record checksum mismatch");
  CHECK(value.empty());
  RequireValue(*log, a, "user:1", "ada");
}

TEST_CASE("a record read under another key is a corruption naming both keys") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  ValuePointer a;
  REQUIRE(log->Append("user:1", "ada", &a).ok());
  std::string value;
  Status s = log->Read(a, "user:9", &value);
  CHECK(s.IsCorruption());
  CHECK(s.message() == "value log corruption in " + FilePath(tmp.path(), 1) +
                           " at offset 24: the record holds key 'user:1' (6 bytes), expected "
                           "'user:9' (6 bytes)");
  CHECK(value.empty());
  // A pointer of the wrong size (the right key, but a shorter record claimed).
  ValuePointer cut = a;
  cut.size -= 1;
  CHECK(log->Read(cut, "user:1", &value).IsCorruption());
  CHECK(value.empty());
}

TEST_CASE("a pointer outside its file's records is an invalid argument") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  ValuePointer a;
  REQUIRE(log->Append("user:1", "ada", &a).ok());
  std::string value;
  CHECK(log->Read(ValuePointer{1, a.offset + 1, a.size}, "user:1", &value).IsInvalidArgument());
  CHECK(log->Read(ValuePointer{1, 0, a.size}, "user:1", &value).IsInvalidArgument());
  CHECK(log->Read(ValuePointer{1, a.offset, 3}, "user:1", &value).IsInvalidArgument());
  Status s = log->Read(ValuePointer{1, UINT64_MAX - 2, 10}, "user:1", &value);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("does not lie within the records of " + FilePath(tmp.path(), 1)) !=
        std::string::npos);
  CHECK(log->Read(ValuePointer{9, 24, 21}, "user:1", &value).IsNotFound());
}

TEST_CASE("marking values dead moves their bytes from live to dead, per file and in total") {
  TempDir tmp;
  ValueLogOptions options;
  options.max_file_bytes = 100;
  auto log = OpenLog(DefaultFileSystem(), tmp.path(), options);
  ValuePointer a, b, c;
  const std::string v30(30, 'v');
  REQUIRE(log->Append("k:a", v30, &a).ok());  // file 1
  REQUIRE(log->Append("k:b", v30, &b).ok());  // file 2
  REQUIRE(log->Append("k:c", v30, &c).ok());  // file 3
  ValueLogStats stats = log->Stats();
  CHECK(stats.files == 3);
  CHECK(stats.total_bytes == 3 * 69);
  CHECK(stats.live_bytes == 3 * 45);
  CHECK(stats.dead_bytes == 0);
  CHECK(stats.appended_bytes == 3 * 45);
  log->MarkDead(b);
  log->MarkDead(ValuePointer{2, 1000, 45});  // past the end: ignored
  log->MarkDead(ValuePointer{77, 24, 45});   // no such file: ignored
  stats = log->Stats();
  CHECK(stats.live_bytes == 2 * 45);
  CHECK(stats.dead_bytes == 45);
  auto files = log->FileStats();
  REQUIRE(files.size() == 3);
  CHECK(files[1].file_id == 2);
  CHECK(files[1].live_bytes == 0);
  CHECK(files[1].dead_bytes == 45);
  CHECK(files[0].dead_bytes == 0);
  // A dead value still reads back until its file is removed (the table decides liveness).
  RequireValue(*log, b, "k:b", v30);
}

TEST_CASE("compaction candidates are the sealed files with enough garbage, most garbage first") {
  TempDir tmp;
  ValueLogOptions options;
  options.max_file_bytes = 200;
  auto log = OpenLog(DefaultFileSystem(), tmp.path(), options);
  // Records of 45 bytes: three a file (24 + 4 * 45 = 204 would pass 200).
  std::vector<ValuePointer> p(10);
  const std::string v30(30, 'v');
  for (int i = 0; i < 10; ++i) {
    REQUIRE(log->Append("k:" + std::to_string(i), v30, &p[i]).ok());
  }
  REQUIRE(p[2].file_id == 1);
  REQUIRE(p[3].file_id == 2);
  REQUIRE(p[9].file_id == 4);  // the active file
  log->MarkDead(p[0]);         // file 1: 1/3 dead
  log->MarkDead(p[3]);         // file 2: 2/3 dead
  log->MarkDead(p[4]);
  log->MarkDead(p[9]);  // file 4 is active: never a candidate
  CHECK(log->CompactionCandidates(0.5) == std::vector<uint32_t>{2});
  CHECK(log->CompactionCandidates(0.3) == std::vector<uint32_t>{2, 1});
  CHECK(log->CompactionCandidates(0.0) == std::vector<uint32_t>{2, 1, 3});
  CHECK(log->CompactionCandidates(0.9).empty());
}

TEST_CASE("ForEachRecord visits every record of a file in order with its pointer") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  std::vector<ValuePointer> where;
  REQUIRE(log->AppendBatch({{"a", "1"}, {"b", ""}, {"c", std::string("\0\1", 2)}}, &where).ok());
  std::vector<std::pair<std::string, std::string>> seen;
  std::vector<ValuePointer> pointers;
  REQUIRE(
      log->ForEachRecord(1,
                         [&](std::string_view key, std::string_view value, const ValuePointer& at) {
                           seen.emplace_back(key, value);
                           pointers.push_back(at);
                           return Status::OK();
                         })
          .ok());
  CHECK(seen == std::vector<std::pair<std::string, std::string>>{
                    {"a", "1"}, {"b", ""}, {"c", std::string("\0\1", 2)}});
  CHECK(pointers == where);
  // A visitor's error stops the visit and is returned.
  int visits = 0;
  Status stop = log->ForEachRecord(1, [&](std::string_view, std::string_view, const ValuePointer&) {
    ++visits;
    return Status::Busy("enough");
  });
  CHECK(stop.IsBusy());
  CHECK(visits == 1);
  CHECK(log->ForEachRecord(2, [](auto, auto, const auto&) { return Status::OK(); }).IsNotFound());
}

TEST_CASE("ForEachRecord reads a large file in chunks and visits records larger than a chunk") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  auto log = OpenLog(&fs, tmp.path());
  const std::string small(100 * 1024, 's');
  const std::string large(ValueLog::kScanChunkBytes + ValueLog::kScanChunkBytes / 2, 'L');
  std::vector<ValuePointer> where;
  Batch batch;
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("small:" + std::to_string(i));
  for (int i = 0; i < 30; ++i) batch.emplace_back(keys[i], small);
  batch.emplace_back("large", large);
  batch.emplace_back("after", "x");
  REQUIRE(log->AppendBatch(batch, &where).ok());
  const uint64_t file_bytes = log->FileStats()[0].bytes;
  REQUIRE(file_bytes > 4 * ValueLog::kScanChunkBytes);
  const int reads_before = fs.read_count();
  size_t visited = 0;
  REQUIRE(
      log->ForEachRecord(1,
                         [&](std::string_view key, std::string_view value, const ValuePointer& at) {
                           CHECK(at == where[visited]);
                           CHECK(key == batch[visited].first);
                           CHECK(value == batch[visited].second);
                           ++visited;
                           return Status::OK();
                         })
          .ok());
  CHECK(visited == batch.size());
  // The header, then chunks: several reads, none of them the whole file.
  const int reads = fs.read_count() - reads_before;
  CHECK(reads >= 4);
  CHECK(reads <= 10);
}

TEST_CASE("ForEachRecord stops at a damaged record after the records before it") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  std::vector<ValuePointer> where;
  REQUIRE(log->AppendBatch({{"a", "1"}, {"b", "2"}, {"c", "3"}}, &where).ok());
  const std::string path = FilePath(tmp.path(), 1);
  FlipByte(path, where[1].offset + 12);  // b's key
  std::vector<std::string> seen;
  Status s = log->ForEachRecord(1, [&](std::string_view key, std::string_view, const auto&) {
    seen.emplace_back(key);
    return Status::OK();
  });
  CHECK(s.IsCorruption());
  CHECK(s.message() == "value log corruption in " + path + " at offset " +
                           std::to_string(where[1].offset) + ": record checksum mismatch");
  CHECK(seen == std::vector<std::string>{"a"});
}

TEST_CASE("a removed file's pointers give NotFound and its bytes count as reclaimed") {
  TempDir tmp;
  ValueLogOptions options;
  options.max_file_bytes = 100;
  auto log = OpenLog(DefaultFileSystem(), tmp.path(), options);
  ValuePointer a, b;
  const std::string v30(30, 'v');
  REQUIRE(log->Append("k:a", v30, &a).ok());
  REQUIRE(log->Append("k:b", v30, &b).ok());
  log->MarkDead(a);
  REQUIRE(log->CompactionCandidates(0.5) == std::vector<uint32_t>{1});
  REQUIRE(log->RemoveFile(1).ok());
  CHECK_FALSE(Exists(FilePath(tmp.path(), 1)));
  std::string value;
  Status s = log->Read(a, "k:a", &value);
  CHECK(s.IsNotFound());
  CHECK(s.message() == "value log of shard 3: no file 00000001.vlog in " + tmp.path() +
                           " (removed by compaction, or never written)");
  RequireValue(*log, b, "k:b", v30);
  ValueLogStats stats = log->Stats();
  CHECK(stats.files == 1);
  CHECK(stats.total_bytes == 69);
  CHECK(stats.dead_bytes == 0);
  CHECK(stats.reclaimed_bytes == 69);
  CHECK(stats.files_compacted == 1);
  CHECK(stats.appended_bytes == 90);
  CHECK(log->RemoveFile(1).IsNotFound());
  CHECK(log->CompactionCandidates(0.0).empty());
}

TEST_CASE("the active file cannot be removed") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  ValuePointer a;
  REQUIRE(log->Append("k", "v", &a).ok());
  Status s = log->RemoveFile(1);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "value log of shard 3: cannot remove " + FilePath(tmp.path(), 1) +
                           ": it is the active file");
  RequireValue(*log, a, "k", "v");
}

TEST_CASE("a removal waits for a visit of the file already under way") {
  TempDir tmp;
  ValueLogOptions options;
  options.max_file_bytes = 100;
  auto log = OpenLog(DefaultFileSystem(), tmp.path(), options);
  std::vector<ValuePointer> where;
  REQUIRE(log->AppendBatch({{"a", "1"}, {"b", "2"}, {"c", "3"}}, &where).ok());
  ValuePointer next;
  REQUIRE(log->Append("d", std::string(100, 'd'), &next).ok());  // seals file 1
  REQUIRE(next.file_id == 2);
  const std::string path = FilePath(tmp.path(), 1);
  std::future<Status> removal;
  std::vector<std::string> seen;
  Status visit = log->ForEachRecord(1, [&](std::string_view key, std::string_view, const auto&) {
    seen.emplace_back(key);
    if (seen.size() == 1) {
      removal = std::async(std::launch::async, [&] { return log->RemoveFile(1); });
      // The removal takes the file out of the log at once ...
      while (log->Stats().files != 1) std::this_thread::yield();
      std::string value;
      CHECK(log->Read(where[2], "c", &value).IsNotFound());  // new readers are refused
      // ... but deletes it only once this visit is done.
      CHECK(Exists(path));
    }
    return Status::OK();
  });
  CHECK(visit.ok());
  CHECK(seen == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(removal.valid());
  CHECK(removal.get().ok());
  CHECK_FALSE(Exists(path));
  CHECK(log->Stats().files_compacted == 1);
}

TEST_CASE("Open deletes the value-log files of an earlier run and leaves other files alone") {
  TempDir tmp;
  const std::string dir = tmp.Sub("cold");
  {
    ValueLogOptions options;
    options.max_file_bytes = 50;
    auto log = OpenLog(DefaultFileSystem(), dir, options);
    ValuePointer p;
    REQUIRE(log->Append("a", std::string(40, 'a'), &p).ok());
    REQUIRE(log->Append("b", std::string(40, 'b'), &p).ok());
    REQUIRE(log->Stats().files == 2);
  }
  // Closing leaves the files for the dump tool.
  REQUIRE(Exists(FilePath(dir, 1)));
  REQUIRE(Exists(FilePath(dir, 2)));
  WriteFileOrDie(dir + "/README.txt", "value log of the cold tier\n");
  WriteFileOrDie(dir + "/00000009.vlog.tmp", "not ours");
  auto log = OpenLog(DefaultFileSystem(), dir);
  CHECK_FALSE(Exists(FilePath(dir, 1)));
  CHECK_FALSE(Exists(FilePath(dir, 2)));
  CHECK(Exists(dir + "/README.txt"));
  CHECK(Exists(dir + "/00000009.vlog.tmp"));
  ValueLogStats stats = log->Stats();
  CHECK(stats.files == 0);
  CHECK(stats.total_bytes == 0);
  std::string value;
  CHECK(log->Read(ValuePointer{1, 24, 53}, "a", &value).IsNotFound());
  ValuePointer p;
  REQUIRE(log->Append("fresh", "start", &p).ok());
  CHECK(p == ValuePointer{1, 24, 22});  // ids start again at 1
  RequireValue(*log, p, "fresh", "start");
}

TEST_CASE("an injected write failure fails the batch, and the next append starts a new file") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  auto log = OpenLog(&fs, tmp.path());
  ValuePointer a, b;
  REQUIRE(log->Append("a", "1", &a).ok());
  fs.FailNextAppend();
  std::vector<ValuePointer> where;
  Status s = log->AppendBatch({{"x", "lost"}, {"y", "lost"}}, &where);
  CHECK(s.IsIOError());
  CHECK(s.message() == "value log of shard 3: cannot append 2 records at offset 38 of " +
                           FilePath(tmp.path(), 1) + ": injected write failure");
  CHECK(where.empty());
  REQUIRE(log->Append("b", "2", &b).ok());
  CHECK(b.file_id == 2);  // the failed file takes no more appends
  RequireValue(*log, a, "a", "1");
  RequireValue(*log, b, "b", "2");
  ValueLogStats stats = log->Stats();
  CHECK(stats.appended_bytes == 28);  // the failed batch is not counted
  CHECK(log->FileStats()[0].bytes == 38);
  // The sealed file holds no garbage yet, so it is no candidate; its records stay readable.
  CHECK(log->CompactionCandidates(0.1).empty());
  // A failure to start a file (its header write) fails the append too.
  ValueLogOptions tiny;
  tiny.max_file_bytes = 1;
  auto rolling = OpenLog(&fs, tmp.Sub("other"), tiny);
  REQUIRE(rolling->Append("a", "1", &a).ok());
  fs.FailNextAppend();  // the header of file 2
  CHECK(rolling->Append("b", "2", &b).IsIOError());
  REQUIRE(rolling->Append("c", "3", &b).ok());
  CHECK(b.file_id == 3);
  RequireValue(*rolling, b, "c", "3");
}

TEST_CASE("an injected fsync failure under kEachBatch fails the batch and counts it dead") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  ValueLogOptions options;
  options.sync = ValueLogSync::kEachBatch;
  auto log = OpenLog(&fs, tmp.path(), options);
  ValuePointer a, b;
  const int syncs = fs.sync_count();
  REQUIRE(log->Append("a", "1", &a).ok());
  CHECK(fs.sync_count() == syncs + 1);
  CHECK(fs.SyncedBytes(FilePath(tmp.path(), 1)) == 38);
  fs.FailNextSync();
  Status s = log->Append("b", "2", &b);
  CHECK(s.IsIOError());
  CHECK(s.message().find("cannot fsync " + FilePath(tmp.path(), 1)) != std::string::npos);
  auto files = log->FileStats();
  REQUIRE(files.size() == 1);
  CHECK_FALSE(files[0].active);
  CHECK(files[0].live_bytes == 14);
  CHECK(files[0].dead_bytes == 14);
  RequireValue(*log, a, "a", "1");
  REQUIRE(log->Append("c", "3", &b).ok());
  CHECK(b.file_id == 2);
}

TEST_CASE("injected read failures and damaged reads give errors and never a wrong value") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  auto log = OpenLog(&fs, tmp.path());
  ValuePointer a;
  REQUIRE(log->Append("user:1", "ada", &a).ok());
  std::string value = "stale";
  const int reads = fs.read_count();
  fs.FailNextRead();
  Status s = log->Read(a, "user:1", &value);
  CHECK(s.IsIOError());
  CHECK(s.message() ==
        "cannot read " + FilePath(tmp.path(), 1) + " at offset 24: injected read failure");
  CHECK(value.empty());
  fs.CorruptNextRead();
  s = log->Read(a, "user:1", &value);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("at offset 24: record checksum mismatch") != std::string::npos);
  CHECK(value.empty());
  RequireValue(*log, a, "user:1", "ada");  // the file itself is fine
  CHECK(fs.read_count() == reads + 3);     // one pread per Read
  fs.FailNextRead();
  CHECK(log->ForEachRecord(1, [](auto, auto, const auto&) { return Status::OK(); }).IsIOError());
  fs.CorruptNextRead();  // the first chunk: the header and the record
  CHECK(log->ForEachRecord(1, [](auto, auto, const auto&) { return Status::OK(); }).IsCorruption());
}

TEST_CASE("Sync makes every file written so far durable, sealed ones included") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  ValueLogOptions options;
  options.max_file_bytes = 50;
  auto log = OpenLog(&fs, tmp.path(), options);
  ValuePointer a, b;
  REQUIRE(log->Append("a", std::string(20, 'a'), &a).ok());
  REQUIRE(log->Append("b", std::string(20, 'b'), &b).ok());
  REQUIRE(b.file_id == 2);
  CHECK(fs.SyncedBytes(FilePath(tmp.path(), 1)) == 0);  // kNever: nothing synced on its own
  REQUIRE(log->Sync().ok());
  CHECK(fs.SyncedBytes(FilePath(tmp.path(), 1)) == 57);
  CHECK(fs.SyncedBytes(FilePath(tmp.path(), 2)) == 57);
  const int syncs = fs.sync_count();
  REQUIRE(log->Sync().ok());  // the sealed file is clean now: only the active one again
  CHECK(fs.sync_count() == syncs + 1);
}

TEST_CASE("a record of 4 GiB or more is refused before anything is written") {
  TempDir tmp;
  auto log = OpenLog(DefaultFileSystem(), tmp.path());
  // A view of the right length over a small buffer: the length check comes before any read.
  static const char kByte = 'x';
  std::string_view huge(&kByte, static_cast<size_t>(vlog::kMaxRecordSize));
  ValuePointer where;
  Status s = log->Append("k", huge, &where);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("a record must stay below 4 GiB") != std::string::npos);
  CHECK(log->Stats().files == 0);
}

}  // namespace warp
