// Crash-recovery model: what a crash_writer process and the test that kill -9s it share, and
// the checker that compares a reopened universe with everything the writer acknowledged.
//
// The writer's protocol, on its stdout. Every line is written with one write(2) and is shorter
// than PIPE_BUF, so lines of different writer threads, and the engine's own log lines (stderr
// shares the pipe), never interleave inside a line:
//
//   I P <key> <value-id>    intent: this thread is about to call Put
//   I D <key>               intent: this thread is about to call Delete
//   P <key> <value-id>      acknowledgement: Put returned OK
//   D <key>                 acknowledgement: Delete returned OK
//   crash_writer ready      the universe is open and the writers are starting
//
// Any other line (a log line) is kept as noise for failure messages. A value id
// "s<seed>.w<writer>.q<seq>.n<len>" names a value: CrashValue(id) is the id, '|' and `len`
// bytes of padding derived from the id, so the line stays short while values reach 16 KiB
// (LZ4-compressed WAL records). Keys are "key:0000".."key:<keys-1>"; within one run key i
// belongs to writer thread i % threads, so for each key the order of its lines in the pipe is
// the order its operations were applied.
//
// Not thread-safe; one CrashModel per test, carried across the cycles on one data directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "warp/options.h"

namespace warp {

class Universe;

namespace crash {

inline constexpr std::string_view kReadyLine = "crash_writer ready";

std::string Key(uint32_t index);
std::string ValueId(uint64_t seed, uint32_t writer, uint64_t seq, uint32_t length);
// The full value a value id names; "" if `id` is not a value id.
std::string Value(std::string_view id);

// The options a writer and the verifying reader both open the data directory with: 4 shards,
// log level warn, small WAL segments and frequent snapshots so that both happen during a run.
Options CrashOptions(const std::string& data_dir, FsyncPolicy fsync, uint64_t segment_bytes,
                     uint64_t snapshot_after_writes);

// Counts the acknowledgement lines among the complete lines of `output` from *offset on and
// advances *offset past them (to watch a running writer's output grow).
size_t CountAcks(std::string_view output, size_t* offset);

// The outcome of one verification.
struct CheckReport {
  uint64_t keys_checked = 0;
  uint64_t keys_present = 0;
  uint64_t in_flight = 0;          // unacknowledged operations at the kill
  uint64_t in_flight_applied = 0;  // ... of which recovery kept the effect
  uint64_t mismatches = 0;
  std::vector<std::string> first_mismatches;  // "key:0042: expected ..., actual ..."
};

class CrashModel {
 public:
  explicit CrashModel(uint32_t keys);

  // Applies one killed writer's whole output: acknowledged operations become the expected
  // state; an intent without its acknowledgement is the key's in-flight operation, which may
  // or may not have been applied. Returns "" or a description of a protocol violation (an
  // acknowledgement that does not follow its intent, two in-flight operations for one key,
  // more in-flight operations than writer threads).
  std::string Consume(std::string_view output, uint32_t threads);

  // Reads every key of the key space from `universe` (and scans for keys outside it) and
  // compares with the expected state. An in-flight operation found applied becomes part of
  // the expected state; the in-flight set is then cleared for the next cycle.
  CheckReport Verify(Universe* universe, size_t max_reported = 10);

  uint32_t keys() const { return static_cast<uint32_t>(expected_.size()); }
  uint64_t acks() const { return acks_; }  // acknowledgements consumed, over all cycles
  // The last few other lines (log lines) of the output Consume()d last.
  const std::vector<std::string>& noise() const { return noise_; }

 private:
  using State = std::optional<std::string>;  // value id, or nullopt when the key is absent
  struct InFlight {
    bool pending = false;
    State state;  // the key's state if the operation was applied
  };

  std::string ConsumeLine(std::string_view line);
  void CheckKey(uint32_t index, Universe* universe, std::string* actual, CheckReport* report,
                size_t max_reported);

  std::vector<State> expected_;
  std::vector<InFlight> in_flight_;
  uint64_t acks_ = 0;
  std::vector<std::string> noise_;  // last few non-protocol lines
};

}  // namespace crash
}  // namespace warp
