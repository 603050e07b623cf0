// Private helpers shared by the command families in server/commands/*.cc: how a handler turns an
// engine error into a reply, counts a keyspace lookup it made through Update, and runs a small
// read-modify-write "op" object under a key's slot lock. Not part of any public interface.
//
// Thread-safety: as CommandContext (one connection, one thread).
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "server/command.h"

namespace warp::server::internal {

// Flag sets that recur in Redis's command table.
inline constexpr uint32_t kReadFast = kReadOnly | kFast;
inline constexpr uint32_t kWriteFast = kWrite | kFast;

// The one place an engine Status becomes RESP error text: "ERR <code>: <message>".
std::string ErrFromStatus(const Status& status);

// Replies with ErrFromStatus(status) and returns true if status is not OK (NotFound included:
// callers that expect NotFound test for it first).
bool ReplyIfFailed(CommandContext& ctx, const Status& status);

// Counts a lookup made without ctx.Get (GETDEL, GETEX, SET ... GET read through Update), as
// Redis's lookupKeyRead counts keyspace_hits and keyspace_misses.
inline void CountLookup(CommandContext& ctx, bool found) {
  if (ctx.lookups != nullptr) {
    ++(found ? ctx.lookups->hits : ctx.lookups->misses);
    return;
  }
  auto& counter = found ? ctx.server.counters.keyspace_hits : ctx.server.counters.keyspace_misses;
  counter.fetch_add(1, std::memory_order_relaxed);
}

// The connection's reusable value buffer, or `fallback` when it has none (tests, tools).
inline std::string* ValueBuffer(CommandContext& ctx, std::string* fallback) {
  return ctx.scratch != nullptr ? ctx.scratch : fallback;
}

// Runs op.Apply(const KeyState&, Mutation*) under the key's slot lock (ctx.UpdateIn). The
// callback captures one reference, so std::function stores it without allocating; the op
// object carries the inputs in and the outcome out.
template <class Op>
WriteResult UpdateWith(CommandContext& ctx, int db, std::string_view key, Op& op) {
  return ctx.UpdateIn(
      db, key, [&op](const KeyState& current, Mutation* mutation) { op.Apply(current, mutation); });
}
template <class Op>
WriteResult UpdateWith(CommandContext& ctx, std::string_view key, Op& op) {
  return UpdateWith(ctx, ctx.client.db, key, op);
}

}  // namespace warp::server::internal
