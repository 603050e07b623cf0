// String commands: GET, SET and its variants, MGET/MSET, APPEND, ranges, counters.
//
// Each read-modify-write command (SET with options, GETSET, GETDEL, GETEX, APPEND, SETRANGE,
// INCR*, INCRBYFLOAT) is one ctx.Update on its key: the decision runs under the key's slot lock,
// so it is atomic per key exactly as in Redis. The op structs below carry inputs into the
// callback and the outcome out of it; the callback only reads, compares and formats (no
// Universe call, no reply). MSET and MSETNX touch many keys and are atomic per key only
// (see docs/resp_commands.md).
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "server/command.h"
#include "server/internal/command_util.h"

namespace warp::server {

namespace {

using internal::CountLookup;
using internal::ReplyIfFailed;
using internal::UpdateWith;
using internal::ValueBuffer;
using Action = Mutation::Action;

// --- Options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply ----------------

enum Option : uint32_t {
  kNx = 1u << 0,
  kXx = 1u << 1,
  kEx = 1u << 2,
  kPx = 1u << 3,
  kKeepTtl = 1u << 4,
  kGet = 1u << 5,
  kExAt = 1u << 6,
  kPxAt = 1u << 7,
  kPersist = 1u << 8,
};
constexpr uint32_t kAnyExpire = kEx | kPx | kExAt | kPxAt;

struct StringOptions {
  uint32_t flags = 0;
  std::string_view expire;  // the argument after EX/PX/EXAT/PXAT
};

uint32_t ExpireOption(std::string_view word) {
  if (EqualsIgnoreCase(word, "ex")) return kEx;
  if (EqualsIgnoreCase(word, "px")) return kPx;
  if (EqualsIgnoreCase(word, "exat")) return kExAt;
  if (EqualsIgnoreCase(word, "pxat")) return kPxAt;
  return 0;
}

// Options from args[first] on. False on any word Redis rejects with a syntax error: an unknown
// word, a conflicting pair (NX+XX, KEEPTTL or PERSIST with an expiry, two kinds of expiry), an
// expiry without its argument, or a SET-only word in GETEX and the reverse.
bool ParseOptions(const std::vector<std::string_view>& args, size_t first, bool is_set,
                  StringOptions* out) {
  for (size_t j = first; j < args.size(); ++j) {
    std::string_view word = args[j];
    uint32_t f = out->flags;
    uint32_t expire = ExpireOption(word);
    if (is_set && EqualsIgnoreCase(word, "nx") && !(f & kXx)) {
      f |= kNx;
    } else if (is_set && EqualsIgnoreCase(word, "xx") && !(f & kNx)) {
      f |= kXx;
    } else if (is_set && EqualsIgnoreCase(word, "get")) {
      f |= kGet;
    } else if (is_set && EqualsIgnoreCase(word, "keepttl") && !(f & (kPersist | kAnyExpire))) {
      f |= kKeepTtl;
    } else if (!is_set && EqualsIgnoreCase(word, "persist") && !(f & (kKeepTtl | kAnyExpire))) {
      f |= kPersist;
    } else if (expire != 0 && !(f & (kKeepTtl | kPersist | (kAnyExpire & ~expire))) &&
               j + 1 < args.size()) {
      f |= expire;
      out->expire = args[++j];
    } else {
      return false;
    }
    out->flags = f;
  }
  return true;
}

enum class ExpireCheck { kOk, kNotInteger, kInvalid };

// Redis's getExpireMillisecondsOrReply: `text` as seconds (EX, EXAT) or ms (PX, PXAT),
// relative to `now` for EX and PX; must be positive and not overflow once in absolute ms.
ExpireCheck ExpireAtMs(std::string_view text, uint32_t flags, int64_t now, int64_t* at_ms) {
  int64_t value;
  if (!ParseInt64(text, &value)) return ExpireCheck::kNotInteger;
  bool seconds = (flags & (kEx | kExAt)) != 0;
  if (value <= 0 || (seconds && value > INT64_MAX / 1000)) return ExpireCheck::kInvalid;
  if (seconds) value *= 1000;
  if ((flags & (kEx | kPx)) && __builtin_add_overflow(value, now, &value)) {
    return ExpireCheck::kInvalid;
  }
  *at_ms = value;
  return ExpireCheck::kOk;
}

// Replies with the error of a failed ExpireAtMs; true if there was one.
bool ReplyIfBadExpire(CommandContext& ctx, ExpireCheck check) {
  if (check == ExpireCheck::kOk) return false;
  if (check == ExpireCheck::kNotInteger) {
    ctx.out.Error(kErrNotInteger);
  } else {
    ctx.out.Error(ErrInvalidExpire(ctx.args[0]));
  }
  return true;
}

// --- GET, SET and friends ----------------------------------------------------------------------

void GetCommand(CommandContext& ctx) {
  std::string local;
  std::string* value = ValueBuffer(ctx, &local);
  Status s = ctx.Get(ctx.args[1], value);
  if (s.IsNotFound()) {
    ctx.out.Null();
  } else if (!ReplyIfFailed(ctx, s)) {
    ctx.out.Bulk(*value);
  }
}

// The SET decision (NX, XX, GET, KEEPTTL), also serving SETNX and GETSET.
struct SetOp {
  std::string_view value;
  uint32_t flags = 0;
  int64_t expire_at_ms = 0;
  std::string* old_value = nullptr;  // filled when kGet and the key existed
  bool existed = false;
  bool written = false;

  void Apply(const KeyState& current, Mutation* m) {
    existed = current.exists;
    if ((flags & kGet) && existed) old_value->assign(current.value);
    if (((flags & kNx) && existed) || ((flags & kXx) && !existed)) return;
    m->action = Action::kPut;
    m->value.assign(value.data(), value.size());
    m->expire_at_ms = (flags & kKeepTtl) ? current.expire_at_ms : expire_at_ms;
    written = true;
  }
};

// Runs a SET with options; false if it replied with an error. Otherwise op says what happened.
bool RunSet(CommandContext& ctx, SetOp* op, std::string* old_value) {
  op->old_value = old_value;
  WriteResult r = UpdateWith(ctx, ctx.args[1], *op);
  if (ReplyIfFailed(ctx, r.status)) return false;
  if (op->flags & kGet) CountLookup(ctx, op->existed);
  return true;
}

void ReplyOldValue(CommandContext& ctx, const SetOp& op) {
  if (op.existed) {
    ctx.out.Bulk(*op.old_value);
  } else {
    ctx.out.Null();
  }
}

void SetWithOptions(CommandContext& ctx) {
  StringOptions options;
  if (!ParseOptions(ctx.args, 3, /*is_set=*/true, &options)) return ctx.out.Error(kErrSyntax);
  SetOp op;
  op.value = ctx.args[2];
  op.flags = options.flags;
  if (options.flags & kAnyExpire) {
    ExpireCheck check = ExpireAtMs(options.expire, options.flags, NowUnixMs(), &op.expire_at_ms);
    if (ReplyIfBadExpire(ctx, check)) return;
  }
  if (!(options.flags & (kNx | kXx | kGet | kKeepTtl))) {
    WriteResult r = ctx.Put(ctx.args[1], op.value, op.expire_at_ms);
    if (!ReplyIfFailed(ctx, r.status)) ctx.out.SimpleString("OK");
    return;
  }
  std::string local;
  if (!RunSet(ctx, &op, ValueBuffer(ctx, &local))) return;
  if (op.flags & kGet) {
    ReplyOldValue(ctx, op);
  } else if (op.written) {
    ctx.out.SimpleString("OK");
  } else {
    ctx.out.Null();
  }
}

void SetCommand(CommandContext& ctx) {
  if (ctx.args.size() > 3) return SetWithOptions(ctx);
  // The hot path: one Put, no parsing, nothing allocated here.
  WriteResult r = ctx.Put(ctx.args[1], ctx.args[2]);
  if (!ReplyIfFailed(ctx, r.status)) ctx.out.SimpleString("OK");
}

void SetnxCommand(CommandContext& ctx) {
  SetOp op;
  op.value = ctx.args[2];
  op.flags = kNx;
  if (RunSet(ctx, &op, nullptr)) ctx.out.Integer(op.written ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetexGeneric(CommandContext& ctx, uint32_t unit) {
  int64_t expire_at_ms = 0;
  if (ReplyIfBadExpire(ctx, ExpireAtMs(ctx.args[2], unit, NowUnixMs(), &expire_at_ms))) return;
  WriteResult r = ctx.Put(ctx.args[1], ctx.args[3], expire_at_ms);
  if (!ReplyIfFailed(ctx, r.status)) ctx.out.SimpleString("OK");
}

void SetexCommand(CommandContext& ctx) { SetexGeneric(ctx, kEx); }
void PsetexCommand(CommandContext& ctx) { SetexGeneric(ctx, kPx); }

void GetsetCommand(CommandContext& ctx) {
  SetOp op;
  op.value = ctx.args[2];
  op.flags = kGet;  // and no expiry: GETSET clears the key's TTL, as SET does
  std::string local;
  if (RunSet(ctx, &op, ValueBuffer(ctx, &local))) ReplyOldValue(ctx, op);
}

// GETDEL, and GETEX with any option: read the value and change the key in one step.
struct GetAndChangeOp {
  uint32_t flags = 0;        // kPersist, or one expiry flag, or 0 (GETDEL when delete)
  bool delete_key = false;   // GETDEL
  bool expire_valid = true;  // GETEX: the expiry argument passed ExpireAtMs
  int64_t expire_at_ms = 0;
  int64_t now = 0;
  std::string* value = nullptr;
  bool existed = false;

  void Apply(const KeyState& current, Mutation* m) {
    existed = current.exists;
    if (!existed) return;
    value->assign(current.value);
    if (delete_key) {
      m->action = Action::kDelete;
    } else if (!expire_valid) {
      return;  // Redis reports a bad expiry only for an existing key, and changes nothing
    } else if (flags & kAnyExpire) {
      // An absolute time already past deletes the key, as Redis's GETEX EXAT/PXAT does.
      m->action = expire_at_ms <= now ? Action::kDelete : Action::kSetExpiry;
      m->expire_at_ms = expire_at_ms;
    } else if ((flags & kPersist) && current.expire_at_ms != 0) {
      m->action = Action::kSetExpiry;
      m->expire_at_ms = 0;
    }
  }
};

// Runs op on args[1] and replies with the value it read (nil if missing), or with the expiry
// error `check` if the key existed.
void RunGetAndChange(CommandContext& ctx, GetAndChangeOp* op, ExpireCheck check) {
  std::string local;
  op->value = ValueBuffer(ctx, &local);
  op->expire_valid = check == ExpireCheck::kOk;
  WriteResult r = UpdateWith(ctx, ctx.args[1], *op);
  if (ReplyIfFailed(ctx, r.status)) return;
  CountLookup(ctx, op->existed);
  if (!op->existed) return ctx.out.Null();
  if (ReplyIfBadExpire(ctx, check)) return;
  ctx.out.Bulk(*op->value);
}

void GetdelCommand(CommandContext& ctx) {
  GetAndChangeOp op;
  op.delete_key = true;
  RunGetAndChange(ctx, &op, ExpireCheck::kOk);
}

void GetexCommand(CommandContext& ctx) {
  StringOptions options;
  if (!ParseOptions(ctx.args, 2, /*is_set=*/false, &options)) return ctx.out.Error(kErrSyntax);
  if (options.flags == 0) return GetCommand(ctx);
  GetAndChangeOp op;
  op.flags = options.flags;
  op.now = NowUnixMs();
  ExpireCheck check = ExpireCheck::kOk;
  if (options.flags & kAnyExpire) {
    check = ExpireAtMs(options.expire, options.flags, op.now, &op.expire_at_ms);
  }
  RunGetAndChange(ctx, &op, check);
}

// --- Many keys ---------------------------------------------------------------------------------

void MgetCommand(CommandContext& ctx) {
  std::string local;
  std::string* value = ValueBuffer(ctx, &local);
  // Only the first lookup may still turn the reply into an error; once the array header is
  // out, a key the engine cannot read (the universe closing) is reported as nil.
  Status s = ctx.Get(ctx.args[1], value);
  if (!s.IsNotFound() && ReplyIfFailed(ctx, s)) return;
  ctx.out.ArrayHeader(ctx.args.size() - 1);
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    if (i > 1) s = ctx.Get(ctx.args[i], value);
    if (s.ok()) {
      ctx.out.Bulk(*value);
    } else {
      ctx.out.Null();
    }
  }
}

void MsetCommand(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) return ctx.out.Error(ErrWrongArity(ctx.args[0]));
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    if (ReplyIfFailed(ctx, ctx.Put(ctx.args[i], ctx.args[i + 1]).status)) return;
  }
  ctx.out.SimpleString("OK");
}

// MSETNX's write of one key: only if it is still absent (see MsetnxCommand).
struct PutIfAbsentOp {
  std::string_view value;
  void Apply(const KeyState& current, Mutation* m) {
    if (current.exists) return;
    m->action = Action::kPut;
    m->value.assign(value.data(), value.size());
  }
};

// Checks that every key is absent, then writes each key still absent. A key created by another
// client between the check and the write keeps that client's value: as if MSETNX had set it
// first and the other write came after. A key named twice takes its last value, as in Redis.
void MsetnxCommand(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) return ctx.out.Error(ErrWrongArity(ctx.args[0]));
  std::string local;
  std::string* value = ValueBuffer(ctx, &local);
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    Status s = ctx.Peek(ctx.args[i], value);
    if (s.ok()) return ctx.out.Integer(0);
    if (!s.IsNotFound() && ReplyIfFailed(ctx, s)) return;
  }
  std::unordered_set<std::string_view> later;
  for (size_t pair = (ctx.args.size() - 1) / 2; pair > 0; --pair) {
    size_t i = 2 * pair - 1;  // pairs from the last: a key's last value is the one written
    if (!later.insert(ctx.args[i]).second) continue;
    PutIfAbsentOp op{ctx.args[i + 1]};
    if (ReplyIfFailed(ctx, UpdateWith(ctx, ctx.args[i], op).status)) return;
  }
  ctx.out.Integer(1);
}

// --- Parts of a value --------------------------------------------------------------------------

uint64_t MaxBulkLen(CommandContext& ctx) {
  std::lock_guard<std::mutex> lock(ctx.server.config.mu);
  return ctx.server.config.proto_max_bulk_len;
}

constexpr std::string_view kErrTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

// Writes `piece` at `offset` of the key's value (APPEND: at its end), zero-padding a gap; keeps
// the key's expiry. Refuses a result longer than `limit`.
struct WriteAtOp {
  std::string_view piece;
  uint64_t offset = 0;
  bool append = false;
  uint64_t limit = 0;
  uint64_t length = 0;  // the value's length afterwards
  bool too_long = false;

  void Apply(const KeyState& current, Mutation* m) {
    uint64_t old_size = current.exists ? current.value.size() : 0;
    uint64_t at = append ? old_size : offset;
    length = old_size;
    if (piece.empty() && !(append && !current.exists)) return;  // nothing to write
    uint64_t end = at + piece.size();
    if (!(append && !current.exists) && (end > limit || end < at)) {
      too_long = true;  // APPEND to a missing key is never refused, as in Redis
      return;
    }
    m->action = Action::kPut;
    m->expire_at_ms = current.expire_at_ms;
    m->value.reserve(std::max(old_size, end));
    m->value.assign(current.exists ? current.value : std::string_view());
    if (m->value.size() < end) m->value.resize(end, '\0');
    m->value.replace(at, piece.size(), piece.data(), piece.size());
    length = m->value.size();
  }
};

void RunWriteAt(CommandContext& ctx, WriteAtOp* op) {
  op->limit = MaxBulkLen(ctx);
  WriteResult r = UpdateWith(ctx, ctx.args[1], *op);
  if (ReplyIfFailed(ctx, r.status)) return;
  if (op->too_long) return ctx.out.Error(kErrTooLong);
  ctx.out.Integer(static_cast<int64_t>(op->length));
}

void AppendCommand(CommandContext& ctx) {
  WriteAtOp op;
  op.piece = ctx.args[2];
  op.append = true;
  RunWriteAt(ctx, &op);
}

void SetrangeCommand(CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64(ctx.args[2], &offset)) return ctx.out.Error(kErrNotInteger);
  if (offset < 0) return ctx.out.Error("ERR offset is out of range");
  WriteAtOp op;
  op.piece = ctx.args[3];
  op.offset = static_cast<uint64_t>(offset);
  RunWriteAt(ctx, &op);
}

void StrlenCommand(CommandContext& ctx) {
  std::string local;
  std::string* value = ValueBuffer(ctx, &local);
  Status s = ctx.Get(ctx.args[1], value);
  if (s.IsNotFound()) return ctx.out.Integer(0);
  if (!ReplyIfFailed(ctx, s)) ctx.out.Integer(static_cast<int64_t>(value->size()));
}

// GETRANGE key start end (and SUBSTR): inclusive, negative indexes count from the end.
void GetrangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.args[2], &start) || !ParseInt64(ctx.args[3], &end)) {
    return ctx.out.Error(kErrNotInteger);
  }
  std::string local;
  std::string* value = ValueBuffer(ctx, &local);
  Status s = ctx.Get(ctx.args[1], value);
  if (s.IsNotFound()) return ctx.out.Bulk("");
  if (ReplyIfFailed(ctx, s)) return;
  int64_t size = static_cast<int64_t>(value->size());
  if (start < 0 && end < 0 && start > end) return ctx.out.Bulk("");
  if (start < 0) start = std::max<int64_t>(size + start, 0);
  if (end < 0) end = std::max<int64_t>(size + end, 0);
  if (end >= size) end = size - 1;
  if (size == 0 || start > end) return ctx.out.Bulk("");
  ctx.out.Bulk(std::string_view(*value).substr(start, end - start + 1));
}

// --- Counters ----------------------------------------------------------------------------------

// Adds `delta` to the key's integer value (0 if missing), keeping its expiry.
struct IncrOp {
  int64_t delta = 0;
  int64_t result = 0;
  std::string_view error;  // set instead of a result

  void Apply(const KeyState& current, Mutation* m) {
    int64_t value = 0;
    if (current.exists && !ParseInt64(current.value, &value)) {
      error = kErrNotInteger;
      return;
    }
    if (__builtin_add_overflow(value, delta, &result)) {
      error = "ERR increment or decrement would overflow";
      return;
    }
    char digits[24];
    auto written = std::to_chars(digits, digits + sizeof(digits), result);
    m->action = Action::kPut;
    m->value.assign(digits, written.ptr);
    m->expire_at_ms = current.expire_at_ms;
  }
};

void IncrBy(CommandContext& ctx, int64_t delta) {
  IncrOp op;
  op.delta = delta;
  WriteResult r = UpdateWith(ctx, ctx.args[1], op);
  if (ReplyIfFailed(ctx, r.status)) return;
  if (!op.error.empty()) return ctx.out.Error(op.error);
  ctx.out.Integer(op.result);
}

void IncrCommand(CommandContext& ctx) { IncrBy(ctx, 1); }
void DecrCommand(CommandContext& ctx) { IncrBy(ctx, -1); }

void IncrbyCommand(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(ctx.args[2], &delta)) return ctx.out.Error(kErrNotInteger);
  IncrBy(ctx, delta);
}

void DecrbyCommand(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(ctx.args[2], &delta)) return ctx.out.Error(kErrNotInteger);
  if (delta == INT64_MIN) return ctx.out.Error("ERR decrement would overflow");
  IncrBy(ctx, -delta);
}

// Redis's ld2string in human mode: "%.17Lf" with trailing zeros (and a bare '.') cut, "-0" -> "0".
void FormatLongDouble(long double value, std::string* out) {
  char text[5 * 1024];  // %.17Lf of LDBL_MAX is under 5000 characters
  int length = std::snprintf(text, sizeof(text), "%.17Lf", value);
  size_t size = length < 0 ? 0 : std::min(static_cast<size_t>(length), sizeof(text) - 1);
  if (std::memchr(text, '.', size) != nullptr) {
    while (size > 0 && text[size - 1] == '0') --size;
    if (size > 0 && text[size - 1] == '.') --size;
  }
  if (size == 2 && text[0] == '-' && text[1] == '0') {
    out->assign("0");
  } else {
    out->assign(text, size);
  }
}

struct IncrFloatOp {
  long double delta = 0;
  std::string* result = nullptr;
  std::string_view error;

  void Apply(const KeyState& current, Mutation* m) {
    long double value = 0;
    if (current.exists && !ParseDouble(current.value, &value)) {
      error = kErrNotFloat;
      return;
    }
    value += delta;
    if (std::isnan(value) || std::isinf(value)) {
      error = "ERR increment would produce NaN or Infinity";
      return;
    }
    FormatLongDouble(value, &m->value);
    m->action = Action::kPut;
    m->expire_at_ms = current.expire_at_ms;
    result->assign(m->value);
  }
};

void IncrbyfloatCommand(CommandContext& ctx) {
  IncrFloatOp op;
  if (!ParseDouble(ctx.args[2], &op.delta)) return ctx.out.Error(kErrNotFloat);
  std::string local;
  op.result = ValueBuffer(ctx, &local);
  WriteResult r = UpdateWith(ctx, ctx.args[1], op);
  if (ReplyIfFailed(ctx, r.status)) return;
  if (!op.error.empty()) return ctx.out.Error(op.error);
  ctx.out.Bulk(*op.result);
}

}  // namespace

void RegisterStringCommands(CommandTable* table) {
  using internal::kReadFast;
  using internal::kWriteFast;
  constexpr std::string_view g = "string";
  // name, arity, flags, first key, last key, step, group, summary, handler (Redis 7.0's table)
  const CommandSpec specs[] = {
      {"get", 2, kReadFast, 1, 1, 1, g, "Get the value of a key", GetCommand},
      {"set", -3, kWrite, 1, 1, 1, g, "Set the string value of a key", SetCommand},
      {"setnx", 3, kWriteFast, 1, 1, 1, g, "Set the value of a key, only if the key does not exist",
       SetnxCommand},
      {"setex", 4, kWrite, 1, 1, 1, g, "Set the value and expiration of a key", SetexCommand},
      {"psetex", 4, kWrite, 1, 1, 1, g, "Set the value and expiration in milliseconds of a key",
       PsetexCommand},
      {"getset", 3, kWriteFast, 1, 1, 1, g,
       "Set the string value of a key and return its old value", GetsetCommand},
      {"getdel", 2, kWriteFast, 1, 1, 1, g, "Get the value of a key and delete the key",
       GetdelCommand},
      {"getex", -2, kWriteFast, 1, 1, 1, g,
       "Get the value of a key and optionally set its expiration", GetexCommand},
      {"mget", -2, kReadFast, 1, -1, 1, g, "Get the values of all the given keys", MgetCommand},
      {"mset", -3, kWrite, 1, -1, 2, g, "Set multiple keys to multiple values", MsetCommand},
      {"msetnx", -3, kWrite, 1, -1, 2, g,
       "Set multiple keys to multiple values, only if none of the keys exist", MsetnxCommand},
      {"append", 3, kWriteFast, 1, 1, 1, g, "Append a value to a key", AppendCommand},
      {"strlen", 2, kReadFast, 1, 1, 1, g, "Get the length of the value stored in a key",
       StrlenCommand},
      {"getrange", 4, kReadOnly, 1, 1, 1, g, "Get a substring of the string stored at a key",
       GetrangeCommand},
      {"substr", 4, kReadOnly, 1, 1, 1, g, "Get a substring of the string stored at a key",
       GetrangeCommand},
      {"setrange", 4, kWrite, 1, 1, 1, g,
       "Overwrite part of a string at key starting at the specified offset", SetrangeCommand},
      {"incr", 2, kWriteFast, 1, 1, 1, g, "Increment the integer value of a key by one",
       IncrCommand},
      {"decr", 2, kWriteFast, 1, 1, 1, g, "Decrement the integer value of a key by one",
       DecrCommand},
      {"incrby", 3, kWriteFast, 1, 1, 1, g,
       "Increment the integer value of a key by the given amount", IncrbyCommand},
      {"decrby", 3, kWriteFast, 1, 1, 1, g,
       "Decrement the integer value of a key by the given number", DecrbyCommand},
      {"incrbyfloat", 3, kWriteFast, 1, 1, 1, g,
       "Increment the float value of a key by the given amount", IncrbyfloatCommand},
  };
  for (const CommandSpec& spec : specs) table->Add(spec);
}

}  // namespace warp::server
