// libFuzzer target: RequestParser over arbitrary bytes must never crash, hang or read out of
// bounds, and its result must not depend on how the bytes are split into reads.
//
// The first input byte picks small or default limits (small ones let 8 KiB inputs reach the
// "too big" and "invalid length" errors) and the chunking seed. The rest is fed once whole and
// once in pseudo-random chunks (1..64 bytes); both must yield the same commands and the same
// error. Every command is also re-encoded as a multibulk request and parsed back, which must
// give the same arguments: a reader and writer of the same grammar agree.
// Build and run with `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "resp/resp_parser.h"

namespace {

using warp::resp::ParserOptions;
using warp::resp::RequestParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

void Drain(RequestParser* parser, Outcome* outcome) {
  RequestParser::Result r;
  while ((r = parser->Next()) == RequestParser::Result::kCommand) {
    if (parser->args().empty()) std::abort();  // kCommand promises at least one argument
    outcome->commands.emplace_back(parser->args().begin(), parser->args().end());
  }
  if (r == RequestParser::Result::kError) outcome->error = parser->error();
}

std::string Encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  ParserOptions options;
  if (mode & 1) {
    options.max_bulk_len = 64;
    options.max_multibulk_len = 8;
    options.max_inline_len = 32;
  }

  Outcome whole;
  RequestParser one_shot(options);
  one_shot.Feed(input);
  Drain(&one_shot, &whole);
  if (one_shot.failed() != !whole.error.empty()) std::abort();

  Outcome chunked;
  RequestParser piecewise(options);
  uint32_t seed = mode * 2654435761u + 1;
  for (size_t at = 0; at < input.size();) {
    seed = seed * 1103515245u + 12345u;
    size_t n = std::min<size_t>(1 + (seed >> 16) % 64, input.size() - at);
    piecewise.Feed(input.substr(at, n));
    at += n;
    Drain(&piecewise, &chunked);
    if (!chunked.error.empty()) break;
  }
  if (whole.commands != chunked.commands || whole.error != chunked.error) std::abort();

  ParserOptions roomy;
  roomy.max_multibulk_len = 1 << 20;
  for (const auto& command : whole.commands) {
    RequestParser again(roomy);
    again.Feed(Encode(command));
    if (again.Next() != RequestParser::Result::kCommand) std::abort();
    std::vector<std::string> args(again.args().begin(), again.args().end());
    if (args != command) std::abort();
    if (again.Next() != RequestParser::Result::kNeedMore) std::abort();
  }
  return 0;
}
