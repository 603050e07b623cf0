// The durability contract (DESIGN.md section 4) against real crashes: a crash_writer process
// writes through the public API and is kill -9ed at a random moment, then the data directory
// is reopened in this process and every acknowledged write must be there with its latest
// value. Cycles repeat on one data directory, so writes of earlier cycles must survive later
// crashes and recoveries too.
//
// Environment: WARP_CRASH_CYCLES (default 20) cycles per mode; WARP_CRASH_SEED fixes the
// random choices (writer seeds, thread counts, kill moments) to replay a failure, whose
// message names the seed. bench/crash_loop.sh runs many more cycles and sums up the lines
// this test prints.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "tests/integration/crash_model.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "warp/universe.h"

namespace warp {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ChildProcess;

constexpr uint32_t kKeys = 256;
constexpr uint64_t kSegmentBytes = 1 << 20;  // the smallest wal.segment_bytes: rotations
constexpr uint64_t kSnapshotWrites = 1000;   // per shard: several snapshots per run
// Output that never appears: WaitForOutput then just reads for the given time.
const std::string kNever = "\n<never printed>\n";

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

// When one cycle kills its writer.
struct KillPlan {
  bool during_start = false;  // at a random moment after the spawn, ready or not
  std::chrono::milliseconds delay{0};
  size_t acks = 0;  // otherwise once this many acknowledgements are out, or after delay
};

KillPlan ChoosePlan(std::mt19937_64& rng) {
  KillPlan plan;
  if (rng() % 10 == 0) {
    plan.during_start = true;
    plan.delay = std::chrono::milliseconds(rng() % 60);
  } else {
    plan.acks = 50 + rng() % 2951;
    plan.delay = std::chrono::milliseconds(30 + rng() % 471);
  }
  return plan;
}

std::string Tail(const std::string& output, size_t lines) {
  size_t pos = output.size();
  while (lines-- > 0 && pos > 0) pos = output.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? output : output.substr(pos + 1);
}

// Reads the writer's output until the plan says kill. Returns "" or why the writer could not
// be killed as planned.
std::string RunUntilKillMoment(ChildProcess* writer, const KillPlan& plan) {
  if (plan.during_start) {
    writer->WaitForOutput(kNever, plan.delay);
    return "";
  }
  if (!writer->WaitForOutput(std::string(crash::kReadyLine), 30s)) {
    return "the writer did not print '" + std::string(crash::kReadyLine) +
           "' (it exited, or 30 s passed)";
  }
  auto deadline = Clock::now() + plan.delay;
  size_t offset = 0, acks = 0;
  // A writer that exits early is caught by its exit code after the kill.
  while (acks < plan.acks && Clock::now() < deadline) {
    writer->WaitForOutput(kNever, 5ms);
    acks += crash::CountAcks(writer->output(), &offset);
  }
  return "";
}

struct Totals {
  int cycles = 0;
  int start_kills = 0;
  uint64_t acks = 0;
  uint64_t keys_checked = 0;
  uint64_t in_flight = 0;
  uint64_t in_flight_applied = 0;
};

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  " + line;
  return out;
}

// One cycle: spawn, kill -9, reopen here, compare with the model.
void RunCycle(FsyncPolicy mode, const std::string& data, int cycle, std::mt19937_64& rng,
              crash::CrashModel* model, Totals* totals) {
  uint64_t seed = rng() % 1000000;
  uint32_t threads = 1 + static_cast<uint32_t>(rng() % 4);
  KillPlan plan = ChoosePlan(rng);
  std::string where = "cycle " + std::to_string(cycle) + " (writer --seed " + std::to_string(seed) +
                      " --threads " + std::to_string(threads) + ")";
  auto writer = ChildProcess::Start(
      {testing::BuiltBinary("crash_writer"), "--data", data, "--fsync", FsyncPolicyName(mode),
       "--seed", std::to_string(seed), "--threads", std::to_string(threads), "--keys",
       std::to_string(kKeys), "--segment_bytes", std::to_string(kSegmentBytes), "--snapshot_writes",
       std::to_string(kSnapshotWrites)});
  REQUIRE(writer);
  std::string problem = RunUntilKillMoment(writer.get(), plan);
  writer->Signal(SIGKILL);
  int exit_code = writer->Wait(30s);  // also drains what the writer printed before dying
  if (!problem.empty() || exit_code != 128 + SIGKILL) {
    FAIL(where << ": " << (problem.empty() ? "the writer was not killed by SIGKILL" : problem)
               << " (exit code " << exit_code << "); its last lines:\n"
               << Tail(writer->output(), 10));
  }
  uint64_t acks_before = model->acks();
  std::string error = model->Consume(writer->output(), threads);
  if (!error.empty()) FAIL(where << ": bad writer output: " << error);

  Universe universe;
  Status s = universe.Open(crash::CrashOptions(data, mode, kSegmentBytes, kSnapshotWrites));
  if (!s.ok()) FAIL(where << ": reopening after kill -9 failed: " << s.ToString());
  crash::CheckReport report = model->Verify(&universe);
  s = universe.Close();
  if (report.mismatches > 0) {
    FAIL(where << ", killed after " << model->acks() - acks_before << " acknowledged writes: "
               << report.mismatches << " differences from the acknowledged state ("
               << report.keys_checked << " keys checked):" << Join(report.first_mismatches)
               << (report.mismatches > report.first_mismatches.size() ? "\n  ..." : "")
               << (model->noise().empty() ? "" : "\nthe writer's last log lines:")
               << Join(model->noise()));
  }
  if (!s.ok()) FAIL(where << ": Close after verification failed: " << s.ToString());
  totals->cycles++;
  totals->start_kills += plan.during_start ? 1 : 0;
  totals->acks += model->acks() - acks_before;
  totals->keys_checked += report.keys_checked;
  totals->in_flight += report.in_flight;
  totals->in_flight_applied += report.in_flight_applied;
}

void RunCrashCycles(FsyncPolicy mode) {
  int cycles = static_cast<int>(EnvNumber("WARP_CRASH_CYCLES", 20));
  uint64_t base_seed = EnvNumber("WARP_CRASH_SEED", std::random_device{}());
  INFO("wal.fsync=" << FsyncPolicyName(mode) << ", WARP_CRASH_SEED=" << base_seed);
  testing::TempDir tmp;
  std::string data = tmp.Sub("data");
  crash::CrashModel model(kKeys);
  std::mt19937_64 rng(base_seed);
  Totals totals;
  auto start = Clock::now();
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    RunCycle(mode, data, cycle, rng, &model, &totals);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "crash recovery, wal.fsync=%s: %d cycles (%d killed during start-up), %llu acks verified, "
      "%llu key checks, %llu in flight at the kill (%llu applied), %.1f s, seed %llu\n",
      FsyncPolicyName(mode), totals.cycles, totals.start_kills,
      static_cast<unsigned long long>(totals.acks),
      static_cast<unsigned long long>(totals.keys_checked),
      static_cast<unsigned long long>(totals.in_flight),
      static_cast<unsigned long long>(totals.in_flight_applied), seconds,
      static_cast<unsigned long long>(base_seed));
  std::fflush(stdout);
  CHECK(totals.acks > 0);
}

}  // namespace

// The checker alone, on a universe written in this process: what it accepts, what it reports.
TEST_CASE("the crash checker accepts an unacknowledged write applied or not and reports lost ones",
          "[crash][checker]") {
  testing::TempDir tmp;
  Universe universe;
  REQUIRE(universe
              .Open(crash::CrashOptions(tmp.Sub("data"), FsyncPolicy::kNo, kSegmentBytes,
                                        kSnapshotWrites))
              .ok());
  crash::CrashModel model(4);
  std::string a = crash::ValueId(1, 0, 1, 5000), b = crash::ValueId(1, 1, 2, 10),
              c = crash::ValueId(1, 0, 3, 7);
  // key:0001 has a Delete in flight that took effect, key:0002 a Put in flight that did not.
  std::string output = std::string(crash::kReadyLine) + "\nI P key:0000 " + a + "\nP key:0000 " +
                       a + "\nI P key:0001 " + b + "\nP key:0001 " + b +
                       "\nI D key:0001\n2026-11-24T10:00:00.000Z WARN  a log line\nI P key:0002 " +
                       c + "\nP key:0002 " + c.substr(0, 4);
  REQUIRE(model.Consume(output, 2) == "");
  CHECK(model.acks() == 2);
  CHECK(model.noise() == std::vector<std::string>{"2026-11-24T10:00:00.000Z WARN  a log line"});
  REQUIRE(universe.Put(crash::Key(0), crash::Value(a)).ok());
  REQUIRE(universe.Put(crash::Key(1), crash::Value(b)).ok());
  REQUIRE(universe.Delete(crash::Key(1)).ok());
  crash::CheckReport report = model.Verify(&universe);
  CHECK(report.first_mismatches.empty());
  CHECK(report.keys_checked == 4);
  CHECK(report.in_flight == 2);
  CHECK(report.in_flight_applied == 1);

  // The applied Delete is now expected. An acknowledged Put that is missing, damaged bytes and
  // a key outside the key space are reported.
  std::string d = crash::ValueId(2, 0, 1, 100);
  REQUIRE(model.Consume("I P key:0003 " + d + "\nP key:0003 " + d + "\n", 1) == "");
  std::string damaged = crash::Value(a);
  damaged[3000] ^= 1;
  REQUIRE(universe.Put(crash::Key(0), damaged).ok());
  REQUIRE(universe.Put(crash::Key(1), crash::Value(b)).ok());
  REQUIRE(universe.Put("stray", "x").ok());
  report = model.Verify(&universe);
  CHECK(report.mismatches == 4);
  CHECK(report.first_mismatches ==
        std::vector<std::string>{"key:0000: expected value " + a + ", actual value " + a +
                                     " damaged from byte 3000 of 5015",
                                 "key:0001: expected absent, actual value " + b,
                                 "key:0003: expected value " + d + ", actual absent",
                                 "unexpected key 'stray' outside the key space"});

  CHECK(model.Consume("P key:0002 " + c + "\n", 1) ==
        "an acknowledgement that does not follow its intent: 'P key:0002 " + c + "'");
  CHECK(model.Consume("I D key:0000\nI D key:0001\n", 1) ==
        "2 operations in flight at the kill, but only 1 writer threads");
}

TEST_CASE("with wal.fsync=always every acknowledged write survives kill -9 of the writer",
          "[crash][always]") {
  RunCrashCycles(FsyncPolicy::kAlways);
}

TEST_CASE("with wal.fsync=everysec every acknowledged write survives kill -9 of the writer",
          "[crash][everysec]") {
  RunCrashCycles(FsyncPolicy::kEverySec);
}

TEST_CASE("with wal.fsync=no every acknowledged write survives kill -9 of the writer",
          "[crash][no]") {
  RunCrashCycles(FsyncPolicy::kNo);
}

}  // namespace warp
