#include "resp/resp_parser.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

// Counts heap allocations so a test can show that steady-state parsing makes none. Not under
// AddressSanitizer, which replaces the allocation functions itself (and then reports memory
// from its operator new released by this free as a mismatch).
#if !defined(__SANITIZE_ADDRESS__)
#define WARP_COUNTS_ALLOCATIONS 1
static std::atomic<size_t> g_allocations{0};

void* operator new(size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif

namespace warp::resp {

namespace {

using Command = std::vector<std::string>;
using Result = RequestParser::Result;

struct Parsed {
  std::vector<Command> commands;
  std::string error;  // empty unless the parser failed
};

// Drains every complete command; stops at kNeedMore or kError.
void Drain(RequestParser* parser, Parsed* parsed) {
  Result r;
  while ((r = parser->Next()) == Result::kCommand) {
    parsed->commands.emplace_back(parser->args().begin(), parser->args().end());
  }
  if (r == Result::kError) parsed->error = parser->error();
}

Parsed ParseAll(const std::string& input, ParserOptions options = ParserOptions()) {
  RequestParser parser(options);
  Parsed parsed;
  parser.Feed(input);
  Drain(&parser, &parsed);
  return parsed;
}

Parsed ParseByteByByte(const std::string& input, ParserOptions options = ParserOptions()) {
  RequestParser parser(options);
  Parsed parsed;
  for (char c : input) {
    parser.Feed(std::string_view(&c, 1));
    Drain(&parser, &parsed);
    if (!parsed.error.empty()) break;
  }
  return parsed;
}

std::string Multibulk(const Command& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

// The error an input ends with, checked to be the same however the bytes arrive.
std::string ErrorOf(const std::string& input, ParserOptions options = ParserOptions()) {
  Parsed whole = ParseAll(input, options);
  Parsed bytes = ParseByteByByte(input, options);
  CHECK(whole.error == bytes.error);
  CHECK(whole.commands == bytes.commands);
  return whole.error;
}

// The single command an inline line splits into ("" if it is an error or incomplete).
Command Inline(const std::string& line) {
  Parsed parsed = ParseAll(line + "\r\n");
  REQUIRE(parsed.error.empty());
  REQUIRE(parsed.commands.size() == 1);
  return parsed.commands[0];
}

}  // namespace

TEST_CASE("a multibulk command is split into its arguments without the framing") {
  Parsed parsed = ParseAll("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  CHECK(parsed.error.empty());
  REQUIRE(parsed.commands.size() == 1);
  CHECK(parsed.commands[0] == Command{"SET", "key", "value"});
}

TEST_CASE("feeding byte by byte yields exactly what feeding everything at once yields") {
  std::string input = Multibulk({"SET", "k", "v"}) + "PING\r\n" + "*0\r\n" +
                      Multibulk({"GET", std::string("a\r\nb\0c", 6)}) + "\r\n" +
                      "set \"a b\" 'c d'\n" + Multibulk({"", "x"}) + "*-1\r\n" + "ECHO x\r\n";
  Parsed whole = ParseAll(input);
  Parsed bytes = ParseByteByByte(input);
  CHECK(whole.error.empty());
  CHECK(whole.commands.size() == 6);
  CHECK(whole.commands == bytes.commands);
  CHECK(bytes.error.empty());
}

TEST_CASE("a pipeline of 1000 commands in one buffer yields the 1000 commands in order") {
  std::string input;
  for (int i = 0; i < 1000; ++i) {
    input += i % 2 ? Multibulk({"SET", "key" + std::to_string(i), std::string(i % 50, 'v')})
                   : "INCR counter" + std::to_string(i) + "\r\n";
  }
  Parsed parsed = ParseAll(input);
  CHECK(parsed.error.empty());
  REQUIRE(parsed.commands.size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    Command expected = i % 2 ? Command{"SET", "key" + std::to_string(i), std::string(i % 50, 'v')}
                             : Command{"INCR", "counter" + std::to_string(i)};
    REQUIRE(parsed.commands[i] == expected);
  }
  CHECK(ParseByteByByte(input).commands == parsed.commands);
}

TEST_CASE("a command split across feeds at every position comes out whole once") {
  std::string input = Multibulk({"HSET", "h", "f", std::string(100, 'x')}) + "PING\r\n";
  for (size_t split = 0; split <= input.size(); ++split) {
    RequestParser parser;
    Parsed parsed;
    parser.Feed(std::string_view(input).substr(0, split));
    Drain(&parser, &parsed);
    parser.Feed(std::string_view(input).substr(split));
    Drain(&parser, &parsed);
    REQUIRE(parsed.error.empty());
    REQUIRE(parsed.commands.size() == 2);
    CHECK(parsed.commands[0] == Command{"HSET", "h", "f", std::string(100, 'x')});
    CHECK(parser.buffered_bytes() == 0);
  }
}

TEST_CASE("bulk strings are binary safe and may hold CR, LF, NUL and a fake header") {
  std::string tricky("\r\n*2\r\n$1\r\n\0\xff", 13);
  Parsed parsed = ParseAll(Multibulk({"SET", tricky, "\r\n"}));
  REQUIRE(parsed.commands.size() == 1);
  CHECK(parsed.commands[0] == Command{"SET", tricky, "\r\n"});
  CHECK(ParseByteByByte(Multibulk({"SET", tricky, "\r\n"})).commands == parsed.commands);
}

TEST_CASE("empty bulk strings are arguments but empty commands and blank lines are skipped") {
  Parsed parsed = ParseAll("*0\r\n*-1\r\n\r\n   \t \n" + Multibulk({""}) + "\n");
  CHECK(parsed.error.empty());
  REQUIRE(parsed.commands.size() == 1);
  CHECK(parsed.commands[0] == Command{""});
}

TEST_CASE("an incomplete command is kept buffered and reported as needing more bytes") {
  RequestParser parser;
  parser.Feed("*2\r\n$3\r\nGET\r\n$3\r\nke");
  CHECK(parser.Next() == Result::kNeedMore);
  CHECK(parser.buffered_bytes() == 19);
  parser.Feed("y\r");
  CHECK(parser.Next() == Result::kNeedMore);
  parser.Feed("\n");
  REQUIRE(parser.Next() == Result::kCommand);
  CHECK(parser.args() == std::vector<std::string_view>{"GET", "key"});
  CHECK(parser.Next() == Result::kNeedMore);
  CHECK(parser.buffered_bytes() == 0);
}

TEST_CASE("inline commands split on blanks and end with LF or CRLF") {
  CHECK(Inline("PING") == Command{"PING"});
  CHECK(Inline("  set  key\tvalue  ") == Command{"set", "key", "value"});
  Parsed parsed = ParseAll("PING\nECHO a\r\nECHO\tb\n");
  CHECK(parsed.commands == std::vector<Command>{{"PING"}, {"ECHO", "a"}, {"ECHO", "b"}});
  // VT and FF separate arguments only before one starts, as in sdssplitargs.
  CHECK(Inline("a\vb \fc") == Command{"a\vb", "c"});
}

TEST_CASE("inline double quotes understand Redis's escapes and single quotes only \\'") {
  CHECK(Inline(R"(set "foo bar" "\n\r\t\b\a\\\"")") == Command{"set", "foo bar", "\n\r\t\b\a\\\""});
  CHECK(Inline(R"("\x41\x7a\x00\xFf" "\xZZ" "\q")") ==
        Command{std::string("Az\0\xff", 4), "xZZ", "q"});
  CHECK(Inline(R"('it\'s' 'a\nb' '"')") == Command{"it's", "a\\nb", "\""});
  CHECK(Inline(R"("" '')") == Command{"", ""});
  // A quote inside a word starts quoting; the argument goes on until the closing quote.
  CHECK(Inline(R"(a"b c" d'e f')") == Command{"ab c", "de f"});
  // The cases of Redis's own sdssplitargs and protocol tests.
  CHECK(Inline(R"(set "foo\x41bar" 'x y')") == Command{"set", "fooAbar", "x y"});
  CHECK(Inline(R"(  "hello"   'world'  )") == Command{"hello", "world"});
}

TEST_CASE("a NUL byte ends an inline line's arguments as it does in Redis") {
  Parsed parsed = ParseAll(std::string("ECHO a\0b c\r\nPING\r\n", 18));
  CHECK(parsed.commands == std::vector<Command>{{"ECHO", "a"}, {"PING"}});
}

TEST_CASE("unbalanced or misplaced inline quotes are a protocol error") {
  const std::string kUnbalanced = "Protocol error: unbalanced quotes in request";
  for (const char* line : {"ECHO \"a", "ECHO 'a", "ECHO \"a\"x", "ECHO 'a'x", "ECHO \"a\\\"",
                           "ECHO 'a\\'", "set \"\"\"test-key\"\"\" test-value", "\"a\\"}) {
    INFO(line);
    CHECK(ErrorOf(std::string(line) + "\r\n") == kUnbalanced);
  }
}

TEST_CASE("every multibulk framing error has Redis's exact text") {
  CHECK(ErrorOf("*3000000000\r\n") == "Protocol error: invalid multibulk length");
  CHECK(ErrorOf("*x\r\n") == "Protocol error: invalid multibulk length");
  CHECK(ErrorOf("*\r\n") == "Protocol error: invalid multibulk length");
  CHECK(ErrorOf("*1\r\nfoo\r\n") == "Protocol error: expected '$', got 'f'");
  CHECK(ErrorOf("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n") ==
        "Protocol error: expected '$', got 'f'");
  CHECK(ErrorOf("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n") == "Protocol error: invalid bulk length");
  CHECK(ErrorOf("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n") ==
        "Protocol error: invalid bulk length");
  CHECK(ErrorOf("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n") ==
        "Protocol error: invalid bulk length");
  CHECK(ErrorOf("*1\r\n$18446744073709551616\r\n") == "Protocol error: invalid bulk length");
  CHECK(ErrorOf("*1\r\n$-1\r\n") == "Protocol error: invalid bulk length");
}

TEST_CASE("lengths are strict decimals: no plus sign, spaces, leading zeros or minus zero") {
  for (const char* length : {"+3", " 3", "3 ", "03", "-0", "3x", "-"}) {
    INFO(length);
    CHECK(ErrorOf("*1\r\n$" + std::string(length) + "\r\nabc\r\n") ==
          "Protocol error: invalid bulk length");
    CHECK(ErrorOf("*" + std::string(length) + "\r\n") ==
          "Protocol error: invalid multibulk length");
  }
  CHECK(ParseAll("*1\r\n$0\r\n\r\n").commands == std::vector<Command>{{""}});
}

TEST_CASE("header lines and inline requests longer than 64 KiB are refused") {
  std::string long_count = "*" + std::string(65535, '1');  // 65536 bytes without '\r'
  CHECK(ErrorOf(long_count).empty());
  CHECK(ErrorOf(long_count + "1") == "Protocol error: too big mbulk count string");
  std::string long_bulk = "*1\r\n$" + std::string(65535, '1');
  CHECK(ErrorOf(long_bulk).empty());
  CHECK(ErrorOf(long_bulk + "1") == "Protocol error: too big bulk count string");
  CHECK(ErrorOf(std::string(65536, 'x')).empty());
  CHECK(ErrorOf(std::string(65537, 'x')) == "Protocol error: too big inline request");
  // The limit holds whether or not the line end already arrived (Redis's depends on reads).
  CHECK(ErrorOf(std::string(65537, 'x') + "\r\n") == "Protocol error: too big inline request");
  CHECK(ParseAll(std::string(65535, 'x') + "\n").commands.size() == 1);
}

TEST_CASE("the bulk, argument count and inline limits are configurable and inclusive") {
  ParserOptions options;
  options.max_bulk_len = 5;
  options.max_multibulk_len = 3;
  options.max_inline_len = 10;
  CHECK(ParseAll(Multibulk({"12345", "a", "b"}), options).commands.size() == 1);
  CHECK(ErrorOf(Multibulk({"123456"}), options) == "Protocol error: invalid bulk length");
  CHECK(ErrorOf(Multibulk({"a", "b", "c", "d"}), options) ==
        "Protocol error: invalid multibulk length");
  CHECK(ParseAll("0123456789\n", options).commands.size() == 1);
  CHECK(ErrorOf("0123456789a\n", options) == "Protocol error: too big inline request");
}

TEST_CASE("the default limits are Redis's: 512 MiB bulks and 1024*1024 arguments") {
  CHECK(ErrorOf("*1\r\n$536870913\r\n") == "Protocol error: invalid bulk length");
  CHECK(ErrorOf("*1\r\n$536870912\r\n").empty());
  CHECK(ErrorOf("*1048577\r\n") == "Protocol error: invalid multibulk length");
  CHECK(ErrorOf("*1048576\r\n").empty());
}

TEST_CASE("after a protocol error the parser stays failed and ignores further input") {
  RequestParser parser;
  parser.Feed("PING\r\n*1\r\nx\r\nPING\r\n");
  REQUIRE(parser.Next() == Result::kCommand);
  CHECK(parser.Next() == Result::kError);
  CHECK(parser.failed());
  CHECK(parser.error() == "Protocol error: expected '$', got 'x'");
  CHECK(parser.args().empty());
  parser.Feed("PING\r\n");
  CHECK(parser.Next() == Result::kError);
  CHECK(parser.error() == "Protocol error: expected '$', got 'x'");
}

#if defined(WARP_COUNTS_ALLOCATIONS)
TEST_CASE("steady-state parsing of pipelined commands makes no heap allocation") {
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += Multibulk({"SET", "key:" + std::to_string(i), "value"});
  batch += "GET \"quoted key\"\r\n";
  RequestParser parser;
  size_t commands = 0;
  auto run = [&] {
    // Split mid-command so a partial command is carried over between feeds.
    for (size_t at = 0; at < batch.size(); at += 777) {
      parser.Feed(std::string_view(batch).substr(at, 777));
      while (parser.Next() == Result::kCommand) ++commands;
    }
  };
  run();  // warms the buffers up to their steady-state capacity
  run();
  size_t before = g_allocations.load();
  {
    std::string probe(100, 'x');  // proves the counter sees allocations at all
    REQUIRE(g_allocations.load() == before + 1);
  }
  before = g_allocations.load();
  for (int round = 0; round < 10; ++round) run();
  size_t after = g_allocations.load();
  CHECK(after - before == 0);
  CHECK(commands == 12 * 101);
}
#endif

}  // namespace warp::resp
