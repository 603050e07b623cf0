// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX, XX, GT, LT), TTL, PTTL,
// EXPIRETIME, PEXPIRETIME, PERSIST.
//
// Expiry is absolute wall-clock time in ms (Cosmic::expire_at_ms, 0 = none), as Redis keeps it.
// Setting and removing one is a Mutation::kSetExpiry decided under the key's slot lock, so the
// NX/XX/GT/LT comparison and the change are atomic; a time already past deletes the key, as
// Redis does (checkAlreadyExpired).
#include <climits>

#include "server/command.h"
#include "server/internal/command_util.h"

namespace warp::server {

namespace {

using internal::ReplyIfFailed;
using internal::UpdateWith;
using Action = Mutation::Action;

enum Condition : uint32_t { kNx = 1u << 0, kXx = 1u << 1, kGt = 1u << 2, kLt = 1u << 3 };

// NX/XX/GT/LT from args[3] on: the error to reply with, or "" if they are valid.
std::string ParseConditions(const std::vector<std::string_view>& args, uint32_t* conditions) {
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "nx")) {
      *conditions |= kNx;
    } else if (EqualsIgnoreCase(args[j], "xx")) {
      *conditions |= kXx;
    } else if (EqualsIgnoreCase(args[j], "gt")) {
      *conditions |= kGt;
    } else if (EqualsIgnoreCase(args[j], "lt")) {
      *conditions |= kLt;
    } else {
      // Redis prints the option with %s: it ends at a NUL byte.
      std::string_view option = args[j].substr(0, args[j].find('\0'));
      return "ERR Unsupported option " + std::string(option);
    }
  }
  if ((*conditions & kNx) && (*conditions & (kXx | kGt | kLt))) {
    return "ERR NX and XX, GT or LT options at the same time are not compatible";
  }
  if ((*conditions & kGt) && (*conditions & kLt)) {
    return "ERR GT and LT options at the same time are not compatible";
  }
  return {};
}

// The EXPIRE decision. Redis's rules, with no expiry counting as an infinite TTL: NX needs no
// expiry, XX needs one, GT a later time than the current one (never true without an expiry),
// LT an earlier one (always true without an expiry).
struct ExpireOp {
  int64_t when_ms = 0;
  int64_t now = 0;
  uint32_t conditions = 0;
  bool changed = false;

  bool Allowed(int64_t current) const {
    if ((conditions & kNx) && current != 0) return false;
    if ((conditions & kXx) && current == 0) return false;
    if ((conditions & kGt) && (current == 0 || when_ms <= current)) return false;
    if ((conditions & kLt) && current != 0 && when_ms >= current) return false;
    return true;
  }

  void Apply(const KeyState& current, Mutation* m) {
    if (!current.exists || !Allowed(current.expire_at_ms)) return;
    m->action = when_ms <= now ? Action::kDelete : Action::kSetExpiry;
    m->expire_at_ms = when_ms;
    changed = true;
  }
};

// EXPIRE (relative, seconds), PEXPIRE (relative, ms), EXPIREAT, PEXPIREAT (absolute).
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  ExpireOp op;
  std::string error = ParseConditions(ctx.args, &op.conditions);
  if (!error.empty()) return ctx.out.Error(error);
  int64_t when;
  if (!ParseInt64(ctx.args[2], &when)) return ctx.out.Error(kErrNotInteger);
  // Negative times are allowed (they delete the key); only an overflow is an error.
  if (seconds && (when > INT64_MAX / 1000 || when < INT64_MIN / 1000)) {
    return ctx.out.Error(ErrInvalidExpire(ctx.args[0]));
  }
  if (seconds) when *= 1000;
  op.now = NowUnixMs();
  if (relative && __builtin_add_overflow(when, op.now, &when)) {
    return ctx.out.Error(ErrInvalidExpire(ctx.args[0]));
  }
  op.when_ms = when;
  WriteResult r = UpdateWith(ctx, ctx.args[1], op);
  if (!ReplyIfFailed(ctx, r.status)) ctx.out.Integer(op.changed ? 1 : 0);
}

void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PexpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireatCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PexpireatCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

// TTL, PTTL (time left) and EXPIRETIME, PEXPIRETIME (the absolute time): -2 for a missing key,
// -1 for a key without expiry; seconds are rounded to the nearest, as Redis does.
void TtlGeneric(CommandContext& ctx, bool in_ms, bool absolute) {
  std::string local;
  Cosmic cosmic;
  Status s = ctx.Peek(ctx.args[1], internal::ValueBuffer(ctx, &local), &cosmic);
  if (s.IsNotFound()) return ctx.out.Integer(-2);
  if (ReplyIfFailed(ctx, s)) return;
  if (cosmic.expire_at_ms == 0) return ctx.out.Integer(-1);
  int64_t ttl = absolute ? cosmic.expire_at_ms : cosmic.expire_at_ms - NowUnixMs();
  if (ttl < 0) ttl = 0;
  ctx.out.Integer(in_ms ? ttl : (ttl + 500) / 1000);
}

void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PttlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpiretimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PexpiretimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

struct PersistOp {
  bool changed = false;
  void Apply(const KeyState& current, Mutation* m) {
    if (!current.exists || current.expire_at_ms == 0) return;
    m->action = Action::kSetExpiry;
    m->expire_at_ms = 0;
    changed = true;
  }
};

void PersistCommand(CommandContext& ctx) {
  PersistOp op;
  WriteResult r = UpdateWith(ctx, ctx.args[1], op);
  if (!ReplyIfFailed(ctx, r.status)) ctx.out.Integer(op.changed ? 1 : 0);
}

}  // namespace

void RegisterExpiryCommands(CommandTable* table) {
  using internal::kReadFast;
  using internal::kWriteFast;
  constexpr std::string_view g = "generic";  // Redis's group for these commands
  // name, arity, flags, first key, last key, step, group, summary, handler (Redis 7.0's table)
  const CommandSpec specs[] = {
      {"expire", -3, kWriteFast, 1, 1, 1, g, "Set a key's time to live in seconds", ExpireCommand},
      {"pexpire", -3, kWriteFast, 1, 1, 1, g, "Set a key's time to live in milliseconds",
       PexpireCommand},
      {"expireat", -3, kWriteFast, 1, 1, 1, g, "Set the expiration for a key as a UNIX timestamp",
       ExpireatCommand},
      {"pexpireat", -3, kWriteFast, 1, 1, 1, g,
       "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
       PexpireatCommand},
      {"ttl", 2, kReadFast, 1, 1, 1, g, "Get the time to live for a key in seconds", TtlCommand},
      {"pttl", 2, kReadFast, 1, 1, 1, g, "Get the time to live for a key in milliseconds",
       PttlCommand},
      {"expiretime", 2, kReadFast, 1, 1, 1, g, "Get the expiration Unix timestamp for a key",
       ExpiretimeCommand},
      {"pexpiretime", 2, kReadFast, 1, 1, 1, g,
       "Get the expiration Unix timestamp for a key in milliseconds", PexpiretimeCommand},
      {"persist", 2, kWriteFast, 1, 1, 1, g, "Remove the expiration from a key", PersistCommand},
  };
  for (const CommandSpec& spec : specs) table->Add(spec);
}

}  // namespace warp::server
