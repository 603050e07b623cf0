// The RESP command layer: what a command handler sees and how commands are registered.
//
// A connection parses a request (resp/resp_parser.h), looks its name up in the CommandTable
// (case-insensitive), checks the arity and authentication, then calls the handler with a
// CommandContext. The handler validates its arguments, runs against the Universe through the
// context's key helpers (which map the client's database onto Universe keys and record the
// LSNs of writes), and writes exactly one reply with ctx.out. Handlers run on the connection's
// I/O thread: they must not block beyond one Universe call per key (no sleeping, no waiting
// for an fsync: under wal.fsync=always the connection holds the replies of a batch until the
// writes they acknowledge are durable, using the LSNs the helpers recorded).
//
// Error texts are Redis's, word for word (see the Err* helpers below); a handler that finds an
// error replies with it and returns.
//
// Thread-safety: a CommandContext belongs to one connection and one thread. ServerState is
// shared by every connection; its members say how they are protected.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "resp/resp_writer.h"
#include "warp/universe.h"

namespace warp::server {

class ServerMetrics;
class ClientRegistry;
struct CommandSpec;

// Number of logical databases (SELECT 0..15), as Redis's default `databases 16`.
inline constexpr int kDatabases = 16;

// Per-connection state, owned by the connection, read by CLIENT LIST from other threads under
// ClientRegistry's lock (fields other threads read are marked).
struct ClientState {
  uint64_t id = 0;         // CLIENT ID: unique, increasing from 1 (others read)
  std::string name;        // CLIENT SETNAME (others read, guarded by the registry lock)
  std::string addr;        // "127.0.0.1:52344" peer (others read)
  std::string laddr;       // "127.0.0.1:7379" local (others read)
  int fd = -1;             // socket (others read)
  std::atomic<int> db{0};  // SELECT (others read)
  std::atomic<resp::Protocol> protocol{resp::Protocol::kResp2};  // HELLO 2|3 (others read)
  bool authenticated = false;                                    // AUTH passed, or no requirepass
  std::string user = "default";                 // AUTH user (only "default" exists)
  size_t thread = 0;                            // index of the I/O thread serving it (metrics slot)
  int64_t created_ms = 0;                       // Unix ms of accept
  std::atomic<int64_t> last_interaction_ms{0};  // Unix ms of the last command (others read)
  std::atomic<const CommandSpec*> last_command{nullptr};  // the last command run (others read)
  // Its subcommand for container commands (CLIENT LIST): up to 8 lower-case bytes packed
  // little-endian, 0 if none (others read; CLIENT LIST shows "cmd=client|list").
  std::atomic<uint64_t> last_subcommand{0};
  bool close_after_reply = false;  // QUIT, protocol error: close once the reply is written
  // Library name/version from CLIENT SETINFO (shown in CLIENT LIST/INFO; written under the
  // registry lock).
  std::string lib_name;
  std::string lib_ver;
};

// Cumulative figures every connection updates (relaxed atomics) and INFO reads.
struct ServerCounters {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};  // maxclients reached
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> output_limit_disconnections{0};
  std::atomic<uint64_t> expired_keys_seen{0};  // reads that found a key expired (lazy expiry)
};

// Server-wide settings that CONFIG SET may change while connections run. Numbers are atomics
// read once per batch or connection; requirepass is guarded by mu (read once per connection:
// like Redis, a connection that was let in without a password stays authenticated).
struct RuntimeConfig {
  mutable std::mutex mu;
  std::string requirepass;                                 // empty = no AUTH needed
  std::atomic<uint64_t> maxclients{10000};                 // connections beyond this are refused
  std::atomic<uint64_t> proto_max_bulk_len{512ull << 20};  // per argument
  std::atomic<uint64_t> client_query_buffer_limit{1ull << 30};     // unparsed bytes per client
  std::atomic<uint64_t> client_output_buffer_limit{256ull << 20};  // reply bytes of one batch
  std::string Requirepass() const {
    std::lock_guard<std::mutex> lock(mu);
    return requirepass;
  }
  void SetRequirepass(std::string_view password) {
    std::lock_guard<std::mutex> lock(mu);
    requirepass.assign(password);
  }
};

// Everything shared by the connections of one server.
struct ServerState {
  Universe* universe = nullptr;
  ServerMetrics* metrics = nullptr;   // per-command calls and latency (server/metrics.h)
  ClientRegistry* clients = nullptr;  // live connections (server/client_registry.h)
  RuntimeConfig config;
  ServerCounters counters;
  int64_t start_ms = 0;                  // Unix ms when the server started
  std::atomic<int64_t> lastsave_s{0};    // Unix s of the last successful SAVE/BGSAVE (or start)
  std::atomic<bool> last_save_ok{true};  // the last SAVE/BGSAVE succeeded
  std::atomic<bool> bgsave_in_progress{false};  // a BGSAVE thread is running
  std::mutex bgsave_mu;                         // guards bgsave_thread
  std::thread bgsave_thread;  // the last BGSAVE's thread; warpd joins it before closing
  std::atomic<bool> shutdown_requested{false};  // SHUTDOWN: warpd stops after this reply
  std::atomic<bool> shutdown_nosave{false};     // SHUTDOWN NOSAVE
  std::atomic<uint16_t> tcp_port{0};            // the RESP port as bound (set once it listens)
  std::string config_file;                      // absolute path, or "" for the built-in default
  // Called by SHUTDOWN (wakes warpd's main thread).
  std::function<void()> request_shutdown;

  ~ServerState() {
    std::lock_guard<std::mutex> lock(bgsave_mu);
    if (bgsave_thread.joinable()) bgsave_thread.join();
  }
};

// What a handler gets. args[0] is the command name as the client sent it.
class CommandContext {
 public:
  CommandContext(ServerState& server, ClientState& client, resp::ReplyWriter& out,
                 const std::vector<std::string_view>& args)
      : server(server), client(client), out(out), args(args) {}

  ServerState& server;
  ClientState& client;
  resp::ReplyWriter& out;
  const std::vector<std::string_view>& args;

  Universe& universe() const { return *server.universe; }

  // Key helpers: `key` is the client's key in its current database (client.db). They count
  // keyspace hits and misses, pass wait_for_sync=false and record each write's LSN so the
  // connection can hold the reply until it is durable when wal.fsync=always.
  Status Get(std::string_view key, std::string* value, Cosmic* cosmic = nullptr);
  // Like Get but counts no hit or miss (EXISTS, TYPE, TTL use it).
  Status Peek(std::string_view key, std::string* value, Cosmic* cosmic = nullptr);
  WriteResult Put(std::string_view key, std::string_view value, int64_t expire_at_ms = 0);
  WriteResult Update(std::string_view key, const UpdateFn& fn);
  WriteResult Delete(std::string_view key);
  // The same against another database (MOVE, COPY ... DB n).
  WriteResult PutIn(int db, std::string_view key, std::string_view value, int64_t expire_at_ms = 0);
  WriteResult UpdateIn(int db, std::string_view key, const UpdateFn& fn);
  Status GetIn(int db, std::string_view key, std::string* value, Cosmic* cosmic = nullptr);
  // One SCAN step over the client's database: keys matching the Redis glob `pattern` ("" = all)
  // as the client sees them (database prefix removed), expired keys skipped.
  ScanResult Scan(std::string_view pattern, uint64_t cursor, size_t count);
  ScanResult ScanIn(int db, std::string_view pattern, uint64_t cursor, size_t count);
  // Keys in database `db` (counted by a scan unless only database 0 holds keys).
  uint64_t CountKeys(int db);

  // Records a write done directly on the Universe (not through the helpers above).
  void NoteWrite(const Cosmic& cosmic);
  // Highest LSN per shard written or read by this batch of commands (the connection reads and
  // clears it; under wal.fsync=always the replies wait until those LSNs are durable).
  std::vector<std::pair<uint32_t, uint64_t>>* pending_writes = nullptr;

  // Reusable buffer for values (keeps its capacity across commands of one connection).
  std::string* scratch = nullptr;

  // Keyspace hits and misses of this batch, added to ServerCounters once per batch by the
  // connection (a shared atomic per lookup would bounce between the event loops' cores).
  // Null outside a connection: lookups then count in ServerCounters directly.
  struct LookupCounts {
    uint64_t hits = 0;
    uint64_t misses = 0;
  };
  LookupCounts* lookups = nullptr;
};

// Unix time in milliseconds (wall clock, as Redis's expiry).
int64_t NowUnixMs();

// Maps (db, key) to the Universe key: database 0 keys are themselves unless they start with
// byte 0x00; every other key is 0x00, the database number as one byte, then the key. Database
// 0 is therefore the Universe's own keyspace, as embedded users see it.
std::string_view EncodeKey(int db, std::string_view key, std::string* buffer);
// The inverse: false if `stored` is not a key of database `db`; else *key is the client's key.
bool DecodeKey(int db, std::string_view stored, std::string_view* key);

// Redis's error texts (without the leading '-').
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kErrDbIndex = "ERR DB index is out of range";
// "ERR wrong number of arguments for 'get' command" (name lower-cased as Redis does).
std::string ErrWrongArity(std::string_view command);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string ErrUnknownCommand(const std::vector<std::string_view>& args);
// "ERR invalid expire time in 'set' command"
std::string ErrInvalidExpire(std::string_view command);

// Strict integer parsing as Redis's string2ll (no spaces, no '+', no leading zeros except "0",
// within int64); and strtold-based float parsing as Redis's getLongDoubleFromObject.
bool ParseInt64(std::string_view text, int64_t* value);
bool ParseDouble(std::string_view text, long double* value);
// Case-insensitive ASCII comparison, and an ASCII lower-case copy.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLowerAscii(std::string_view text);

// The Redis version clients see in HELLO and INFO's redis_version: the protocol and command
// semantics warpd follows. WarpEngine's own version is INFO's warp_version.
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

// Command flags (COMMAND INFO reports them as Redis does).
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,      // "write"
  kReadOnly = 1u << 1,   // "readonly"
  kFast = 1u << 2,       // "fast"
  kNoAuth = 1u << 3,     // "no-auth": allowed before AUTH (AUTH, HELLO, QUIT, RESET)
  kAdmin = 1u << 4,      // "admin"
  kLoading = 1u << 5,    // "loading"
  kStale = 1u << 6,      // "stale"
  kNoScript = 1u << 7,   // "noscript"
  kContainer = 1u << 8,  // has subcommands (CLIENT, CONFIG, COMMAND): args[1] names one
};

using CommandHandler = void (*)(CommandContext& ctx);

struct CommandSpec {
  std::string_view name;     // lower case, e.g. "set"; subcommands are handled by the handler
  int arity;                 // Redis arity: N exact argument count (name included), -N at least N
  uint32_t flags;            // CommandFlag bits
  int first_key;             // position of the first key argument (0 = no keys)
  int last_key;              // last key position (-1 = the last argument)
  int key_step;              // step between keys
  std::string_view group;    // "string", "keyspace", "connection", "server", "generic"
  std::string_view summary;  // one line (COMMAND DOCS)
  CommandHandler handler;
};

// Name -> spec, case-insensitive lookup. Built once at server start, read-only afterwards.
class CommandTable {
 public:
  void Add(const CommandSpec& spec);
  // nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;
  const std::vector<CommandSpec>& all() const { return specs_; }

 private:
  std::vector<CommandSpec> specs_;
  std::unordered_map<std::string, size_t> index_;  // lower-case name -> position in specs_
};

// Each command family registers its commands (server/commands/*.cc).
void RegisterStringCommands(CommandTable* table);      // GET, SET, INCR, APPEND, ...
void RegisterKeyspaceCommands(CommandTable* table);    // DEL, EXISTS, SCAN, RENAME, ...
void RegisterExpiryCommands(CommandTable* table);      // EXPIRE, TTL, PERSIST, ...
void RegisterConnectionCommands(CommandTable* table);  // PING, HELLO, AUTH, CLIENT, ...
void RegisterServerCommands(CommandTable* table);      // INFO, CONFIG, DBSIZE, SAVE, ...
// The table with every family registered.
const CommandTable& Commands();

}  // namespace warp::server
