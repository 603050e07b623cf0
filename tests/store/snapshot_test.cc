#include "store/snapshot.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "store/filename.h"
#include "store/snapshot_format.h"
#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileOrDie;

namespace {

FileSystem* fs() { return DefaultFileSystem(); }

struct Entry {
  std::string key;
  std::string value;
  uint64_t version = 0;
  int64_t expire_at_ms = 0;
  bool operator==(const Entry& o) const {
    return key == o.key && value == o.value && version == o.version &&
           expire_at_ms == o.expire_at_ms;
  }
};

std::string ToHex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Writes `entries` as the snapshot of `shard` at `lsn` in `dir`.
SnapshotInfo WriteSnapshot(FileSystem* fs, const std::string& dir, uint32_t shard, uint64_t lsn,
                           const std::vector<Entry>& entries) {
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(fs, dir, shard, lsn, &writer).ok());
  for (const Entry& e : entries) {
    REQUIRE(writer->Add(e.key, e.value, e.version, e.expire_at_ms).ok());
  }
  SnapshotInfo info;
  Status s = writer->Finish(&info);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return info;
}

// Reads `path` back into *entries (cleared first).
Status ReadAll(const std::string& path, uint32_t shard, std::vector<Entry>* entries,
               SnapshotInfo* info = nullptr) {
  entries->clear();
  return ReadSnapshot(
      fs(), path, shard,
      [entries](const SnapshotEntry& e) {
        entries->push_back({std::string(e.key), std::string(e.value), e.version, e.expire_at_ms});
        return Status::OK();
      },
      info);
}

// n small entries "key:<i>" = "value-<i>..." with versions 1..n.
std::vector<Entry> Numbered(size_t n) {
  std::vector<Entry> entries;
  for (size_t i = 1; i <= n; ++i) {
    entries.push_back(
        {"key:" + std::to_string(i), "value-" + std::to_string(i) + std::string(i % 13, 'x'), i});
  }
  return entries;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// Offsets of every block of a snapshot file, found by walking the block headers.
std::vector<size_t> BlockOffsets(const std::string& file) {
  std::vector<size_t> offsets;
  size_t p = snapshot::kHeaderSize;
  while (p + snapshot::kFooterSize < file.size()) {
    offsets.push_back(p);
    p += snapshot::kBlockHeaderSize + snapshot::DecodeBlockHeader(file.data() + p).stored_len;
  }
  return offsets;
}

std::string CorruptionAt(const std::string& path, size_t offset) {
  return "snapshot corruption in " + path + " at offset " + std::to_string(offset) + ": ";
}

// Expects ReadSnapshot of `path` to fail with a Corruption at `offset` without visiting.
void CheckRefused(const std::string& path, uint32_t shard, size_t offset) {
  std::vector<Entry> entries;
  Status s = ReadAll(path, shard, &entries);
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().rfind(CorruptionAt(path, offset), 0) == 0);
  REQUIRE(entries.empty());
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  REQUIRE(fs()->ListDir(dir, &names).ok());
  std::sort(names.begin(), names.end());
  return names;
}

// The worked example of docs/snapshot_format.md: shard 3, LSN 42, created
// 2026-11-24T10:00:00.000Z, user:1 = ada (version 7, expiring at 2026-11-24T10:01:00.000Z) and
// cat = meow (version 42, no expiry), in one block with the expiry flag.
constexpr uint64_t kExampleCreatedMs = 1795514400000;
constexpr int64_t kExampleExpiryMs = 1795514460000;
const char* const kExampleHex =
    "57 41 52 50 53 4e 50 31 01 00 00 00 03 00 00 00 2a 00 00 00 00 00 00 00 00 7d ff 0c a2 01 "
    "00 00 f0 1a 74 a3 6f 27 eb 1c 34 00 00 00 34 00 00 00 02 00 00 00 02 06 75 73 65 72 3a 31 "
    "03 61 64 61 07 00 00 00 00 00 00 00 60 67 00 0d a2 01 00 00 03 63 61 74 04 6d 65 6f 77 2a "
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 10 00 00 00 00 00 00 "
    "00 2a 00 00 00 00 00 00 00 01 00 00 00 fc 89 fc e7 57 41 52 50 53 4e 50 45";
// The same two entries as a snapshot written before the expiry flag existed (block flags 0, no
// expiry field): the first worked example of the format, still readable.
const char* const kLegacyExampleHex =
    "57 41 52 50 53 4e 50 31 01 00 00 00 03 00 00 00 2a 00 00 00 00 00 00 00 00 7d ff 0c a2 01 "
    "00 00 f0 1a 74 a3 e9 55 e0 2d 24 00 00 00 24 00 00 00 02 00 00 00 00 06 75 73 65 72 3a 31 "
    "03 61 64 61 07 00 00 00 00 00 00 00 03 63 61 74 04 6d 65 6f 77 2a 00 00 00 00 00 00 00 02 "
    "00 00 00 00 00 00 00 10 00 00 00 00 00 00 00 2a 00 00 00 00 00 00 00 01 00 00 00 fc 89 fc "
    "e7 57 41 52 50 53 4e 50 45";

// The example file with the given block flags (kBlockFlagExpiry: the current writer's layout;
// 0: the legacy one, which cannot hold user:1's expiry).
std::string ExampleFile(uint8_t block_flags = snapshot::kBlockFlagExpiry) {
  std::string file;
  snapshot::Header h;
  h.shard = 3;
  h.lsn = 42;
  h.created_unix_ms = kExampleCreatedMs;
  snapshot::EncodeHeader(h, &file);
  std::string raw;
  snapshot::AppendEntry({"user:1", "ada", 7, kExampleExpiryMs}, block_flags, &raw);
  snapshot::AppendEntry({"cat", "meow", 42, 0}, block_flags, &raw);
  snapshot::BlockHeader b;
  b.raw_len = static_cast<uint32_t>(raw.size());
  b.entries = 2;
  b.flags = block_flags;
  char block_header[snapshot::kBlockHeaderSize];
  snapshot::EncodeBlockHeader(b, raw, block_header);
  file.append(block_header, sizeof(block_header));
  file += raw;
  snapshot::EncodeFooter({2, 16, 42, 1}, &file);
  return file;
}

struct CraftedBlock {
  std::string stored;
  uint32_t entries = 0;
  uint8_t flags = 0;
  int64_t raw_len = -1;  // -1: stored.size()
};

// A file of shard 0 at `lsn` made of the given blocks (each with a valid checksum) and a footer
// with the given counts: for contents and counts the writer never produces.
std::string CraftedFile(uint64_t lsn, const std::vector<CraftedBlock>& blocks,
                        snapshot::Footer footer, const std::string& before_footer = "") {
  std::string file;
  snapshot::Header h;
  h.lsn = lsn;
  snapshot::EncodeHeader(h, &file);
  for (const CraftedBlock& block : blocks) {
    snapshot::BlockHeader b;
    b.raw_len = static_cast<uint32_t>(block.raw_len < 0 ? block.stored.size() : block.raw_len);
    b.entries = block.entries;
    b.flags = block.flags;
    char header[snapshot::kBlockHeaderSize];
    snapshot::EncodeBlockHeader(b, block.stored, header);
    file.append(header, sizeof(header));
    file += block.stored;
  }
  file += before_footer;
  footer.lsn = lsn;
  snapshot::EncodeFooter(footer, &file);
  return file;
}

}  // namespace

TEST_CASE("snapshot file names carry the LSN in twenty digits and parse back with their type") {
  using filename::SnapshotFileType;
  CHECK(filename::SnapshotFileName(42) == "snapshot-00000000000000000042.snap");
  CHECK(filename::SnapshotFileName(42, SnapshotFileType::kSidecar) ==
        "snapshot-00000000000000000042.json");
  CHECK(filename::SnapshotFileName(42, SnapshotFileType::kSnapshotTemp) ==
        "snapshot-00000000000000000042.snap.tmp");
  CHECK(filename::ShardSnapshot("d", 7, 42) ==
        "d/spacetime/shard-07/snapshots/snapshot-00000000000000000042.snap");
  uint64_t lsn = 0;
  SnapshotFileType type;
  REQUIRE(filename::ParseSnapshotFileName(filename::SnapshotFileName(UINT64_MAX), &lsn, &type));
  CHECK(lsn == UINT64_MAX);
  CHECK(type == SnapshotFileType::kSnapshot);
  REQUIRE(filename::ParseSnapshotFileName("snapshot-00000000000000000009.json.tmp", &lsn, &type));
  CHECK(lsn == 9);
  CHECK(type == SnapshotFileType::kSidecarTemp);
  CHECK_FALSE(filename::ParseSnapshotFileName("snapshot-0000000000000000009.snap", &lsn, &type));
  CHECK_FALSE(filename::ParseSnapshotFileName("snapshot-99999999999999999999.snap", &lsn, &type));
  CHECK_FALSE(filename::ParseSnapshotFileName("snapshot-00000000000000000009.snapx", &lsn, &type));
  CHECK_FALSE(filename::ParseSnapshotFileName("README.txt", &lsn, &type));
}

// These bytes are the worked example of docs/snapshot_format.md: keep the two in step.
TEST_CASE("the snapshot of shard 3 at LSN 42 holding two entries has the documented bytes") {
  std::string file = ExampleFile();
  REQUIRE(file.size() == 145);
  CHECK(ToHex(file) == kExampleHex);
  CHECK(ToHex(ExampleFile(0)) == kLegacyExampleHex);
}

TEST_CASE("the writer produces the documented bytes apart from the creation time") {
  TempDir tmp;
  const std::vector<Entry> example_entries = {{"user:1", "ada", 7, kExampleExpiryMs},
                                              {"cat", "meow", 42, 0}};
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 3, 42, example_entries);
  std::string file = ReadFileOrEmpty(info.path);
  std::string example = ExampleFile();
  REQUIRE(file.size() == example.size());
  // Bytes 24..35 are the creation time and the header checksum covering it.
  CHECK(file.substr(0, 24) == example.substr(0, 24));
  CHECK(file.substr(36) == example.substr(36));
  CHECK(info.path == tmp.Sub("snapshot-00000000000000000042.snap"));
  CHECK(info.file_bytes == 145);
  CHECK(info.keys == 2);
  CHECK(info.logical_bytes == 16);
  CHECK(info.blocks == 1);

  std::vector<Entry> entries;
  SnapshotInfo read_info;
  REQUIRE(ReadAll(info.path, 3, &entries, &read_info).ok());
  CHECK(entries == example_entries);
  CHECK(read_info.created == info.created);
  CHECK(read_info.created.size() == std::string("2026-11-24T10:00:00.000Z").size());
}

TEST_CASE("a snapshot written before the expiry flag reads back with no expiries") {
  TempDir tmp;
  std::string path = tmp.Sub(filename::SnapshotFileName(42));
  WriteFileOrDie(path, ExampleFile(0));
  std::vector<Entry> entries;
  SnapshotInfo info;
  REQUIRE(ReadAll(path, 3, &entries, &info).ok());
  CHECK(info.file_bytes == 129);
  CHECK(entries == std::vector<Entry>{{"user:1", "ada", 7, 0}, {"cat", "meow", 42, 0}});
}

TEST_CASE("blocks with and without the expiry flag mix in one file") {
  TempDir tmp;
  std::string path = tmp.Sub("mixed.snap");
  std::string legacy, current;
  snapshot::AppendEntry({"a", "1", 1, 0}, 0, &legacy);
  snapshot::AppendEntry({"b", "22", 2, -5}, snapshot::kBlockFlagExpiry, &current);
  snapshot::AppendEntry({"c", "333", 3, INT64_MAX}, snapshot::kBlockFlagExpiry, &current);
  WriteFileOrDie(path, CraftedFile(5, {{legacy, 1}, {current, 2, snapshot::kBlockFlagExpiry}},
                                   {3, 2 + 3 + 4, 0, 2}));
  std::vector<Entry> read;
  REQUIRE(ReadAll(path, 0, &read).ok());
  CHECK(read ==
        std::vector<Entry>{{"a", "1", 1, 0}, {"b", "22", 2, -5}, {"c", "333", 3, INT64_MAX}});
}

TEST_CASE("the example file reads back with its creation time in UTC") {
  TempDir tmp;
  std::string path = tmp.Sub(filename::SnapshotFileName(42));
  WriteFileOrDie(path, ExampleFile());
  std::vector<Entry> entries;
  SnapshotInfo info;
  REQUIRE(ReadAll(path, 3, &entries, &info).ok());
  CHECK(info.created == "2026-11-24T10:00:00.000Z");
  CHECK(info.shard == 3);
  CHECK(info.lsn == 42);
  CHECK(entries.size() == 2);
}

TEST_CASE("many entries with empty, binary and 1 MiB values round trip in file order") {
  TempDir tmp;
  std::vector<Entry> entries = Numbered(20000);
  entries.push_back({"empty", "", 20001});
  entries.push_back({std::string("bin\0\xff\x80", 6), std::string("\0\x01\xfe\xff", 4), 20002});
  entries.push_back({"large", RandomBytes(1 << 20, 7), 20003});
  entries.push_back({"", "empty key", 0});
  entries.push_back({"after-large", "still here", 20004});
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 5, 20004, entries);
  CHECK(info.shard == 5);
  CHECK(info.lsn == 20004);
  CHECK(info.keys == entries.size());
  uint64_t logical = 0;
  for (const Entry& e : entries) logical += e.key.size() + e.value.size();
  CHECK(info.logical_bytes == logical);
  CHECK(info.blocks > 3);

  std::vector<Entry> read;
  SnapshotInfo read_info;
  REQUIRE(ReadAll(info.path, 5, &read, &read_info).ok());
  CHECK(read == entries);
  CHECK(read_info.keys == info.keys);
  CHECK(read_info.logical_bytes == info.logical_bytes);
  CHECK(read_info.file_bytes == info.file_bytes);
  CHECK(read_info.blocks == info.blocks);
  CHECK(read_info.path == info.path);
}

TEST_CASE("the sidecar describes the snapshot in readable JSON") {
  TempDir tmp;
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 2, 9, Numbered(9));
  std::string text = ReadFileOrEmpty(tmp.Sub("snapshot-00000000000000000009.json"));
  nlohmann::json doc = nlohmann::json::parse(text);
  CHECK(doc["format_version"] == 1);
  CHECK(doc["file"] == "snapshot-00000000000000000009.snap");
  CHECK(doc["shard"] == 2);
  CHECK(doc["lsn"] == 9);
  CHECK(doc["keys"] == 9);
  CHECK(doc["logical_bytes"] == info.logical_bytes);
  CHECK(doc["file_bytes"] == info.file_bytes);
  CHECK(doc["blocks"] == 1);
  CHECK(doc["created"] == info.created);
  std::string file = ReadFileOrEmpty(info.path);
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", crc32c::Value(file.data(), file.size()));
  CHECK(doc["file_crc32c"] == crc);
  CHECK(text.find("\n  \"shard\": 2,\n") != std::string::npos);  // one field a line
}

TEST_CASE("blocks are cut once 64 KiB are buffered and a larger entry gets a block of its own") {
  TempDir tmp;
  // Each entry encodes to exactly 1024 bytes (1 + 8 + 2 + 997 + 8 + 8), so 64 fill a block.
  std::vector<Entry> entries;
  for (int i = 0; i < 641; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%07d", i);
    entries.push_back({key, RandomBytes(997, i), 1});
  }
  entries.push_back({"huge", std::string(3 << 20, 'h'), 1});  // compressible, 3 MiB
  entries.push_back({"tail", "t", 1});
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 0, 1, entries);
  // 10 full blocks, then 1 entry + huge (>= 64 KiB: cut), then tail alone.
  CHECK(info.blocks == 12);
  std::string file = ReadFileOrEmpty(info.path);
  std::vector<size_t> offsets = BlockOffsets(file);
  REQUIRE(offsets.size() == 12);
  for (size_t i = 0; i < 10; ++i) {
    snapshot::BlockHeader h = snapshot::DecodeBlockHeader(file.data() + offsets[i]);
    CHECK(h.entries == 64);
    CHECK(h.raw_len == 64 * 1024);
    CHECK(h.flags == snapshot::kBlockFlagExpiry);  // random values: stored raw
  }
  snapshot::BlockHeader big = snapshot::DecodeBlockHeader(file.data() + offsets[10]);
  CHECK(big.entries == 2);
  CHECK(big.raw_len == 1024 + 1 + 4 + 4 + (3 << 20) + 8 + 8);
  CHECK(big.flags == (snapshot::kBlockFlagLz4 | snapshot::kBlockFlagExpiry));
  CHECK(big.stored_len < big.raw_len / 100);
  CHECK(snapshot::DecodeBlockHeader(file.data() + offsets[11]).entries == 1);
  std::vector<Entry> read;
  REQUIRE(ReadAll(info.path, 0, &read).ok());
  CHECK(read == entries);
}

TEST_CASE("an empty table makes a valid snapshot without blocks") {
  TempDir tmp;
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 1, 0, {});
  CHECK(info.blocks == 0);
  CHECK(info.file_bytes == snapshot::kHeaderSize + snapshot::kFooterSize);
  std::vector<Entry> read;
  SnapshotInfo read_info;
  REQUIRE(ReadAll(info.path, 1, &read, &read_info).ok());
  CHECK(read.empty());
  CHECK(read_info.keys == 0);
}

TEST_CASE("snapshots are listed newest first, ignoring tmp files, sidecars and other names") {
  TempDir tmp;
  std::string dir = tmp.Sub("snapshots");
  WriteSnapshot(fs(), dir, 0, 5, Numbered(5));
  WriteSnapshot(fs(), dir, 0, 120, Numbered(120));
  WriteSnapshot(fs(), dir, 0, 17, Numbered(17));
  WriteFileOrDie(dir + "/" + filename::SnapshotFileName(999) + ".tmp", "half written");
  WriteFileOrDie(dir + "/README.txt", "Snapshots of this shard's table.\n");
  WriteFileOrDie(dir + "/snapshot-123.snap", "not a snapshot name");
  std::vector<SnapshotInfo> found;
  REQUIRE(ListSnapshots(fs(), dir, &found).ok());
  REQUIRE(found.size() == 3);
  CHECK(found[0].lsn == 120);
  CHECK(found[0].path == dir + "/snapshot-00000000000000000120.snap");
  CHECK(found[1].lsn == 17);
  CHECK(found[2].lsn == 5);
}

TEST_CASE("a missing snapshot directory lists as empty") {
  TempDir tmp;
  std::vector<SnapshotInfo> found = {SnapshotInfo()};
  REQUIRE(ListSnapshots(fs(), tmp.Sub("nowhere"), &found).ok());
  CHECK(found.empty());
  REQUIRE(PruneSnapshots(fs(), tmp.Sub("nowhere"), 1).ok());
}

TEST_CASE("pruning keeps the newest snapshots with their sidecars and removes every tmp file") {
  TempDir tmp;
  std::string dir = tmp.path();
  for (uint64_t lsn : {10, 20, 30, 40}) WriteSnapshot(fs(), dir, 0, lsn, Numbered(lsn));
  WriteFileOrDie(dir + "/" + filename::SnapshotFileName(50) + ".tmp", "abandoned by a crash");
  WriteFileOrDie(
      dir + "/" + filename::SnapshotFileName(50, filename::SnapshotFileType::kSidecarTemp), "{");
  WriteFileOrDie(dir + "/" + filename::SnapshotFileName(5, filename::SnapshotFileType::kSidecar),
                 "{}");  // a sidecar whose snapshot is gone
  WriteFileOrDie(dir + "/README.txt", "kept");
  REQUIRE(PruneSnapshots(fs(), dir, 2).ok());
  CHECK(Names(dir) == std::vector<std::string>{"README.txt", "snapshot-00000000000000000030.json",
                                               "snapshot-00000000000000000030.snap",
                                               "snapshot-00000000000000000040.json",
                                               "snapshot-00000000000000000040.snap"});
  REQUIRE(PruneSnapshots(fs(), dir, 0).ok());
  CHECK(Names(dir) == std::vector<std::string>{"README.txt"});
}

TEST_CASE("a writer destroyed before Finish leaves nothing behind") {
  TempDir tmp;
  {
    std::unique_ptr<SnapshotWriter> writer;
    REQUIRE(SnapshotWriter::Create(fs(), tmp.path(), 0, 7, &writer).ok());
    for (const Entry& e : Numbered(7)) REQUIRE(writer->Add(e.key, e.value, e.version).ok());
    CHECK(Names(tmp.path()) == std::vector<std::string>{"snapshot-00000000000000000007.snap.tmp"});
    std::vector<SnapshotInfo> found;
    REQUIRE(ListSnapshots(fs(), tmp.path(), &found).ok());
    CHECK(found.empty());  // an unfinished snapshot is not a snapshot
  }
  CHECK(Names(tmp.path()).empty());
}

TEST_CASE("a version above the snapshot LSN is refused and nothing is added") {
  TempDir tmp;
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(fs(), tmp.path(), 4, 10, &writer).ok());
  REQUIRE(writer->Add("a", "1", 10).ok());
  Status s = writer->Add("b", "2", 11);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "snapshot shard 4 lsn 10: entry version 11 is above the snapshot LSN");
  SnapshotInfo info;
  REQUIRE(writer->Finish(&info).ok());
  CHECK(info.keys == 1);
  CHECK(writer->Add("c", "3", 1).IsInvalidArgument());
  CHECK(writer->Finish(&info).IsInvalidArgument());
}

TEST_CASE("a bit flip in any region is a corruption at that region's offset and visits nothing") {
  TempDir tmp;
  std::vector<Entry> entries = Numbered(6000);  // compressible: several LZ4 blocks
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 2, 6000, entries);
  const std::string good = ReadFileOrEmpty(info.path);
  std::vector<size_t> blocks = BlockOffsets(good);
  REQUIRE(blocks.size() >= 3);
  const size_t footer = good.size() - snapshot::kFooterSize;
  auto flip = [&](size_t at, uint8_t bit, size_t expected_offset) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ bit);
    WriteFileOrDie(info.path, bad);
    INFO("flipped byte " << at << " bit " << int(bit));
    CheckRefused(info.path, 2, expected_offset);
  };
  SECTION("header") {
    for (size_t at = 0; at < snapshot::kHeaderSize; ++at) flip(at, 0x10, 0);
  }
  SECTION("block header") {
    size_t b = blocks[1];
    for (size_t at = b; at < b + snapshot::kBlockHeaderSize; ++at) flip(at, 0x04, b);
    flip(b + 10, 0x80, b);  // a stored length far past the end of the file
  }
  SECTION("block data") {
    for (size_t b : blocks) {
      size_t end =
          b + snapshot::kBlockHeaderSize + snapshot::DecodeBlockHeader(good.data() + b).stored_len;
      for (size_t at : {b + snapshot::kBlockHeaderSize, (b + end) / 2, end - 1}) flip(at, 1, b);
    }
  }
  SECTION("footer") {
    for (size_t at = footer; at < footer + 32; ++at) flip(at, 0x02, footer);
    for (size_t at = footer + 32; at < good.size(); ++at) flip(at, 0x02, good.size() - 8);
  }
  std::vector<Entry> read;
  WriteFileOrDie(info.path, good);
  REQUIRE(ReadAll(info.path, 2, &read).ok());
  CHECK(read == entries);
}

TEST_CASE("the corruption message names the file, the offset and the problem") {
  TempDir tmp;
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 2, 30, Numbered(30));
  std::string bad = ReadFileOrEmpty(info.path);
  bad[snapshot::kHeaderSize + snapshot::kBlockHeaderSize + 5] ^= 0x01;
  WriteFileOrDie(info.path, bad);
  std::vector<Entry> read;
  Status s = ReadAll(info.path, 2, &read);
  CHECK(s.message() ==
        "snapshot corruption in " + info.path + " at offset 36: block checksum mismatch");
}

TEST_CASE("a snapshot truncated at any length is refused whole") {
  TempDir tmp;
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 1, 40, Numbered(40));
  const std::string good = ReadFileOrEmpty(info.path);
  for (size_t len = 0; len < good.size(); ++len) {
    WriteFileOrDie(info.path, good.substr(0, len));
    std::vector<Entry> read;
    Status s = ReadAll(info.path, 1, &read);
    INFO("length " << len << ": " << s.ToString());
    REQUIRE(s.IsCorruption());
    REQUIRE(read.empty());
  }
  WriteFileOrDie(info.path, good.substr(0, good.size() - 1));
  std::vector<Entry> read;
  CHECK(ReadAll(info.path, 1, &read).message() ==
        CorruptionAt(info.path, good.size() - 9) +
            "missing end magic (the file is truncated or was never finished)");
  WriteFileOrDie(info.path, good.substr(0, 20));
  CHECK(ReadAll(info.path, 1, &read).message() ==
        CorruptionAt(info.path, 0) + "truncated header (20 bytes)");
}

TEST_CASE("a snapshot of another shard is refused unless any shard is accepted") {
  TempDir tmp;
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 3, 8, Numbered(8));
  std::vector<Entry> read;
  Status s = ReadAll(info.path, 4, &read);
  CHECK(s.IsCorruption());
  CHECK(s.message() ==
        CorruptionAt(info.path, 12) + "snapshot belongs to shard 3, expected shard 4");
  CHECK(read.empty());
  SnapshotInfo any;
  REQUIRE(ReadAll(info.path, kAnyShard, &read, &any).ok());
  CHECK(any.shard == 3);
  CHECK(read.size() == 8);
}

TEST_CASE("a newer format version and a header LSN unlike the file name are refused") {
  TempDir tmp;
  std::string file;
  snapshot::Header h;
  h.format_version = 2;
  h.lsn = 5;
  snapshot::EncodeHeader(h, &file);
  snapshot::EncodeFooter({0, 0, 5, 0}, &file);
  std::string path = tmp.Sub(filename::SnapshotFileName(5));
  WriteFileOrDie(path, file);
  std::vector<Entry> read;
  CHECK(ReadAll(path, 0, &read).message() ==
        CorruptionAt(path, 8) + "unsupported format version 2 (this build reads version 1)");

  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 0, 6, Numbered(6));
  std::string renamed = tmp.Sub(filename::SnapshotFileName(7));
  WriteFileOrDie(renamed, ReadFileOrEmpty(info.path));
  CHECK(ReadAll(renamed, 0, &read).message() ==
        CorruptionAt(renamed, 16) + "header LSN 6 does not match the file name");
  std::string other_name = tmp.Sub("copy.snap");  // a name that is not a snapshot name
  WriteFileOrDie(other_name, ReadFileOrEmpty(info.path));
  CHECK(ReadAll(other_name, 0, &read).ok());
}

TEST_CASE("blocks with valid checksums but bad entries or counts are refused") {
  TempDir tmp;
  std::string path = tmp.Sub("crafted.snap");
  std::string two;
  snapshot::AppendEntry({"a", "1", 1, 0}, 0, &two);
  snapshot::AppendEntry({"b", "22", 2, 0}, 0, &two);
  std::vector<Entry> read;
  auto check = [&](const std::string& file, size_t offset, const std::string& problem) {
    WriteFileOrDie(path, file);
    Status s = ReadAll(path, 0, &read);
    CHECK(s.message() == CorruptionAt(path, offset) + problem);
    CHECK(read.empty());
  };
  WriteFileOrDie(path, CraftedFile(5, {{two, 2}}, {2, 5, 0, 1}));
  REQUIRE(ReadAll(path, 0, &read).ok());  // the crafted form of a good file reads
  REQUIRE(read.size() == 2);
  const size_t block = snapshot::kHeaderSize;
  const size_t footer = block + snapshot::kBlockHeaderSize + two.size();
  check(CraftedFile(5, {{two, 3}}, {3, 5, 0, 1}), block, "malformed entry 3 of the block's 3");
  check(CraftedFile(5, {{two, 1}}, {1, 2, 0, 1}), block, "13 bytes follow the block's 1 entries");
  check(CraftedFile(1, {{two, 2}}, {2, 5, 0, 1}), block,
        "entry 2 has version 2, above the snapshot LSN 1");
  check(CraftedFile(5, {{two, 2}}, {3, 5, 0, 1}), footer,
        "footer counts 3 entries, the blocks hold 2");
  check(CraftedFile(5, {{two, 2}}, {2, 5, 0, 2}), footer,
        "footer counts 2 blocks, the blocks hold 1");
  check(CraftedFile(5, {{two, 2}}, {2, 7, 0, 1}), footer,
        "footer counts 7 logical bytes, the blocks hold 5");
  check(CraftedFile(5, {{"", 0}}, {0, 0, 0, 1}), block, "empty block");
  check(CraftedFile(5, {{two, 2, 0, 30}}, {2, 5, 0, 1}), block,
        "uncompressed block stores 25 bytes but claims 30");
  check(CraftedFile(5, {{two, 2, 0x04}}, {2, 5, 0, 1}), block + 16, "unsupported block flags 0x04");
  // The expiry flag on entries written without expiries: the fields no longer line up.
  check(CraftedFile(5, {{two, 2, snapshot::kBlockFlagExpiry}}, {2, 5, 0, 1}), block,
        "malformed entry 2 of the block's 2");
  check(CraftedFile(5, {{two, 2, snapshot::kBlockFlagLz4, 40}}, {2, 5, 0, 1}), block,
        "LZ4 block does not decompress to 40 bytes");
  check(CraftedFile(5, {{"xy", 1, snapshot::kBlockFlagLz4, 1 << 20}}, {1, 0, 0, 1}), block,
        "LZ4 block of 2 bytes cannot expand to 1048576");
  check(CraftedFile(5, {{two, 2}}, {2, 5, 0, 1}, "junk!"), footer,
        "truncated block header (5 bytes before the footer)");
}

TEST_CASE("a visitor's error stops the visit and is returned") {
  TempDir tmp;
  SnapshotInfo info = WriteSnapshot(fs(), tmp.path(), 0, 100, Numbered(100));
  int seen = 0;
  Status s = ReadSnapshot(
      fs(), info.path, 0,
      [&](const SnapshotEntry&) { return ++seen == 10 ? Status::Busy("enough") : Status::OK(); },
      nullptr);
  CHECK(s.IsBusy());
  CHECK(seen == 10);
}

TEST_CASE("a missing snapshot file is NotFound") {
  TempDir tmp;
  std::vector<Entry> read;
  CHECK(ReadAll(tmp.Sub(filename::SnapshotFileName(1)), 0, &read).IsNotFound());
}

TEST_CASE("a Finish whose fsync fails leaves no snapshot, no sidecar and no tmp file") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(fs());
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(&faulty, tmp.path(), 3, 50, &writer).ok());
  for (const Entry& e : Numbered(50)) REQUIRE(writer->Add(e.key, e.value, e.version).ok());
  faulty.FailNextSync();
  SnapshotInfo info;
  Status s = writer->Finish(&info);
  CHECK(s.IsIOError());
  CHECK(s.message() == "snapshot shard 3 lsn 50: fsync of " + writer->tmp_path() +
                           " failed: injected fsync failure (Input/output error)");
  CHECK(Names(tmp.path()).empty());
  CHECK(writer->Finish(&info).message() == s.message());  // sticky
  writer.reset();
  CHECK(Names(tmp.path()).empty());
}

TEST_CASE("a failed block write is sticky and the writer leaves nothing behind") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(fs());
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(&faulty, tmp.path(), 1, 1, &writer).ok());
  faulty.FailNextAppend();
  std::string value = RandomBytes(70000, 1);
  Status s = writer->Add("k", value, 1);  // fills a block: written at once
  CHECK(s.IsIOError());
  CHECK(writer->Add("x", "y", 1).message() == s.message());
  CHECK(writer->Finish(nullptr).message() == s.message());
  writer.reset();
  CHECK(Names(tmp.path()).empty());
}

namespace {

// Fails the rename of the sidecar into place, after the snapshot itself was renamed.
class SidecarRenameFails : public FaultInjectionFileSystem {
 public:
  using FaultInjectionFileSystem::FaultInjectionFileSystem;
  Status Rename(const std::string& from, const std::string& to) override {
    if (to.size() > 5 && to.compare(to.size() - 5, 5, ".json") == 0) {
      return Status::IOError("injected rename failure");
    }
    return FaultInjectionFileSystem::Rename(from, to);
  }
};

}  // namespace

TEST_CASE("a Finish whose sidecar cannot be written removes the renamed snapshot too") {
  TempDir tmp;
  SidecarRenameFails faulty(fs());
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(&faulty, tmp.path(), 0, 3, &writer).ok());
  REQUIRE(writer->Add("a", "b", 3).ok());
  Status s = writer->Finish(nullptr);
  CHECK(s.IsIOError());
  CHECK(s.message().find("rename of " + tmp.Sub("snapshot-00000000000000000003.json.tmp")) !=
        std::string::npos);
  CHECK(Names(tmp.path()).empty());
}

TEST_CASE("a finished snapshot survives a power loss and an unfinished one is only a tmp file") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(fs());
  SnapshotInfo info = WriteSnapshot(&faulty, tmp.path(), 0, 300, Numbered(300));
  std::unique_ptr<SnapshotWriter> writer;
  REQUIRE(SnapshotWriter::Create(&faulty, tmp.path(), 0, 400, &writer).ok());
  for (const Entry& e : Numbered(400)) REQUIRE(writer->Add(e.key, e.value, e.version).ok());
  REQUIRE(faulty.DropUnsyncedData().ok());
  std::vector<SnapshotInfo> found;
  REQUIRE(ListSnapshots(&faulty, tmp.path(), &found).ok());
  REQUIRE(found.size() == 1);
  CHECK(found[0].lsn == 300);
  std::vector<Entry> read;
  REQUIRE(ReadAll(info.path, 0, &read).ok());
  CHECK(read == Numbered(300));
}

}  // namespace warp
