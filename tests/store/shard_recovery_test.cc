#include "store/shard_recovery.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "store/slot_router.h"
#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"
#include "wal/wal_writer.h"

namespace warp {

using testing::FaultInjectionFileSystem;
using testing::TempDir;

namespace {

std::vector<uint32_t> AllSlots() {
  std::vector<uint32_t> slots;
  for (uint32_t s = 0; s < kSlotCount; ++s) slots.push_back(s);
  return slots;
}

}  // namespace

TEST_CASE("recovery makes the newest segment durable before the log continues after it") {
  TempDir tmp;
  FaultInjectionFileSystem faulty(DefaultFileSystem());
  std::string wal_dir = tmp.Sub("wal");
  {
    // A session killed before its WAL writer synced: the records are only written to the OS.
    std::unique_ptr<WalWriter> writer;
    REQUIRE(WalWriter::Open(&faulty, wal_dir, 0, 1, 1 << 20, &writer).ok());
    for (uint64_t lsn = 1; lsn <= 5; ++lsn)
      REQUIRE(writer->AddPut(lsn, "k" + std::to_string(lsn), "v").ok());
    REQUIRE(writer->Flush().ok());
  }
  SpacetimeTable table(0, AllSlots());
  ShardRecoveryReport report;
  REQUIRE(RecoverShard(&faulty, tmp.path(), wal_dir, tmp.Sub("snapshots"), &table, &report).ok());
  CHECK(report.last_lsn == 5);
  CHECK(table.Counters().keys == 5);
  // A power loss now must not take the recovered records away: the next session acknowledges
  // writes numbered after them, in a new segment that would otherwise follow a gap.
  REQUIRE(faulty.DropUnsyncedData().ok());
  SpacetimeTable again(0, AllSlots());
  ShardRecoveryReport second;
  REQUIRE(
      RecoverShard(DefaultFileSystem(), tmp.path(), wal_dir, tmp.Sub("snapshots"), &again, &second)
          .ok());
  CHECK(second.last_lsn == 5);
  CHECK(again.Counters().keys == 5);
}

}  // namespace warp
