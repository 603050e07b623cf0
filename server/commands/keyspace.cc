// Keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, KEYS, SCAN, RANDOMKEY, TOUCH,
// COPY, MOVE.
//
// Not atomic across keys. The Universe's atomic unit is one key (ctx.Update runs under that
// key's slot lock); two keys may live on different shards and no lock spans shards. So RENAME,
// RENAMENX, MOVE and COPY read the source, write the destination (atomically with its own
// existence check: NX / REPLACE), then delete the source only if it still holds what was read.
// Another client may see both keys for a moment, or the destination before the source is
// gone; a source changed meanwhile is left in place (its new value wins over the move). Nothing
// is ever lost: the value exists under at least one name throughout. docs/resp_commands.md
// lists these corners.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <random>

#include "server/command.h"
#include "server/internal/command_util.h"

namespace warp::server {

namespace {

using internal::ReplyIfFailed;
using internal::UpdateWith;
using internal::ValueBuffer;
using Action = Mutation::Action;

constexpr std::string_view kErrSameObject = "ERR source and destination objects are the same";

void DelCommand(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    WriteResult r = ctx.Delete(ctx.args[i]);
    if (ReplyIfFailed(ctx, r.status)) return;
    if (r.existed) ++deleted;
  }
  ctx.out.Integer(deleted);
}

// Counts the arguments naming an existing key (a key named twice counts twice), with
// (TOUCH) or without (EXISTS) counting keyspace hits and misses.
void CountExisting(CommandContext& ctx, bool count_lookups) {
  std::string local;
  std::string* value = ValueBuffer(ctx, &local);
  int64_t found = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    Status s = count_lookups ? ctx.Get(ctx.args[i], value) : ctx.Peek(ctx.args[i], value);
    if (s.ok()) {
      ++found;
    } else if (!s.IsNotFound()) {
      ReplyIfFailed(ctx, s);
      return;
    }
  }
  ctx.out.Integer(found);
}

void ExistsCommand(CommandContext& ctx) { CountExisting(ctx, /*count_lookups=*/false); }
void TouchCommand(CommandContext& ctx) { CountExisting(ctx, /*count_lookups=*/true); }

void TypeCommand(CommandContext& ctx) {
  std::string local;
  Status s = ctx.Peek(ctx.args[1], ValueBuffer(ctx, &local));
  if (s.IsNotFound()) return ctx.out.SimpleString("none");
  if (!ReplyIfFailed(ctx, s)) ctx.out.SimpleString("string");  // every value is a string yet
}

// --- Moving a value between names and databases ------------------------------------------------

// Writes the value read from the source under the destination name, unless the destination
// exists and `replace` is false; the expiry travels with the value.
struct CopyToOp {
  std::string_view value;
  int64_t expire_at_ms = 0;
  bool replace = false;
  bool written = false;

  void Apply(const KeyState& current, Mutation* m) {
    if (current.exists && !replace) return;
    m->action = Action::kPut;
    m->value.assign(value.data(), value.size());
    m->expire_at_ms = expire_at_ms;
    written = true;
  }
};

// Removes the source of a move only if it still holds what was copied.
struct DeleteIfUnchangedOp {
  std::string_view value;
  int64_t expire_at_ms = 0;

  void Apply(const KeyState& current, Mutation* m) {
    if (current.exists && current.value == value && current.expire_at_ms == expire_at_ms) {
      m->action = Action::kDelete;
    }
  }
};

// A source key as read: its value (in the connection's buffer) and expiry.
struct Source {
  std::string local;
  std::string* value = nullptr;
  int64_t expire_at_ms = 0;
};

// Reads the source key of the client's database; the Status is OK, NotFound or an error.
Status ReadSource(CommandContext& ctx, std::string_view key, bool count_lookup, Source* source) {
  source->value = ValueBuffer(ctx, &source->local);
  Cosmic cosmic;
  Status s =
      count_lookup ? ctx.Get(key, source->value, &cosmic) : ctx.Peek(key, source->value, &cosmic);
  source->expire_at_ms = cosmic.expire_at_ms;
  return s;
}

// Copies `source` to `key` of database `db`; false if it replied with an error, else *written
// tells whether the destination was written.
bool CopyTo(CommandContext& ctx, const Source& source, int db, std::string_view key, bool replace,
            bool* written) {
  CopyToOp op{*source.value, source.expire_at_ms, replace};
  if (ReplyIfFailed(ctx, UpdateWith(ctx, db, key, op).status)) return false;
  *written = op.written;
  return true;
}

// The second half of a move: false if it replied with an error.
bool DeleteSource(CommandContext& ctx, const Source& source, std::string_view key) {
  DeleteIfUnchangedOp op{*source.value, source.expire_at_ms};
  return !ReplyIfFailed(ctx, UpdateWith(ctx, key, op).status);
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view from = ctx.args[1];
  std::string_view to = ctx.args[2];
  Source source;
  Status s = ReadSource(ctx, from, /*count_lookup=*/false, &source);
  if (s.IsNotFound()) return ctx.out.Error(kErrNoSuchKey);
  if (ReplyIfFailed(ctx, s)) return;
  bool written = false;
  if (from != to && !CopyTo(ctx, source, ctx.client.db, to, /*replace=*/!nx, &written)) return;
  if (written && !DeleteSource(ctx, source, from)) return;
  if (nx) {
    ctx.out.Integer(written ? 1 : 0);
  } else {
    ctx.out.SimpleString("OK");
  }
}

void RenameCommand(CommandContext& ctx) { RenameGeneric(ctx, /*nx=*/false); }
void RenamenxCommand(CommandContext& ctx) { RenameGeneric(ctx, /*nx=*/true); }

// A database number argument (MOVE, COPY ... DB): replies and returns false if it is not an
// int (Redis's getIntFromObjectOrReply) or not a database.
bool ParseDb(CommandContext& ctx, std::string_view text, int* db) {
  int64_t value;
  if (!ParseInt64(text, &value) || value < INT_MIN || value > INT_MAX) {
    ctx.out.Error(kErrNotInteger);
    return false;
  }
  if (value < 0 || value >= kDatabases) {
    ctx.out.Error(kErrDbIndex);
    return false;
  }
  *db = static_cast<int>(value);
  return true;
}

void MoveCommand(CommandContext& ctx) {
  int db;
  if (!ParseDb(ctx, ctx.args[2], &db)) return;
  if (db == ctx.client.db) return ctx.out.Error(kErrSameObject);
  Source source;
  Status s = ReadSource(ctx, ctx.args[1], /*count_lookup=*/false, &source);
  if (s.IsNotFound()) return ctx.out.Integer(0);
  if (ReplyIfFailed(ctx, s)) return;
  bool written = false;
  if (!CopyTo(ctx, source, db, ctx.args[1], /*replace=*/false, &written)) return;
  if (written && !DeleteSource(ctx, source, ctx.args[1])) return;
  ctx.out.Integer(written ? 1 : 0);
}

// COPY source destination [DB destination-db] [REPLACE]
void CopyCommand(CommandContext& ctx) {
  int db = ctx.client.db;
  bool replace = false;
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    if (EqualsIgnoreCase(ctx.args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.args[j], "db") && j + 1 < ctx.args.size()) {
      if (!ParseDb(ctx, ctx.args[++j], &db)) return;
    } else {
      return ctx.out.Error(kErrSyntax);
    }
  }
  if (db == ctx.client.db && ctx.args[1] == ctx.args[2]) return ctx.out.Error(kErrSameObject);
  Source source;
  Status s = ReadSource(ctx, ctx.args[1], /*count_lookup=*/true, &source);
  if (s.IsNotFound()) return ctx.out.Integer(0);
  if (ReplyIfFailed(ctx, s)) return;
  bool written = false;
  if (CopyTo(ctx, source, db, ctx.args[2], replace, &written)) ctx.out.Integer(written ? 1 : 0);
}

// --- Iteration ---------------------------------------------------------------------------------

// KEYS "" matches only the empty key (for the key helpers "" means every key).
void KeysOfEmptyPattern(CommandContext& ctx) {
  std::string local;
  Status s = ctx.Peek("", ValueBuffer(ctx, &local));
  if (!s.IsNotFound() && ReplyIfFailed(ctx, s)) return;
  ctx.out.ArrayHeader(s.ok() ? 1 : 0);
  if (s.ok()) ctx.out.Bulk("");
}

void KeysCommand(CommandContext& ctx) {
  if (ctx.args[1].empty()) return KeysOfEmptyPattern(ctx);
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  do {
    ScanResult step = ctx.Scan(ctx.args[1], cursor, 1024);
    if (ReplyIfFailed(ctx, step.status)) return;
    for (std::string& key : step.keys) keys.push_back(std::move(key));
    cursor = step.next_cursor;
  } while (cursor != 0);
  ctx.out.ArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.out.Bulk(key);
}

// Redis reads the cursor with strtoul: no leading space, all characters consumed, no overflow
// (a leading '-' wraps around and "" is 0, as there).
bool ParseCursor(std::string_view text, uint64_t* cursor) {
  std::string terminated(text);
  if (!terminated.empty() && std::isspace(static_cast<unsigned char>(terminated[0]))) {
    return false;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long value = std::strtoull(terminated.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *cursor = value;
  return true;
}

struct ScanOptions {
  std::string_view pattern;    // "" = every key
  bool empty_pattern = false;  // MATCH "": only the empty key matches, as in Redis
  size_t count = 10;
  std::string_view type;  // "" = every type
};

// SCAN's options from args[2] on: the error to reply with, or "" if they are valid.
std::string_view ParseScanOptions(const std::vector<std::string_view>& args, ScanOptions* options) {
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string_view word = args[i];
    bool has_value = i + 1 < args.size();
    if (EqualsIgnoreCase(word, "count") && has_value) {
      int64_t count;
      if (!ParseInt64(args[i + 1], &count)) return kErrNotInteger;
      if (count < 1) return kErrSyntax;
      options->count = static_cast<size_t>(count);
    } else if (EqualsIgnoreCase(word, "match") && has_value) {
      options->pattern = args[i + 1];
      options->empty_pattern = options->pattern.empty();
    } else if (EqualsIgnoreCase(word, "type") && has_value) {
      options->type = args[i + 1];
    } else {
      return kErrSyntax;
    }
  }
  return {};
}

void ScanCommand(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseCursor(ctx.args[1], &cursor)) return ctx.out.Error("ERR invalid cursor");
  ScanOptions options;
  std::string_view error = ParseScanOptions(ctx.args, &options);
  if (!error.empty()) return ctx.out.Error(error);
  ScanResult step = ctx.Scan(options.pattern, cursor, options.count);
  if (ReplyIfFailed(ctx, step.status)) return;
  // Every value is a string, so TYPE string keeps every key and any other type none.
  if (!options.type.empty() && !EqualsIgnoreCase(options.type, "string")) step.keys.clear();
  if (options.empty_pattern) {
    step.keys.erase(std::remove_if(step.keys.begin(), step.keys.end(),
                                   [](const std::string& key) { return !key.empty(); }),
                    step.keys.end());
  }
  // The cursor is unsigned, as Redis means it (Redis 7.0 prints cursors above 2^63 negative).
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), step.next_cursor).ptr;
  ctx.out.ArrayHeader(2);
  ctx.out.Bulk(std::string_view(digits, static_cast<size_t>(end - digits)));
  ctx.out.ArrayHeader(step.keys.size());
  for (const std::string& key : step.keys) ctx.out.Bulk(key);
}

// A key near a random cursor: SCAN from a random place to the end, then from the start, and
// pick one key of the first non-empty batch.
void RandomkeyCommand(CommandContext& ctx) {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t cursor = random();
  for (int pass = 0; pass < 2; ++pass) {
    do {
      ScanResult step = ctx.Scan("", cursor, 64);
      if (ReplyIfFailed(ctx, step.status)) return;
      if (!step.keys.empty()) return ctx.out.Bulk(step.keys[random() % step.keys.size()]);
      cursor = step.next_cursor;
    } while (cursor != 0);
  }
  ctx.out.Null();
}

}  // namespace

void RegisterKeyspaceCommands(CommandTable* table) {
  using internal::kReadFast;
  using internal::kWriteFast;
  constexpr std::string_view g = "generic";  // Redis's group for these commands
  // name, arity, flags, first key, last key, step, group, summary, handler (Redis 7.0's table)
  const CommandSpec specs[] = {
      {"del", -2, kWrite, 1, -1, 1, g, "Delete a key", DelCommand},
      {"unlink", -2, kWriteFast, 1, -1, 1, g,
       "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
       "blocking.",
       DelCommand},
      {"exists", -2, kReadFast, 1, -1, 1, g, "Determine if a key exists", ExistsCommand},
      {"type", 2, kReadFast, 1, 1, 1, g, "Determine the type stored at key", TypeCommand},
      {"rename", 3, kWrite, 1, 2, 1, g, "Rename a key", RenameCommand},
      {"renamenx", 3, kWriteFast, 1, 2, 1, g, "Rename a key, only if the new key does not exist",
       RenamenxCommand},
      {"keys", 2, kReadOnly, 0, 0, 0, g, "Find all keys matching the given pattern", KeysCommand},
      {"scan", -2, kReadOnly, 0, 0, 0, g, "Incrementally iterate the keys space", ScanCommand},
      {"randomkey", 1, kReadOnly, 0, 0, 0, g, "Return a random key from the keyspace",
       RandomkeyCommand},
      {"touch", -2, kReadFast, 1, -1, 1, g,
       "Alters the last access time of a key(s). Returns the number of existing keys specified.",
       TouchCommand},
      {"copy", -3, kWrite, 1, 2, 1, g, "Copy a key", CopyCommand},
      {"move", 3, kWriteFast, 1, 1, 1, g, "Move a key to another database", MoveCommand},
  };
  for (const CommandSpec& spec : specs) table->Add(spec);
}

}  // namespace warp::server
