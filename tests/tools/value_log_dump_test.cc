#include "tools/value_log_dump.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "store/filename.h"
#include "store/value_log.h"
#include "store/value_log_format.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "wal/file.h"

namespace warp::tools {

namespace {

// Writes shard 2's value log in dir/spacetime/shard-02/cold/ and returns the path of its first
// file, which holds "user:1" = "ada", a binary record and an empty value.
std::string MakeValueLog(const std::string& dir, std::vector<ValuePointer>* where) {
  std::unique_ptr<ValueLog> log;
  REQUIRE(
      ValueLog::Open(DefaultFileSystem(), filename::ShardCold(dir, 2), 2, ValueLogOptions(), &log)
          .ok());
  REQUIRE(log->AppendBatch({{"user:1", "ada"},
                            {std::string_view("k\0y", 3), std::string_view("a\0b\\\xff", 5)},
                            {"empty", ""}},
                           where)
              .ok());
  return filename::ShardCold(dir, 2) + "/" + vlog::FileName(1);
}

std::vector<nlohmann::json> ParseLines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

TEST_CASE("value-log dump prints the header and every record as JSON lines with escaped bytes") {
  testing::TempDir tmp;
  std::vector<ValuePointer> where;
  const std::string path = MakeValueLog(tmp.path(), &where);
  std::string out;
  Status s = DumpValueLogFile(path, &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  auto lines = ParseLines(out);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == nlohmann::json{{"type", "header"},
                                   {"file", path},
                                   {"bytes", where[2].offset + where[2].size},
                                   {"format_version", 1},
                                   {"shard", 2},
                                   {"file_id", 1}});
  CHECK(out.find("{\"type\":\"record\",\"offset\":24,\"size\":21,\"key\":\"user:1\",\"value\":"
                 "\"ada\"}\n") != std::string::npos);
  CHECK(lines[2]["key"] == "k\\x00y");
  CHECK(lines[2]["value"] == "a\\x00b\\x5c\\xff");
  CHECK(lines[2]["offset"] == where[1].offset);
  CHECK(lines[3]["key"] == "empty");
  CHECK(lines[3]["value"] == "");
  CHECK(lines[4] ==
        nlohmann::json{{"type", "end"},
                       {"records", 3},
                       {"record_bytes", where[0].size + where[1].size + where[2].size}});
}

TEST_CASE("value-log dump stops at a damaged record with the file and offset") {
  testing::TempDir tmp;
  std::vector<ValuePointer> where;
  const std::string path = MakeValueLog(tmp.path(), &where);
  std::string bytes = testing::ReadFileOrEmpty(path);
  bytes[where[1].offset + where[1].size - 1] ^= 0x40;
  testing::WriteFileOrDie(path, bytes);
  std::string out;
  Status s = DumpValueLogFile(path, &out);
  CHECK(s.IsCorruption());
  const std::string expected = "value log corruption in " + path + " at offset " +
                               std::to_string(where[1].offset) + ": record checksum mismatch";
  CHECK(s.message() == expected);
  auto lines = ParseLines(out);
  REQUIRE(lines.size() == 3);  // header, user:1, the error
  CHECK(lines[1]["key"] == "user:1");
  CHECK(lines[2] == nlohmann::json{{"type", "error"}, {"error", expected}});
}

TEST_CASE("value-log dump reports a torn last record and a damaged header") {
  testing::TempDir tmp;
  std::vector<ValuePointer> where;
  const std::string path = MakeValueLog(tmp.path(), &where);
  const std::string bytes = testing::ReadFileOrEmpty(path);
  testing::WriteFileOrDie(path, bytes.substr(0, bytes.size() - 2));
  std::string out;
  Status s = DumpValueLogFile(path, &out);
  CHECK(s.message() == "value log corruption in " + path + " at offset " +
                           std::to_string(where[2].offset) +
                           ": truncated record: its lengths claim 17 bytes, 15 remain before the "
                           "end of the file");
  CHECK(ParseLines(out).size() == 4);  // header, two records, the error

  std::string damaged = bytes;
  damaged[0] = 'X';
  testing::WriteFileOrDie(path, damaged);
  s = DumpValueLogFile(path, &out);
  CHECK(s.message() ==
        "value log corruption in " + path + " at offset 0: bad magic (not a WarpEngine value log)");
  CHECK(ParseLines(out).size() == 1);  // the error alone

  CHECK(DumpValueLogFile(tmp.Sub("missing.vlog"), &out).IsNotFound());
}

TEST_CASE("warp value-log dump exits 0 on success, 1 on a damaged file and 2 on a bad command") {
  testing::TempDir tmp;
  std::vector<ValuePointer> where;
  const std::string path = MakeValueLog(tmp.path(), &where);
  auto run = [&](const std::vector<std::string>& args, std::string* output) {
    std::vector<std::string> argv = {testing::BuiltBinary("warp"), "value-log", "dump"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = testing::ChildProcess::Start(argv);
    REQUIRE(child != nullptr);
    int code = child->Wait(std::chrono::seconds(60));
    *output = child->output();
    return code;
  };
  std::string output;
  CHECK(run({"--file", path}, &output) == 0);
  CHECK(output.find("\"key\":\"user:1\",\"value\":\"ada\"") != std::string::npos);
  CHECK(run({}, &output) == 2);
  CHECK(output.find("warp value-log dump: --file PATH is required") != std::string::npos);
  CHECK(run({"--file", path, "--data", tmp.path()}, &output) == 2);
  CHECK(run({"--file", path, "--shard", "1"}, &output) == 2);

  std::string bytes = testing::ReadFileOrEmpty(path);
  bytes[where[0].offset + 20] ^= 0x01;
  testing::WriteFileOrDie(path, bytes);
  CHECK(run({"--file", path}, &output) == 1);
  CHECK(output.find("warp value-log dump: value log corruption in " + path +
                    " at offset 24: record checksum mismatch") != std::string::npos);
}

}  // namespace warp::tools
