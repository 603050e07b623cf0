#include "server/metrics.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace warp::server {

namespace {

constexpr std::array<uint64_t, ServerMetrics::kBounds> kBoundsNs = {
    10'000,    25'000,    50'000,     100'000,    250'000,     500'000,       1'000'000,
    2'500'000, 5'000'000, 10'000'000, 50'000'000, 250'000'000, 1'000'000'000,
};

// The slot has one writer, so a load and a store make an exact increment without the locked
// read-modify-write (and its cache-line ownership round trip) that fetch_add would cost.
inline void Bump(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Per-shard series of /metrics, each labelled shard="N".
struct ShardSeriesSpec {
  const char* metric;
  const char* type;
  const char* help;
  double (*value)(const ShardStats&);
};
// Per-shard series that also carry tier="hot|warm|cold".
struct TierSeriesSpec {
  const char* metric;
  const char* type;
  const char* help;
  double (*value)(const ShardStats&, Tier);
};
constexpr TierSeriesSpec kTierSeries[] = {
    {"warp_keys", "gauge", "Keys stored, by shard and residency tier.",
     [](const ShardStats& s, Tier t) {
       return double(t == Tier::kHot ? s.hot_keys : t == Tier::kWarm ? s.warm_keys : s.cold_keys);
     }},
    {"warp_tier_bytes", "gauge",
     "Value bytes each tier holds: raw in memory (hot), LZ4 in memory (warm), in the value log "
     "(cold).",
     [](const ShardStats& s, Tier t) {
       return double(t == Tier::kHot    ? s.hot_bytes
                     : t == Tier::kWarm ? s.warm_bytes
                                        : s.cold_bytes);
     }},
    {"warp_demotions_total", "counter", "Values demoted into the tier (warm or cold) since open.",
     [](const ShardStats& s, Tier t) {
       return double(t == Tier::kWarm   ? s.demoted_to_warm
                     : t == Tier::kCold ? s.demoted_to_cold
                                        : 0);
     }},
};
constexpr ShardSeriesSpec kShardSeries[] = {
    {"warp_data_bytes", "gauge", "Logical bytes stored (keys plus values), by shard.",
     [](const ShardStats& s) { return double(s.bytes); }},
    {"warp_memory_bytes", "gauge",
     "Bytes of records in memory with their overhead (keys, headers, pointers, values).",
     [](const ShardStats& s) { return double(s.memory_bytes); }},
    {"warp_memory_budget_bytes", "gauge", "The shard's share of memory.max_bytes (0: unbounded).",
     [](const ShardStats& s) { return double(s.memory_budget); }},
    {"warp_promotions_total", "counter", "Warm or cold values made hot again by reads.",
     [](const ShardStats& s) { return double(s.promoted); }},
    {"warp_cold_reads_total", "counter", "Reads of cold values (cache or value log).",
     [](const ShardStats& s) { return double(s.cold_reads); }},
    {"warp_value_log_bytes", "gauge", "Bytes of the shard's value-log files.",
     [](const ShardStats& s) { return double(s.value_log_bytes); }},
    {"warp_value_log_dead_bytes", "gauge", "Value-log bytes no record points to any more.",
     [](const ShardStats& s) { return double(s.value_log_dead_bytes); }},
    {"warp_value_log_reclaimed_bytes_total", "counter",
     "Value-log bytes given back by compaction since open.",
     [](const ShardStats& s) { return double(s.value_log_reclaimed_bytes); }},
    {"warp_shard_reads_total", "counter", "Key lookups served by the shard since open.",
     [](const ShardStats& s) { return double(s.reads); }},
    {"warp_shard_writes_total", "counter", "Puts applied by the shard since open.",
     [](const ShardStats& s) { return double(s.writes); }},
    {"warp_shard_deletes_total", "counter", "Deletes that removed a key since open.",
     [](const ShardStats& s) { return double(s.deletes); }},
    {"warp_shard_ops_per_second", "gauge", "Operations per second over the last stats interval.",
     [](const ShardStats& s) { return s.ops_per_sec; }},
    {"warp_wal_lag_records", "gauge",
     "WAL records written but not yet fsynced (last - durable LSN).",
     [](const ShardStats& s) {
       return s.last_lsn >= s.durable_lsn ? double(s.last_lsn - s.durable_lsn) : 0.0;
     }},
    {"warp_wal_last_lsn", "gauge", "Newest sequence number assigned by the shard.",
     [](const ShardStats& s) { return double(s.last_lsn); }},
    {"warp_wal_durable_lsn", "gauge", "Every write up to this sequence number is fsynced.",
     [](const ShardStats& s) { return double(s.durable_lsn); }},
    {"warp_wal_syncs_total", "counter", "fsyncs of the shard's WAL since open.",
     [](const ShardStats& s) { return double(s.wal_syncs); }},
    {"warp_wal_bytes_total", "counter", "Bytes appended to the shard's WAL since open.",
     [](const ShardStats& s) { return double(s.wal_bytes); }},
    {"warp_snapshots_total", "counter", "Snapshots taken of the shard since open.",
     [](const ShardStats& s) { return double(s.snapshots); }},
    {"warp_snapshot_lsn", "gauge", "Sequence number of the shard's newest snapshot (0 if none).",
     [](const ShardStats& s) { return double(s.snapshot_lsn); }},
    {"warp_snapshot_keys", "gauge", "Keys in the shard's newest snapshot.",
     [](const ShardStats& s) { return double(s.snapshot_keys); }},
    {"warp_volatile_keys", "gauge", "Keys with an expiry (expired ones not yet removed included).",
     [](const ShardStats& s) { return double(s.volatile_keys); }},
    {"warp_expired_keys_total", "counter", "Keys removed because their expiry passed, since open.",
     [](const ShardStats& s) { return double(s.expired); }},
    {"warp_shard_adoptions_total", "counter",
     "Shard-actor incarnations that adopted the shard's table (restarts).",
     [](const ShardStats& s) { return double(s.adoptions); }},
};

}  // namespace

ServerMetrics::ServerMetrics(std::vector<std::string> commands, size_t threads)
    : commands_(std::move(commands)),
      command_count_(commands_.size()),
      threads_(std::max<size_t>(threads, 1)),
      cells_(new Cell[threads_ * std::max<size_t>(command_count_, 1)]) {
  assert(threads >= 1);
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::Record(size_t thread, size_t index, uint64_t latency_ns, bool failed) {
  assert(thread < threads_ && index < command_count_);
  if (thread >= threads_ || index >= command_count_) return;  // release builds: drop it
  Cell& cell = cells_[thread * command_count_ + index];
  // Most commands take well under 10us: the loop usually stops at its first comparison.
  size_t bucket = 0;
  while (bucket < kBounds && latency_ns > kBoundsNs[bucket]) ++bucket;
  Bump(cell.buckets[bucket], 1);
  Bump(cell.total_ns, latency_ns);
  if (failed) Bump(cell.failed, 1);
}

std::vector<ServerMetrics::CommandFigures> ServerMetrics::Collect() const {
  std::vector<CommandFigures> result;
  const size_t n = command_count_;
  for (size_t index = 0; index < n; ++index) {
    CommandFigures figures;
    figures.buckets.assign(kBuckets, 0);
    for (size_t thread = 0; thread < threads_; ++thread) {
      const Cell& cell = cells_[thread * n + index];
      figures.failed += cell.failed.load(std::memory_order_relaxed);
      figures.total_ns += cell.total_ns.load(std::memory_order_relaxed);
      for (size_t b = 0; b < kBuckets; ++b) {
        figures.buckets[b] += cell.buckets[b].load(std::memory_order_relaxed);
      }
    }
    for (size_t b = 1; b < kBuckets; ++b) figures.buckets[b] += figures.buckets[b - 1];
    figures.calls = figures.buckets.back();
    if (figures.calls == 0) continue;
    // Counters are read one by one while threads record: a failure may be seen before its
    // bucket. Clamp so that no reader ever shows more failures than calls.
    figures.failed = std::min(figures.failed, figures.calls);
    figures.name = commands_[index];
    result.push_back(std::move(figures));
  }
  return result;
}

const std::vector<double>& ServerMetrics::BucketBoundsSeconds() {
  static const std::vector<double> bounds = [] {
    std::vector<double> seconds;
    for (uint64_t ns : kBoundsNs) seconds.push_back(static_cast<double>(ns) / 1e9);
    return seconds;
  }();
  return bounds;
}

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusText::Sample(std::string_view name, Labels labels, double value) {
  out_.append(name);
  if (labels.size() > 0) {
    char separator = '{';
    for (const auto& [label, text] : labels) {
      out_.push_back(separator);
      separator = ',';
      out_.append(label).append("=\"");
      for (char c : text) {
        if (c == '\\' || c == '"') out_.push_back('\\');
        if (c == '\n') {
          out_.append("\\n");
        } else {
          out_.push_back(c);
        }
      }
      out_.push_back('"');
    }
    out_.push_back('}');
  }
  out_.append(" ").append(Number(value)).append("\n");
}

std::string PrometheusText::Number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // Counters are integers: print them in full, not as 1.23456789e+09.
  if (value == std::floor(value) && std::fabs(value) < 1e18) {
    std::snprintf(buf, sizeof(buf), "%.0f", value);
  } else {
    std::snprintf(buf, sizeof(buf), "%.12g", value);
  }
  return buf;
}

void WriteEngineMetrics(const UniverseStats& stats, PrometheusText* out) {
  for (const TierSeriesSpec& spec : kTierSeries) {
    out->Family(spec.metric, spec.type, spec.help);
    for (const ShardStats& s : stats.shards) {
      std::string shard = std::to_string(s.shard);
      for (Tier tier : {Tier::kHot, Tier::kWarm, Tier::kCold}) {
        out->Sample(spec.metric, {{"shard", shard}, {"tier", TierName(tier)}}, spec.value(s, tier));
      }
    }
  }
  for (const ShardSeriesSpec& spec : kShardSeries) {
    out->Family(spec.metric, spec.type, spec.help);
    for (const ShardStats& s : stats.shards) {
      out->Sample(spec.metric, {{"shard", std::to_string(s.shard)}}, spec.value(s));
    }
  }
  const CacheStats& cache = stats.cache;
  out->Family("warp_cache_capacity_bytes", "gauge", "Capacity of the event horizon cache.");
  out->Sample("warp_cache_capacity_bytes", {}, cache.capacity_bytes);
  out->Family("warp_cache_hits_total", "counter", "Event horizon cache hits, by level.");
  out->Sample("warp_cache_hits_total", {{"level", "1"}}, cache.l1_hits);
  out->Sample("warp_cache_hits_total", {{"level", "2"}}, cache.l2_hits);
  out->Family("warp_cache_misses_total", "counter",
              "Event horizon cache misses (value-log reads).");
  out->Sample("warp_cache_misses_total", {}, cache.misses);
  out->Family("warp_cache_bytes", "gauge", "Bytes held by each level of the event horizon cache.");
  out->Sample("warp_cache_bytes", {{"level", "1"}}, cache.l1_bytes);
  out->Sample("warp_cache_bytes", {{"level", "2"}}, cache.l2_bytes);
  out->Family("warp_actor_restarts_total", "counter",
              "Restarts of each actor of the supervision tree since open.");
  for (const ActorStatus& a : stats.actors) {
    out->Sample("warp_actor_restarts_total", {{"actor", a.path}}, a.restarts);
  }
}

void WriteCommandMetrics(const std::vector<ServerMetrics::CommandFigures>& figures,
                         PrometheusText* out) {
  out->Family("warp_commands_total", "counter", "RESP commands called, by command.");
  for (const auto& f : figures) out->Sample("warp_commands_total", {{"command", f.name}}, f.calls);
  out->Family("warp_command_errors_total", "counter",
              "RESP commands that replied with an error, by command.");
  for (const auto& f : figures) {
    out->Sample("warp_command_errors_total", {{"command", f.name}}, f.failed);
  }
  out->Family("warp_command_duration_seconds", "histogram",
              "Time to run a RESP command, by command.");
  const std::vector<double>& bounds = ServerMetrics::BucketBoundsSeconds();
  for (const auto& f : figures) {
    for (size_t b = 0; b < f.buckets.size(); ++b) {
      std::string le = b < bounds.size() ? PrometheusText::Number(bounds[b]) : "+Inf";
      out->Sample("warp_command_duration_seconds_bucket", {{"command", f.name}, {"le", le}},
                  f.buckets[b]);
    }
    out->Sample("warp_command_duration_seconds_sum", {{"command", f.name}}, f.total_ns / 1e9);
    out->Sample("warp_command_duration_seconds_count", {{"command", f.name}}, f.calls);
  }
}

}  // namespace warp::server
