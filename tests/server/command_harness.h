// In-process harness for the command layer: a real Universe in a temp dir, one ServerState and
// one client, and Run(), which calls a command's handler the way a connection does after its
// arity check and returns the exact RESP bytes of the reply. Plus the reply encodings tests
// compare against. Not thread-safe; one per test.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "resp/resp_writer.h"
#include "server/command.h"
#include "tests/engine/universe_test_util.h"

namespace warp::server::testing {

class CommandHarness {
 public:
  CommandHarness() {
    REQUIRE(universe_.Open(warp::testing::SmallUniverse(tmp_)).ok());
    server_.universe = &universe_;
  }

  // Runs one command (name first) as the connection would; REQUIREs a known command and an
  // argument count its arity accepts.
  std::string Run(std::vector<std::string> args) {
    const CommandSpec* spec = Commands().Find(args.at(0));
    REQUIRE(spec != nullptr);
    int argc = static_cast<int>(args.size());
    REQUIRE((spec->arity > 0 ? argc == spec->arity : argc >= -spec->arity));
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string out;
    resp::ReplyWriter writer(&out, client_.protocol);
    CommandContext ctx(server_, client_, writer, views);
    ctx.pending_writes = &pending_writes_;
    ctx.scratch = &scratch_;
    spec->handler(ctx);
    return out;
  }

  // A context for calling the key helpers directly (no reply expected).
  CommandContext Context() { return CommandContext(server_, client_, writer_, no_args_); }

  Universe& universe() { return universe_; }
  ServerState& server() { return server_; }
  ClientState& client() { return client_; }
  std::vector<std::pair<uint32_t, uint64_t>>& pending_writes() { return pending_writes_; }

 private:
  warp::testing::TempDir tmp_;
  Universe universe_;
  ServerState server_;
  ClientState client_;
  std::vector<std::pair<uint32_t, uint64_t>> pending_writes_;
  std::string scratch_;
  std::string unused_out_;
  resp::ReplyWriter writer_{&unused_out_};
  const std::vector<std::string_view> no_args_;
};

// Expected replies, RESP2.
inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";
inline std::string Int(int64_t value) { return ":" + std::to_string(value) + "\r\n"; }
inline std::string Bulk(const std::string& bytes) {
  return "$" + std::to_string(bytes.size()) + "\r\n" + bytes + "\r\n";
}
inline std::string Err(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
inline std::string Simple(const std::string& text) { return "+" + text + "\r\n"; }
inline std::string Array(std::initializer_list<std::string> elements) {
  std::string out = "*" + std::to_string(elements.size()) + "\r\n";
  for (const std::string& e : elements) out += e;
  return out;
}

}  // namespace warp::server::testing
