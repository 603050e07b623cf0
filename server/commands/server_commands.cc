// Server commands: COMMAND, CONFIG, INFO, DBSIZE, FLUSHDB, FLUSHALL, TIME, LASTSAVE, SAVE,
// BGSAVE, SHUTDOWN.
//
// INFO follows Redis 7.0's sections and field names (clients parse them: redis-py's info(),
// redis-benchmark, monitoring agents), with WarpEngine's own figures in a `# Warp` section.
// Persistence maps onto Redis's vocabulary: the WAL is the AOF (aof_enabled:1, appendfsync =
// wal.fsync) and a checkpoint (Universe::Checkpoint, a snapshot of every shard) is SAVE/BGSAVE.
//
// FLUSHDB/FLUSHALL delete key by key (each delete is logged): they take time proportional to
// the keys removed, and they are not atomic against concurrent writers (a key written during
// the flush may survive it).

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <type_traits>

#include "common/glob.h"
#include "server/client_registry.h"
#include "server/command.h"
#include "server/metrics.h"
#include "warp/options.h"
#include "warp/version.h"

namespace warp::server {

namespace {

// ---- COMMAND ----

// One COMMAND / COMMAND INFO entry: Redis 7's 10-element array.
void WriteCommandInfo(resp::ReplyWriter& out, const CommandSpec& spec) {
  static const std::pair<uint32_t, std::string_view> kFlagNames[] = {
      {kWrite, "write"},     {kReadOnly, "readonly"}, {kAdmin, "admin"}, {kNoAuth, "no_auth"},
      {kLoading, "loading"}, {kStale, "stale"},       {kFast, "fast"},   {kNoScript, "noscript"},
  };
  std::vector<std::string_view> flags;
  for (const auto& [bit, name] : kFlagNames) {
    if (spec.flags & bit) flags.push_back(name);
  }
  out.ArrayHeader(10);
  out.Bulk(spec.name);
  out.Integer(spec.arity);
  out.SetHeader(flags.size());
  for (std::string_view flag : flags) out.SimpleString(flag);
  out.Integer(spec.first_key);
  out.Integer(spec.last_key);
  out.Integer(spec.key_step);
  out.SetHeader(0);    // ACL categories
  out.SetHeader(0);    // tips
  out.ArrayHeader(0);  // key specifications
  out.ArrayHeader(0);  // subcommands
}

void WriteAllCommandInfo(resp::ReplyWriter& out) {
  const CommandTable& table = Commands();
  out.ArrayHeader(table.all().size());
  for (const CommandSpec& spec : table.all()) WriteCommandInfo(out, spec);
}

void Command(CommandContext& ctx) {
  const CommandTable& table = Commands();
  const auto& args = ctx.args;
  if (args.size() == 1) return WriteAllCommandInfo(ctx.out);
  std::string_view sub = args[1];
  if ((EqualsIgnoreCase(sub, "count") || EqualsIgnoreCase(sub, "list")) && args.size() != 2) {
    return ctx.out.Error("ERR wrong number of arguments for 'command|" + ToLowerAscii(sub) +
                         "' command");
  }
  if (EqualsIgnoreCase(sub, "count")) {
    return ctx.out.Integer(static_cast<int64_t>(table.all().size()));
  }
  if (EqualsIgnoreCase(sub, "list")) {
    ctx.out.ArrayHeader(table.all().size());
    for (const CommandSpec& spec : table.all()) ctx.out.Bulk(spec.name);
    return;
  }
  if (EqualsIgnoreCase(sub, "info")) {
    if (args.size() == 2) return WriteAllCommandInfo(ctx.out);
    ctx.out.ArrayHeader(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandSpec* spec = table.Find(args[i]);
      if (spec) {
        WriteCommandInfo(ctx.out, *spec);
      } else {
        ctx.out.NullArray();
      }
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "docs")) {
    std::vector<const CommandSpec*> specs;
    if (args.size() == 2) {
      for (const CommandSpec& spec : table.all()) specs.push_back(&spec);
    } else {
      for (size_t i = 2; i < args.size(); ++i) {
        if (const CommandSpec* spec = table.Find(args[i])) specs.push_back(spec);
      }
    }
    ctx.out.MapHeader(specs.size());
    for (const CommandSpec* spec : specs) {
      ctx.out.Bulk(spec->name);
      ctx.out.MapHeader(3);
      ctx.out.Bulk("summary");
      ctx.out.Bulk(spec->summary);
      ctx.out.Bulk("since");
      ctx.out.Bulk("1.0.0");
      ctx.out.Bulk("group");
      ctx.out.Bulk(spec->group);
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "help")) {
    ctx.out.ArrayHeader(5);
    ctx.out.SimpleString("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    ctx.out.SimpleString("(no subcommand): every command's details. COUNT: how many.");
    ctx.out.SimpleString("INFO [<command-name> ...]: details of the named commands.");
    ctx.out.SimpleString("DOCS [<command-name> ...]: summary and group of the commands.");
    ctx.out.SimpleString("LIST: the names of every command.");
    return;
  }
  ctx.out.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                "'. Try COMMAND HELP.");
}

// ---- CONFIG ----

struct ConfigParam {
  std::string_view name;
  std::string (*get)(ServerState& server);  // the current value as text
  // Checks the value and returns "" or why it is refused; sets it only when `apply` is true.
  // nullptr = read-only.
  std::string (*set)(ServerState& server, std::string_view value, bool apply);
};

// The ranges are those of the matching server.* keys in the YAML schema.
std::string SetUnsigned(std::atomic<uint64_t>* target, std::string_view value, uint64_t min,
                        uint64_t max, bool apply) {
  int64_t n;
  if (!ParseInt64(value, &n) || n < static_cast<int64_t>(min) || static_cast<uint64_t>(n) > max) {
    return "argument must be an integer between " + std::to_string(min) + " and " +
           std::to_string(max);
  }
  if (apply) target->store(static_cast<uint64_t>(n), std::memory_order_relaxed);
  return "";
}

constexpr uint64_t kMiB = 1ull << 20;

// A memory size as Redis's CONFIG SET reads one (memtoll): digits, then optionally k, kb, m,
// mb, g or gb, case-insensitive (k = 1000, kb = 1024). Returns "" or why it is refused.
std::string ParseByteSize(std::string_view text, uint64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string unit = ToLowerAscii(text.substr(digits));
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},        {"b", 1},           {"k", 1000},       {"kb", 1024},
      {"m", 1000000}, {"mb", 1ull << 20}, {"g", 1000000000}, {"gb", 1ull << 30}};
  uint64_t multiplier = 0;
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) multiplier = factor;
  }
  int64_t n = 0;
  if (digits == 0 || multiplier == 0 || !ParseInt64(text.substr(0, digits), &n) ||
      static_cast<uint64_t>(n) > UINT64_MAX / multiplier) {
    return "argument must be a memory value (bytes, or a number with k, kb, m, mb, g or gb)";
  }
  *bytes = static_cast<uint64_t>(n) * multiplier;
  return "";
}

const std::vector<ConfigParam>& ConfigParams() {
  static const std::vector<ConfigParam> params = {
      {"bind", [](ServerState& s) { return s.universe->options().server.bind; }, nullptr},
      {"port", [](ServerState& s) { return std::to_string(s.tcp_port.load()); }, nullptr},
      {"requirepass", [](ServerState& s) { return s.config.Requirepass(); },
       [](ServerState& s, std::string_view v, bool apply) {
         if (apply) s.config.SetRequirepass(v);
         return std::string();
       }},
      {"maxclients", [](ServerState& s) { return std::to_string(s.config.maxclients.load()); },
       [](ServerState& s, std::string_view v, bool apply) {
         return SetUnsigned(&s.config.maxclients, v, 1, 1000000, apply);
       }},
      {"proto-max-bulk-len",
       [](ServerState& s) { return std::to_string(s.config.proto_max_bulk_len.load()); },
       [](ServerState& s, std::string_view v, bool apply) {
         return SetUnsigned(&s.config.proto_max_bulk_len, v, kMiB, 4096 * kMiB, apply);
       }},
      {"client-query-buffer-limit",
       [](ServerState& s) { return std::to_string(s.config.client_query_buffer_limit.load()); },
       [](ServerState& s, std::string_view v, bool apply) {
         return SetUnsigned(&s.config.client_query_buffer_limit, v, kMiB, 16384 * kMiB, apply);
       }},
      {"client-output-buffer-limit",
       [](ServerState& s) {
         return "normal " + std::to_string(s.config.client_output_buffer_limit.load()) +
                " 0 0 replica 0 0 0 pubsub 0 0 0";
       },
       nullptr},
      {"databases", [](ServerState&) { return std::to_string(kDatabases); }, nullptr},
      {"dir", [](ServerState& s) { return s.universe->options().data_dir; }, nullptr},
      {"appendonly", [](ServerState&) { return std::string("yes"); }, nullptr},
      {"appendfsync",
       [](ServerState& s) { return std::string(FsyncPolicyName(s.universe->options().wal.fsync)); },
       nullptr},
      {"save", [](ServerState&) { return std::string(); }, nullptr},
      {"timeout", [](ServerState&) { return std::string("0"); }, nullptr},
      {"maxmemory", [](ServerState& s) { return std::to_string(s.universe->memory_budget()); },
       [](ServerState& s, std::string_view v, bool apply) {
         // Redis accepts units (100mb); so does memory.max_bytes in the YAML.
         uint64_t bytes = 0;
         std::string why = ParseByteSize(v, &bytes);
         if (!why.empty()) return why;
         if (apply) {
           Status set = s.universe->SetMemoryBudget(bytes);
           if (!set.ok()) return set.ToString();
         }
         return std::string();
       }},
      // Nothing is ever evicted: over the budget, values are demoted to disk (tiers).
      {"maxmemory-policy", [](ServerState&) { return std::string("noeviction"); }, nullptr},
  };
  return params;
}

void ConfigGet(CommandContext& ctx) {
  const auto& args = ctx.args;
  if (args.size() < 3) {
    return ctx.out.Error("ERR wrong number of arguments for 'config|get' command");
  }
  std::vector<std::pair<std::string_view, std::string>> found;
  for (const ConfigParam& param : ConfigParams()) {
    for (size_t i = 2; i < args.size(); ++i) {
      if (GlobMatch(ToLowerAscii(args[i]), param.name)) {
        found.emplace_back(param.name, param.get(ctx.server));
        break;
      }
    }
  }
  ctx.out.MapHeader(found.size());
  for (const auto& [name, value] : found) {
    ctx.out.Bulk(name);
    ctx.out.Bulk(value);
  }
}

// Every pair is checked before any is applied, as Redis 7 does.
void ConfigSet(CommandContext& ctx) {
  const auto& args = ctx.args;
  if (args.size() < 4 || args.size() % 2 != 0) {
    return ctx.out.Error("ERR wrong number of arguments for 'config|set' command");
  }
  std::vector<std::pair<const ConfigParam*, std::string_view>> changes;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    const ConfigParam* match = nullptr;
    for (const ConfigParam& param : ConfigParams()) {
      if (EqualsIgnoreCase(param.name, args[i])) match = &param;
    }
    if (match == nullptr) {
      return ctx.out.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                           std::string(args[i]) + "'");
    }
    if (match->set == nullptr) {
      return ctx.out.Error("ERR CONFIG SET failed (possibly related to argument '" +
                           std::string(args[i]) +
                           "') - can't set immutable config (it is set in the YAML file)");
    }
    for (const auto& change : changes) {
      if (change.first == match) {
        return ctx.out.Error("ERR CONFIG SET failed (possibly related to argument '" +
                             std::string(args[i]) + "') - duplicate parameter");
      }
    }
    std::string error = match->set(ctx.server, args[i + 1], /*apply=*/false);
    if (!error.empty()) {
      return ctx.out.Error("ERR CONFIG SET failed (possibly related to argument '" +
                           std::string(match->name) + "') - " + error);
    }
    changes.emplace_back(match, args[i + 1]);
  }
  for (const auto& [param, value] : changes) param->set(ctx.server, value, /*apply=*/true);
  ctx.out.SimpleString("OK");
}

void Config(CommandContext& ctx) {
  std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "get")) return ConfigGet(ctx);
  if (EqualsIgnoreCase(sub, "set")) return ConfigSet(ctx);
  if (EqualsIgnoreCase(sub, "rewrite") && ctx.args.size() == 2) {
    return ctx.out.Error(
        "ERR CONFIG REWRITE is not supported: warpd's configuration is its YAML file");
  }
  ctx.out.Error("ERR unknown subcommand '" + std::string(sub) + "'. Try CONFIG HELP.");
}

// ---- INFO ----

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t AllocatedBytes() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof(text), "%lluB", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(text, sizeof(text), "%.2f%s", value, units[unit]);
  }
  return text;
}

// Keys and keys with an expiry per database. When database 0 holds every key, the shard
// counters answer; otherwise every key is visited once (cost proportional to the keys).
struct DbFigures {
  uint64_t keys = 0;
  uint64_t expires = 0;
};
std::map<int, DbFigures> CountDatabases(CommandContext& ctx, const UniverseStats& stats) {
  std::map<int, DbFigures> dbs;
  uint64_t db0 = ctx.CountKeys(0);
  if (db0 == stats.total.keys) {
    if (db0 > 0) dbs[0] = DbFigures{db0, stats.total.volatile_keys};
    return dbs;
  }
  Universe& universe = ctx.universe();
  uint64_t cursor = 0;
  std::string value;
  do {
    ScanResult batch = universe.Scan(Pattern::All(), cursor, 1000);
    if (!batch.ok()) break;
    for (const std::string& stored : batch.keys) {
      int db = 0;
      std::string_view key;
      while (db < kDatabases && !DecodeKey(db, stored, &key)) ++db;
      Cosmic cosmic;
      if (db == kDatabases || !universe.Get(stored, &value, &cosmic).ok()) continue;
      DbFigures& figures = dbs[db];
      ++figures.keys;
      if (cosmic.expire_at_ms != 0) ++figures.expires;
    }
    cursor = batch.next_cursor;
  } while (cursor != 0);
  return dbs;
}

// INFO's text: "# Section" headers and "name:value" lines, CRLF-terminated, sections separated
// by an empty line. Sections are chosen as Redis does: none = default, "all", "everything", or
// names (case-insensitive).
class InfoBuilder {
 public:
  explicit InfoBuilder(const std::vector<std::string_view>& requested) {
    for (std::string_view name : requested) wanted_.push_back(ToLowerAscii(name));
    if (wanted_.empty()) wanted_.push_back("default");
  }
  // Starts `section` and returns true if it was asked for.
  bool Section(std::string_view section, bool in_default = true) {
    std::string name = ToLowerAscii(section);
    bool want = false;
    for (const std::string& w : wanted_) {
      want |= w == name || w == "all" || w == "everything" || (w == "default" && in_default);
    }
    if (!want) return false;
    if (!text_.empty()) text_ += "\r\n";
    text_ += "# " + std::string(section) + "\r\n";
    return true;
  }
  template <class T>
  void Field(std::string_view name, const T& value) {
    text_ += name;
    text_ += ':';
    if constexpr (std::is_convertible_v<T, std::string_view>) {
      text_ += std::string_view(value);
    } else {
      text_ += std::to_string(value);
    }
    text_ += "\r\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::vector<std::string> wanted_;
  std::string text_;
};

std::string CpuSeconds(const timeval& time) {
  char text[32];
  std::snprintf(text, sizeof(text), "%ld.%06ld", static_cast<long>(time.tv_sec),
                static_cast<long>(time.tv_usec));
  return text;
}

void Info(CommandContext& ctx) {
  InfoBuilder info(std::vector<std::string_view>(ctx.args.begin() + 1, ctx.args.end()));
  ServerState& server = ctx.server;
  Universe& universe = ctx.universe();
  const Options& options = universe.options();
  const ServerCounters& counters = server.counters;
  UniverseStats stats = universe.Stats();
  Health health = universe.Health();
  int64_t now_ms = NowUnixMs();
  int64_t uptime_s = (now_ms - server.start_ms) / 1000;

  if (info.Section("Server")) {
    struct utsname name;
    uname(&name);
    info.Field("redis_version", kRedisCompatVersion);
    info.Field("warp_version", kWarpVersion);
    info.Field("redis_mode", "standalone");
    info.Field("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
    info.Field("arch_bits", sizeof(void*) * 8);
    info.Field("multiplexing_api", "epoll");
    info.Field("process_id", static_cast<int64_t>(getpid()));
    info.Field("tcp_port", server.tcp_port.load());
    info.Field("server_time_usec", now_ms * 1000);
    info.Field("uptime_in_seconds", uptime_s);
    info.Field("uptime_in_days", uptime_s / 86400);
    info.Field("executable", "warpd");
    info.Field("config_file", server.config_file);
  }
  if (info.Section("Clients")) {
    info.Field("connected_clients", server.clients->size());
    info.Field("maxclients", server.config.maxclients.load());
    info.Field("blocked_clients", 0);
  }
  if (info.Section("Memory")) {
    uint64_t used = AllocatedBytes();
    uint64_t rss = ResidentBytes();
    info.Field("used_memory", used);
    info.Field("used_memory_human", HumanBytes(used));
    info.Field("used_memory_rss", rss);
    info.Field("used_memory_rss_human", HumanBytes(rss));
    info.Field("used_memory_dataset", stats.total.bytes);
    info.Field("maxmemory", server.universe->memory_budget());
    info.Field("maxmemory_human", HumanBytes(server.universe->memory_budget()));
    info.Field("maxmemory_policy", "noeviction");
    info.Field("mem_allocator", "libc");
  }
  if (info.Section("Persistence")) {
    info.Field("loading", 0);
    info.Field("rdb_changes_since_last_save",
               stats.total.last_lsn - std::min(stats.total.last_lsn, stats.total.snapshot_lsn));
    info.Field("rdb_bgsave_in_progress", server.bgsave_in_progress.load() ? 1 : 0);
    info.Field("rdb_last_save_time", server.lastsave_s.load());
    info.Field("rdb_last_bgsave_status", server.last_save_ok.load() ? "ok" : "err");
    info.Field("aof_enabled", 1);
    info.Field("aof_rewrite_in_progress", 0);
    info.Field("aof_last_write_status", health.level == HealthLevel::kHealthy ? "ok" : "err");
    info.Field("appendfsync", FsyncPolicyName(options.wal.fsync));
  }
  if (info.Section("Stats")) {
    info.Field("total_connections_received", counters.connections_received.load());
    info.Field("total_commands_processed", counters.commands_processed.load());
    info.Field("instantaneous_ops_per_sec", static_cast<uint64_t>(stats.total.ops_per_sec));
    info.Field("total_net_input_bytes", counters.net_input_bytes.load());
    info.Field("total_net_output_bytes", counters.net_output_bytes.load());
    info.Field("rejected_connections", counters.rejected_connections.load());
    info.Field("expired_keys", stats.total.expired);
    info.Field("evicted_keys", 0);
    info.Field("keyspace_hits", counters.keyspace_hits.load());
    info.Field("keyspace_misses", counters.keyspace_misses.load());
    info.Field("total_protocol_errors", counters.protocol_errors.load());
    info.Field("client_output_buffer_limit_disconnections",
               counters.output_limit_disconnections.load());
  }
  if (info.Section("Replication")) {
    info.Field("role", "master");
    info.Field("connected_slaves", 0);
  }
  if (info.Section("CPU")) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    info.Field("used_cpu_sys", CpuSeconds(usage.ru_stime));
    info.Field("used_cpu_user", CpuSeconds(usage.ru_utime));
  }
  if (info.Section("Commandstats", false)) {
    for (const ServerMetrics::CommandFigures& figures : server.metrics->Collect()) {
      char line[256];
      double usec = static_cast<double>(figures.total_ns) / 1000.0;
      std::snprintf(line, sizeof(line),
                    "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=0,failed_calls=%llu",
                    static_cast<unsigned long long>(figures.calls),
                    static_cast<unsigned long long>(usec),
                    figures.calls ? usec / static_cast<double>(figures.calls) : 0.0,
                    static_cast<unsigned long long>(figures.failed));
      info.Field("cmdstat_" + figures.name, std::string(line));
    }
  }
  if (info.Section("Keyspace")) {
    for (const auto& [db, figures] : CountDatabases(ctx, stats)) {
      info.Field("db" + std::to_string(db), "keys=" + std::to_string(figures.keys) + ",expires=" +
                                                std::to_string(figures.expires) + ",avg_ttl=0");
    }
  }
  if (info.Section("Warp")) {
    info.Field("warp_health", HealthLevelName(health.level));
    info.Field("warp_shards", stats.shards.size());
    info.Field("warp_fsync", FsyncPolicyName(options.wal.fsync));
    info.Field("warp_data_dir", options.data_dir);
    info.Field("warp_keys", stats.total.keys);
    info.Field("warp_bytes", stats.total.bytes);
    info.Field("warp_volatile_keys", stats.total.volatile_keys);
    info.Field("warp_expired_keys", stats.total.expired);
    info.Field("warp_wal_bytes", stats.total.wal_bytes);
    info.Field("warp_wal_syncs", stats.total.wal_syncs);
    info.Field("warp_snapshots", stats.total.snapshots);
    // Tiers (docs/tiered_storage.md).
    const ShardStats& t = stats.total;
    info.Field("tier_memory_bytes", t.memory_bytes);
    info.Field("tier_memory_budget", t.memory_budget);
    info.Field("tier_hot_keys", t.hot_keys);
    info.Field("tier_hot_bytes", t.hot_bytes);
    info.Field("tier_warm_keys", t.warm_keys);
    info.Field("tier_warm_bytes", t.warm_bytes);
    info.Field("tier_cold_keys", t.cold_keys);
    info.Field("tier_cold_bytes", t.cold_bytes);
    info.Field("tier_demoted_to_warm", t.demoted_to_warm);
    info.Field("tier_demoted_to_cold", t.demoted_to_cold);
    info.Field("tier_promoted", t.promoted);
    info.Field("tier_cold_reads", t.cold_reads);
    info.Field("cache_capacity_bytes", stats.cache.capacity_bytes);
    info.Field("cache_l1_hits", stats.cache.l1_hits);
    info.Field("cache_l2_hits", stats.cache.l2_hits);
    info.Field("cache_misses", stats.cache.misses);
    info.Field("cache_l1_bytes", stats.cache.l1_bytes);
    info.Field("cache_l2_bytes", stats.cache.l2_bytes);
    info.Field("cache_evictions", stats.cache.evictions);
    info.Field("value_log_bytes", t.value_log_bytes);
    info.Field("value_log_dead_bytes", t.value_log_dead_bytes);
    info.Field("value_log_reclaimed_bytes", t.value_log_reclaimed_bytes);
    info.Field("value_log_files_compacted", t.value_log_files_compacted);
    for (const ShardStats& shard : stats.shards) {
      info.Field("shard_" + std::to_string(shard.shard),
                 "keys=" + std::to_string(shard.keys) + ",bytes=" + std::to_string(shard.bytes) +
                     ",slots=" + std::to_string(shard.slots) +
                     ",last_lsn=" + std::to_string(shard.last_lsn) +
                     ",durable_lsn=" + std::to_string(shard.durable_lsn) +
                     ",snapshot_lsn=" + std::to_string(shard.snapshot_lsn) +
                     ",ops_per_sec=" + std::to_string(static_cast<uint64_t>(shard.ops_per_sec)));
    }
    for (const std::string& problem : health.problems) info.Field("warp_problem", problem);
  }
  ctx.out.Verbatim(info.text());
}

// ---- keyspace-wide and persistence commands ----

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both modes flush before replying.
bool ParseFlushMode(CommandContext& ctx) {
  bool ok = ctx.args.size() == 1 ||
            (ctx.args.size() == 2 &&
             (EqualsIgnoreCase(ctx.args[1], "async") || EqualsIgnoreCase(ctx.args[1], "sync")));
  if (!ok) ctx.out.Error(kErrSyntax);
  return ok;
}

// Deletes every key of database `db`, or of every database when db < 0.
Status DeleteKeys(CommandContext& ctx, int db) {
  Universe& universe = ctx.universe();
  WriteOptions options;
  options.wait_for_sync = false;
  uint64_t cursor = 0;
  std::string_view key;
  do {
    ScanResult batch = universe.Scan(Pattern::All(), cursor, 1000);
    if (!batch.ok()) return batch.status;
    for (const std::string& stored : batch.keys) {
      if (db >= 0 && !DecodeKey(db, stored, &key)) continue;
      WriteResult result = universe.Delete(stored, options);
      if (!result.ok()) return result.status;
      ctx.NoteWrite(result.cosmic);
    }
    cursor = batch.next_cursor;
  } while (cursor != 0);
  return Status::OK();
}

void ReplyStatus(CommandContext& ctx, const Status& status) {
  if (status.ok()) return ctx.out.SimpleString("OK");
  ctx.out.Error("ERR " + status.ToString());
}

void FlushDb(CommandContext& ctx) {
  if (ParseFlushMode(ctx)) ReplyStatus(ctx, DeleteKeys(ctx, ctx.client.db));
}

void FlushAll(CommandContext& ctx) {
  if (ParseFlushMode(ctx)) ReplyStatus(ctx, DeleteKeys(ctx, -1));
}

void DbSize(CommandContext& ctx) {
  ctx.out.Integer(static_cast<int64_t>(ctx.CountKeys(ctx.client.db)));
}

void Time(CommandContext& ctx) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  ctx.out.ArrayHeader(2);
  ctx.out.Bulk(std::to_string(us / 1000000));
  ctx.out.Bulk(std::to_string(us % 1000000));
}

void LastSave(CommandContext& ctx) { ctx.out.Integer(ctx.server.lastsave_s.load()); }

void RecordSave(ServerState& server, const Status& status) {
  server.last_save_ok = status.ok();
  if (status.ok()) server.lastsave_s = NowUnixMs() / 1000;
}

// SAVE checkpoints on the connection's thread (that loop's other clients wait, as Redis's SAVE
// blocks the server); BGSAVE on a thread of its own.
void Save(CommandContext& ctx) {
  if (ctx.server.bgsave_in_progress.load()) {
    return ctx.out.Error("ERR Background save already in progress");
  }
  Status status = ctx.universe().Checkpoint();
  RecordSave(ctx.server, status);
  ReplyStatus(ctx, status);
}

void BgSave(CommandContext& ctx) {
  if (ctx.args.size() > 2 || (ctx.args.size() == 2 && !EqualsIgnoreCase(ctx.args[1], "schedule"))) {
    return ctx.out.Error(kErrSyntax);
  }
  bool expected = false;
  if (!ctx.server.bgsave_in_progress.compare_exchange_strong(expected, true)) {
    return ctx.out.Error("ERR Background save already in progress");
  }
  ServerState* server = &ctx.server;
  std::lock_guard<std::mutex> lock(server->bgsave_mu);
  if (server->bgsave_thread.joinable()) server->bgsave_thread.join();  // finished already
  server->bgsave_thread = std::thread([server] {
    Status status = server->universe->Checkpoint();
    RecordSave(*server, status);
    server->bgsave_in_progress = false;
  });
  ctx.out.SimpleString("Background saving started");
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]: on success the reply is the closed connection.
void Shutdown(CommandContext& ctx) {
  bool nosave = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view arg = ctx.args[i];
    if (EqualsIgnoreCase(arg, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(arg, "abort")) {
      return ctx.out.Error("ERR No shutdown in progress.");
    } else if (!EqualsIgnoreCase(arg, "save") && !EqualsIgnoreCase(arg, "now") &&
               !EqualsIgnoreCase(arg, "force")) {
      return ctx.out.Error(kErrSyntax);
    }
  }
  if (!ctx.server.request_shutdown) {
    return ctx.out.Error("ERR SHUTDOWN is not available in this server");
  }
  ctx.server.shutdown_nosave = nosave;
  ctx.server.shutdown_requested = true;
  ctx.client.close_after_reply = true;
  ctx.server.request_shutdown();
}

}  // namespace

void RegisterServerCommands(CommandTable* table) {
  table->Add({"command", -1, kContainer | kLoading | kStale, 0, 0, 0, "server",
              "Get array of command details.", Command});
  table->Add({"config", -2, kContainer | kAdmin | kLoading | kStale | kNoScript, 0, 0, 0, "server",
              "Get or set configuration parameters.", Config});
  table->Add({"info", -1, kLoading | kStale, 0, 0, 0, "server",
              "Get information and statistics about the server.", Info});
  table->Add({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, "server",
              "Return the number of keys in the selected database.", DbSize});
  table->Add({"flushdb", -1, kWrite, 0, 0, 0, "server",
              "Remove all keys from the current database.", FlushDb});
  table->Add(
      {"flushall", -1, kWrite, 0, 0, 0, "server", "Remove all keys from all databases.", FlushAll});
  table->Add({"time", 1, kLoading | kStale | kFast, 0, 0, 0, "server",
              "Return the current server time.", Time});
  table->Add({"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, "server",
              "Get the Unix time of the last successful checkpoint.", LastSave});
  table->Add({"save", 1, kAdmin | kNoScript, 0, 0, 0, "server",
              "Checkpoint every shard synchronously.", Save});
  table->Add({"bgsave", -1, kAdmin | kNoScript, 0, 0, 0, "server",
              "Checkpoint every shard in the background.", BgSave});
  table->Add({"shutdown", -1, kAdmin | kLoading | kStale | kNoScript, 0, 0, 0, "server",
              "Stop the server after flushing the write-ahead logs.", Shutdown});
}

}  // namespace warp::server
