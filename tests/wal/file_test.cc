#include "wal/file.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::TempDir;
using testing::WriteFileOrDie;

namespace {

// A file system that implements only the pure methods, as the fuzzers' in-memory ones do.
class MinimalFileSystem final : public FileSystem {
 public:
  Status NewWritableFile(const std::string&, std::unique_ptr<WritableFile>*) override {
    return Status::IOError("no");
  }
  Status ReadFile(const std::string&, std::string*) override { return Status::IOError("no"); }
  Status ListDir(const std::string&, std::vector<std::string>*) override {
    return Status::IOError("no");
  }
  Status RemoveFile(const std::string&) override { return Status::IOError("no"); }
  Status Truncate(const std::string&, uint64_t) override { return Status::IOError("no"); }
  Status CreateDir(const std::string&) override { return Status::IOError("no"); }
  Status SyncDir(const std::string&) override { return Status::IOError("no"); }
};

}  // namespace

TEST_CASE("a random-access file reads exactly the bytes asked for at any offset") {
  TempDir tmp;
  WriteFileOrDie(tmp.Sub("f"), std::string("0123456789\0abc", 14));
  std::unique_ptr<RandomAccessFile> file;
  REQUIRE(DefaultFileSystem()->NewRandomAccessFile(tmp.Sub("f"), &file).ok());
  CHECK(file->path() == tmp.Sub("f"));
  CHECK(file->Size() == 14);
  std::string out = "previous contents";
  REQUIRE(file->Read(3, 4, &out).ok());
  CHECK(out == "3456");
  REQUIRE(file->Read(9, 5, &out).ok());
  CHECK(out == std::string("9\0abc", 5));
  REQUIRE(file->Read(14, 0, &out).ok());
  CHECK(out.empty());
}

TEST_CASE("a read past the end of a random-access file is an error naming path and offset") {
  TempDir tmp;
  WriteFileOrDie(tmp.Sub("f"), "0123456789");
  std::unique_ptr<RandomAccessFile> file;
  REQUIRE(DefaultFileSystem()->NewRandomAccessFile(tmp.Sub("f"), &file).ok());
  std::string out;
  Status s = file->Read(8, 5, &out);
  CHECK(s.IsIOError());
  CHECK(s.message() == "cannot read " + tmp.Sub("f") +
                           " at offset 8: short read, 2 of 5 bytes before the end of the file");
  CHECK(DefaultFileSystem()->NewRandomAccessFile(tmp.Sub("missing"), &file).IsNotFound());
}

TEST_CASE("a random-access file reads what was appended after it was opened, past its mapping") {
  TempDir tmp;
  std::unique_ptr<WritableFile> writer;
  REQUIRE(DefaultFileSystem()->NewWritableFile(tmp.Sub("grows"), &writer).ok());
  REQUIRE(writer->Append("head").ok());
  std::unique_ptr<RandomAccessFile> file;
  REQUIRE(DefaultFileSystem()->NewRandomAccessFile(tmp.Sub("grows"), &file).ok());
  std::string out;
  REQUIRE(file->Read(0, 4, &out).ok());
  CHECK(out == "head");
  // Appends within the first mapping (which runs ahead of the file), then well past it: each
  // read sees the bytes just written, and earlier bytes stay readable.
  std::string chunk(1 << 20, 'x');
  uint64_t size = 4;
  for (int i = 0; i < 40; ++i) {
    chunk[0] = static_cast<char>('a' + i % 26);
    REQUIRE(writer->Append(chunk).ok());
    REQUIRE(file->Read(size, 2, &out).ok());
    CHECK(out == std::string{chunk[0], 'x'});
    size += chunk.size();
  }
  REQUIRE(file->Read(0, 5, &out).ok());
  CHECK(out == "heada");
  CHECK(file->Read(size - 1, 2, &out).IsIOError());  // still one byte short
  REQUIRE(writer->Close().ok());
}

TEST_CASE("many threads may read one random-access file at once") {
  TempDir tmp;
  std::string contents;
  for (int i = 0; i < 4096; ++i) contents.push_back(static_cast<char>(i % 251));
  WriteFileOrDie(tmp.Sub("f"), contents);
  std::unique_ptr<RandomAccessFile> file;
  REQUIRE(DefaultFileSystem()->NewRandomAccessFile(tmp.Sub("f"), &file).ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string out;
      for (uint64_t offset = static_cast<uint64_t>(t); offset + 64 <= contents.size();
           offset += 7) {
        if (!file->Read(offset, 64, &out).ok() || out != contents.substr(offset, 64)) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("a file system without random access refuses to open a file for reading") {
  MinimalFileSystem fs;
  std::unique_ptr<RandomAccessFile> file;
  Status s = fs.NewRandomAccessFile("/x/y", &file);
  CHECK(s.IsIOError());
  CHECK(s.message() == "cannot open /x/y for reading: not supported by this file system");
}

TEST_CASE("an injected read fault hits only the next read, and the file stays intact") {
  TempDir tmp;
  WriteFileOrDie(tmp.Sub("f"), "abcdef");
  FaultInjectionFileSystem fs(DefaultFileSystem());
  std::unique_ptr<RandomAccessFile> file;
  REQUIRE(fs.NewRandomAccessFile(tmp.Sub("f"), &file).ok());
  std::string out;
  fs.FailNextRead();
  Status s = file->Read(2, 2, &out);
  CHECK(s.IsIOError());
  CHECK(s.message() == "cannot read " + tmp.Sub("f") + " at offset 2: injected read failure");
  fs.CorruptNextRead();
  REQUIRE(file->Read(2, 2, &out).ok());
  CHECK(out == std::string("c") + static_cast<char>('d' ^ 0x01));
  REQUIRE(file->Read(2, 2, &out).ok());
  CHECK(out == "cd");
  CHECK(fs.read_count() == 3);
  CHECK(file->Size() == 6);
}

}  // namespace warp
