#include "tests/support/fault_injection.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::ReadFileOrEmpty;
using testing::TempDir;

TEST_CASE("dropping unsynced data cuts each file back to its last synced length") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  std::unique_ptr<WritableFile> a;
  std::unique_ptr<WritableFile> b;
  REQUIRE(fs.NewWritableFile(tmp.Sub("a"), &a).ok());
  REQUIRE(fs.NewWritableFile(tmp.Sub("b"), &b).ok());
  REQUIRE(a->Append("synced").ok());
  REQUIRE(a->Sync().ok());
  REQUIRE(a->Append(" lost").ok());
  REQUIRE(b->Append("never synced").ok());
  CHECK(fs.SyncedBytes(tmp.Sub("a")) == 6);
  REQUIRE(fs.DropUnsyncedData().ok());
  CHECK(ReadFileOrEmpty(tmp.Sub("a")) == "synced");
  CHECK(ReadFileOrEmpty(tmp.Sub("b")).empty());
}

TEST_CASE("an injected failure hits only the next append or sync") {
  TempDir tmp;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  std::unique_ptr<WritableFile> f;
  REQUIRE(fs.NewWritableFile(tmp.Sub("f"), &f).ok());
  fs.FailNextAppend();
  CHECK(f->Append("x").IsIOError());
  CHECK(f->Append("y").ok());
  fs.FailNextSync();
  CHECK(f->Sync().IsIOError());
  CHECK(fs.SyncedBytes(tmp.Sub("f")) == 0);
  CHECK(f->Sync().ok());
  CHECK(fs.SyncedBytes(tmp.Sub("f")) == 1);
  CHECK(ReadFileOrEmpty(tmp.Sub("f")) == "y");
}

}  // namespace warp
