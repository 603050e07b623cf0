// ServerMetrics: per-command call counts, failures and latency histograms of the RESP front-end,
// read by INFO commandstats, the HTTP /v1/stats and the Prometheus /metrics endpoint.
//
// Mechanism: one recording slot per I/O thread. A slot holds, for every command of the table,
// a 128-byte cell (two cache lines, aligned) of relaxed atomics: failures, total nanoseconds and
// one count per latency bucket. A thread only ever writes its own slot, so Record is a handful
// of plain load+store pairs on lines no other thread writes (no lock, no read-modify-write
// instruction, no allocation: wait-free and never contended). Readers sum the slots; a
// concurrent Collect sees each counter at some recent value (not one instant across counters).
//
// PrometheusText below writes the text exposition format; WriteCommandMetrics writes these
// figures in it and WriteEngineMetrics the engine's (Universe::Stats).
//
// Thread-safety: Record(thread, ...) may run concurrently with every other call, provided only
// one thread records into a given slot at a time (REQUIRES below). Collect and
// BucketBoundsSeconds may be called from any thread. Breaking the one-writer rule loses counts
// (two increments may collapse into one) but never corrupts memory.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "warp/universe.h"

namespace warp::server {

class ServerMetrics {
 public:
  // `commands`: command names (lower case) in command-table order; `threads`: recording slots.
  // REQUIRES: threads >= 1.
  ServerMetrics(std::vector<std::string> commands, size_t threads);
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // One call of command `index` on slot `thread`: latency and whether it replied with an error.
  // No allocation, no lock. A latency equal to a bucket bound counts in that bucket (Prometheus
  // `le`). REQUIRES: thread < threads, index < commands.size(), and no other thread records
  // into slot `thread` at the same time (each I/O thread owns one slot).
  void Record(size_t thread, size_t index, uint64_t latency_ns, bool failed);

  struct CommandFigures {
    std::string name;
    uint64_t calls = 0, failed = 0, total_ns = 0;
    // Cumulative counts per bound of BucketBoundsSeconds(), then +Inf.
    std::vector<uint64_t> buckets;
  };
  // Commands called at least once, in table order, summed over slots. calls equals the +Inf
  // bucket, and failed <= calls, in every result.
  std::vector<CommandFigures> Collect() const;

  // Histogram upper bounds in seconds: 10us, 25us, 50us, 100us, 250us, 500us, 1ms, 2.5ms, 5ms,
  // 10ms, 50ms, 250ms, 1s (x2 to x2.5 steps where commands usually land, coarser above 10ms).
  static const std::vector<double>& BucketBoundsSeconds();

  const std::vector<std::string>& commands() const { return commands_; }
  size_t threads() const { return threads_; }

  // 13 bounds + the +Inf bucket; with failed and total_ns that makes 16 counters, 128 bytes.
  static constexpr size_t kBounds = 13;
  static constexpr size_t kBuckets = kBounds + 1;

 private:
  // The figures of one command in one slot. Calls are not stored: they are the sum of the
  // buckets, which keeps Record to three counters and the +Inf bucket equal to the count.
  struct alignas(64) Cell {
    std::atomic<uint64_t> failed{0};
    std::atomic<uint64_t> total_ns{0};
    std::atomic<uint64_t> buckets[kBuckets] = {};  // non-cumulative: one bucket per call
  };
  static_assert(sizeof(Cell) == 128, "a cell fills exactly two cache lines");

  const std::vector<std::string> commands_;
  const size_t command_count_;  // commands_.size(), kept apart for Record's index arithmetic
  const size_t threads_;
  // threads_ * commands_.size() cells, slot-major: slot t owns [t * commands, (t+1) * commands).
  std::unique_ptr<Cell[]> cells_;
};

// A Prometheus text exposition (format 0.0.4) being written: per metric family one `# HELP`
// and one `# TYPE` line, then its samples `name{label="value",...} value`. Label values are
// escaped as the format requires; integers print in full, other values with twelve
// significant digits. Not thread-safe: one writer per scrape.
class PrometheusText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // `type`: "counter", "gauge" or "histogram". `help`: one line, no backslash.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, Labels labels, double value);
  // "+Inf", "12", "2.5e-05".
  static std::string Number(double value);
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// The families warp_commands_total, warp_command_errors_total and the histogram
// warp_command_duration_seconds (le = BucketBoundsSeconds(), then +Inf), labelled by command.
void WriteCommandMetrics(const std::vector<ServerMetrics::CommandFigures>& figures,
                         PrometheusText* out);

// Per shard: warp_keys and warp_data_bytes (labels shard, tier), then WAL, snapshot, expiry
// and load series (label shard), and warp_actor_restarts_total (label actor). The names are
// listed in docs/http_api.md.
void WriteEngineMetrics(const UniverseStats& stats, PrometheusText* out);

}  // namespace warp::server
