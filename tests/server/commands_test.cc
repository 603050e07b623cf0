// The command families (server/commands/*.cc) driven in process against a real Universe: each
// test runs commands as a connection would and compares the exact RESP bytes Redis 7 sends.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/command_harness.h"

namespace warp::server {

using testing::Array;
using testing::Bulk;
using testing::CommandHarness;
using testing::Err;
using testing::Int;
using testing::kNil;
using testing::kOk;
using testing::Simple;

namespace {

const std::string kSyntax = Err("ERR syntax error");
const std::string kNotInteger = Err("ERR value is not an integer or out of range");
const std::string kEmpty = Bulk("");

std::string Ms(int64_t ms) { return std::to_string(ms); }
std::string Seconds(int64_t ms) { return std::to_string(ms / 1000); }

// The integer of a ":n\r\n" reply.
int64_t IntOf(const std::string& reply) {
  REQUIRE(reply.size() > 3);
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

// A SCAN reply: the next cursor and the keys.
struct ScanReply {
  std::string cursor;
  std::vector<std::string> keys;
};

// Parses "*2 $n cursor *k ($len key)*" (RESP2); REQUIREs that shape.
ScanReply ParseScanReply(const std::string& reply) {
  size_t at = 0;
  auto line = [&](char type) {
    REQUIRE(at < reply.size());
    REQUIRE(reply[at] == type);
    size_t end = reply.find("\r\n", at);
    REQUIRE(end != std::string::npos);
    std::string text = reply.substr(at + 1, end - at - 1);
    at = end + 2;
    return text;
  };
  auto bulk = [&]() {
    size_t length = std::stoul(line('$'));
    std::string bytes = reply.substr(at, length);
    at += length + 2;
    return bytes;
  };
  REQUIRE(line('*') == "2");
  ScanReply parsed;
  parsed.cursor = bulk();
  size_t count = std::stoul(line('*'));
  for (size_t i = 0; i < count; ++i) parsed.keys.push_back(bulk());
  REQUIRE(at == reply.size());
  return parsed;
}

// Every key a full SCAN iteration with the given options returns (with repeats, if any).
std::multiset<std::string> ScanAll(CommandHarness& h, std::vector<std::string> options) {
  std::multiset<std::string> keys;
  std::string cursor = "0";
  do {
    std::vector<std::string> args = {"SCAN", cursor};
    args.insert(args.end(), options.begin(), options.end());
    ScanReply step = ParseScanReply(h.Run(args));
    keys.insert(step.keys.begin(), step.keys.end());
    cursor = step.cursor;
  } while (cursor != "0");
  return keys;
}

}  // namespace

// --- GET and SET -------------------------------------------------------------------------------

TEST_CASE("GET returns what SET stored and nil for a missing key") {
  CommandHarness h;
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
  CHECK(h.Run({"SET", "k", ""}) == kOk);
  CHECK(h.Run({"GET", "k"}) == kEmpty);
  std::string binary("a\r\n\0b", 5);
  CHECK(h.Run({"SET", binary, binary}) == kOk);
  CHECK(h.Run({"GET", binary}) == Bulk(binary));
}

TEST_CASE("SET NX writes only a missing key and SET XX only an existing one") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "1", "XX"}) == kNil);
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "1", "nx"}) == kOk);
  CHECK(h.Run({"SET", "k", "2", "NX"}) == kNil);
  CHECK(h.Run({"GET", "k"}) == Bulk("1"));
  CHECK(h.Run({"SET", "k", "3", "XX"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("3"));
}

TEST_CASE("SET GET replies with the old value, or nil, and still writes") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "1", "GET"}) == kNil);
  CHECK(h.Run({"SET", "k", "2", "GET"}) == Bulk("1"));
  CHECK(h.Run({"GET", "k"}) == Bulk("2"));
  // With NX on an existing key, the old value is returned and nothing is written.
  CHECK(h.Run({"SET", "k", "3", "NX", "GET"}) == Bulk("2"));
  CHECK(h.Run({"GET", "k"}) == Bulk("2"));
  CHECK(h.Run({"SET", "missing", "x", "XX", "GET"}) == kNil);
  CHECK(h.Run({"GET", "missing"}) == kNil);
}

TEST_CASE("SET EX, PX, EXAT and PXAT give the key an expiry and a plain SET removes it") {
  CommandHarness h;
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"SET", "k", "v", "PXAT", Ms(future)}) == kOk);
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future));
  CHECK(h.Run({"SET", "k", "v", "EXAT", Seconds(future)}) == kOk);
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future / 1000 * 1000));
  CHECK(h.Run({"SET", "k", "v", "EX", "100"}) == kOk);
  int64_t ttl = IntOf(h.Run({"PTTL", "k"}));
  CHECK(ttl > 0);
  CHECK(ttl <= 100000);
  CHECK(h.Run({"SET", "k", "v", "px", "100000"}) == kOk);
  CHECK(IntOf(h.Run({"PTTL", "k"})) > 0);
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
}

TEST_CASE("SET KEEPTTL keeps the key's expiry and other SETs replace it") {
  CommandHarness h;
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"SET", "k", "1", "PXAT", Ms(future)}) == kOk);
  CHECK(h.Run({"SET", "k", "2", "KEEPTTL"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("2"));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future));
  CHECK(h.Run({"SET", "k", "3", "XX"}) == kOk);
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(-1));
  CHECK(h.Run({"SET", "new", "1", "KEEPTTL"}) == kOk);
  CHECK(h.Run({"TTL", "new"}) == Int(-1));
}

TEST_CASE("SET with an expiry already past stores nothing") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "old"}) == kOk);
  CHECK(h.Run({"SET", "k", "v", "PXAT", Ms(NowUnixMs() - 1000)}) == kOk);
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "v", "EXAT", "1"}) == kOk);
  CHECK(h.Run({"EXISTS", "k"}) == Int(0));
}

TEST_CASE(
    "SET rejects unknown words, conflicting options and a missing expiry with a syntax error") {
  CommandHarness h;
  for (auto args : std::vector<std::vector<std::string>>{
           {"SET", "k", "v", "NX", "XX"},
           {"SET", "k", "v", "XX", "NX"},
           {"SET", "k", "v", "EX", "10", "PX", "100"},
           {"SET", "k", "v", "PX", "100", "EXAT", "10"},
           {"SET", "k", "v", "EX", "10", "KEEPTTL"},
           {"SET", "k", "v", "KEEPTTL", "PXAT", "10"},
           {"SET", "k", "v", "EX"},
           {"SET", "k", "v", "PERSIST"},
           {"SET", "k", "v", "BOGUS"},
           {"SET", "k", "v", "NXX"},
       }) {
    CAPTURE(args);
    CHECK(h.Run(args) == kSyntax);
  }
  CHECK(h.Run({"GET", "k"}) == kNil);
  // The same expiry twice is allowed (the last one counts), as in Redis.
  CHECK(h.Run({"SET", "k", "v", "EX", "10", "EX", "20"}) == kOk);
}

TEST_CASE("SET rejects a non-integer, non-positive or overflowing expiry") {
  CommandHarness h;
  const std::string invalid = Err("ERR invalid expire time in 'set' command");
  CHECK(h.Run({"SET", "k", "v", "EX", "ten"}) == kNotInteger);
  CHECK(h.Run({"SET", "k", "v", "EX", " 10"}) == kNotInteger);
  CHECK(h.Run({"SET", "k", "v", "EX", "0"}) == invalid);
  CHECK(h.Run({"SET", "k", "v", "PX", "-5"}) == invalid);
  CHECK(h.Run({"SET", "k", "v", "EXAT", "9223372036854776"}) == invalid);
  CHECK(h.Run({"SET", "k", "v", "PX", "9223372036854775807"}) == invalid);
  CHECK(h.Run({"Set", "k", "v", "EX", "0"}) == invalid);  // the command's own name, lower case
  CHECK(h.Run({"GET", "k"}) == kNil);
}

TEST_CASE("SETNX replies 1 when it creates the key and 0 when the key exists") {
  CommandHarness h;
  CHECK(h.Run({"SETNX", "k", "1"}) == Int(1));
  CHECK(h.Run({"SETNX", "k", "2"}) == Int(0));
  CHECK(h.Run({"GET", "k"}) == Bulk("1"));
}

TEST_CASE("SETEX and PSETEX set a value with an expiry and validate it") {
  CommandHarness h;
  CHECK(h.Run({"SETEX", "k", "100", "v"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  CHECK(IntOf(h.Run({"TTL", "k"})) > 0);
  CHECK(h.Run({"PSETEX", "p", "100000", "v"}) == kOk);
  CHECK(IntOf(h.Run({"PTTL", "p"})) > 0);
  CHECK(h.Run({"SETEX", "k", "0", "v"}) == Err("ERR invalid expire time in 'setex' command"));
  CHECK(h.Run({"PSETEX", "k", "-1", "v"}) == Err("ERR invalid expire time in 'psetex' command"));
  CHECK(h.Run({"SETEX", "k", "x", "v"}) == kNotInteger);
}

TEST_CASE("GETSET returns the old value, writes the new one and clears the expiry") {
  CommandHarness h;
  CHECK(h.Run({"GETSET", "k", "1"}) == kNil);
  CHECK(h.Run({"EXPIRE", "k", "100"}) == Int(1));
  CHECK(h.Run({"GETSET", "k", "2"}) == Bulk("1"));
  CHECK(h.Run({"GET", "k"}) == Bulk("2"));
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
}

TEST_CASE("GETDEL returns the value and deletes the key") {
  CommandHarness h;
  CHECK(h.Run({"GETDEL", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"GETDEL", "k"}) == Bulk("v"));
  CHECK(h.Run({"EXISTS", "k"}) == Int(0));
}

TEST_CASE("GETEX returns the value and sets, replaces or removes its expiry") {
  CommandHarness h;
  CHECK(h.Run({"GETEX", "k", "EX", "10"}) == kNil);
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"GETEX", "k"}) == Bulk("v"));
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"GETEX", "k", "PXAT", Ms(future)}) == Bulk("v"));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future));
  CHECK(h.Run({"GETEX", "k", "EX", "1000"}) == Bulk("v"));
  CHECK(IntOf(h.Run({"PTTL", "k"})) > 100000);
  CHECK(h.Run({"GETEX", "k", "PERSIST"}) == Bulk("v"));
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
  // An absolute time already past deletes the key after returning it.
  CHECK(h.Run({"GETEX", "k", "EXAT", "1"}) == Bulk("v"));
  CHECK(h.Run({"EXISTS", "k"}) == Int(0));
}

TEST_CASE("GETEX checks its options, and its expiry only when the key exists") {
  CommandHarness h;
  CHECK(h.Run({"GETEX", "k", "EX", "10", "PERSIST"}) == kSyntax);
  CHECK(h.Run({"GETEX", "k", "KEEPTTL"}) == kSyntax);
  CHECK(h.Run({"GETEX", "k", "NX"}) == kSyntax);
  CHECK(h.Run({"GETEX", "k", "PX"}) == kSyntax);
  CHECK(h.Run({"GETEX", "k", "EX", "-1"}) == kNil);  // Redis looks the key up first
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"GETEX", "k", "EX", "-1"}) == Err("ERR invalid expire time in 'getex' command"));
  CHECK(h.Run({"GETEX", "k", "PX", "abc"}) == kNotInteger);
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
}

// --- Many keys ---------------------------------------------------------------------------------

TEST_CASE("MSET writes every pair and MGET reads them with nil for missing keys") {
  CommandHarness h;
  CHECK(h.Run({"MSET", "a", "1", "b", "2", "a", "3"}) == kOk);
  CHECK(h.Run({"MGET", "a", "missing", "b"}) == Array({Bulk("3"), kNil, Bulk("2")}));
  CHECK(h.Run({"MSET", "a", "1", "b"}) == Err("ERR wrong number of arguments for 'mset' command"));
}

TEST_CASE("MSETNX writes all keys only if none exists") {
  CommandHarness h;
  CHECK(h.Run({"MSETNX", "a", "1", "b", "2"}) == Int(1));
  CHECK(h.Run({"MSETNX", "c", "3", "b", "9"}) == Int(0));
  CHECK(h.Run({"MGET", "a", "b", "c"}) == Array({Bulk("1"), Bulk("2"), kNil}));
  // A key named twice takes its last value.
  CHECK(h.Run({"MSETNX", "d", "1", "d", "2"}) == Int(1));
  CHECK(h.Run({"GET", "d"}) == Bulk("2"));
  CHECK(h.Run({"MSETNX", "x", "1", "y"}) ==
        Err("ERR wrong number of arguments for 'msetnx' command"));
}

// --- Parts of a value --------------------------------------------------------------------------

TEST_CASE("APPEND creates or extends the value, keeps the expiry and replies with the length") {
  CommandHarness h;
  CHECK(h.Run({"APPEND", "k", "Hello"}) == Int(5));
  CHECK(h.Run({"APPEND", "k", " World"}) == Int(11));
  CHECK(h.Run({"GET", "k"}) == Bulk("Hello World"));
  CHECK(h.Run({"APPEND", "empty", ""}) == Int(0));
  CHECK(h.Run({"EXISTS", "empty"}) == Int(1));
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"PEXPIREAT", "k", Ms(future)}) == Int(1));
  CHECK(h.Run({"APPEND", "k", "!"}) == Int(12));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future));
}

TEST_CASE("STRLEN is the value's length, 0 for a missing key") {
  CommandHarness h;
  CHECK(h.Run({"STRLEN", "k"}) == Int(0));
  CHECK(h.Run({"SET", "k", "Hello world"}) == kOk);
  CHECK(h.Run({"STRLEN", "k"}) == Int(11));
}

TEST_CASE("GETRANGE and SUBSTR take inclusive ranges with negative indexes from the end") {
  CommandHarness h;
  CHECK(h.Run({"GETRANGE", "missing", "0", "-1"}) == kEmpty);
  CHECK(h.Run({"SET", "k", "This is a string"}) == kOk);
  CHECK(h.Run({"GETRANGE", "k", "0", "3"}) == Bulk("This"));
  CHECK(h.Run({"GETRANGE", "k", "-3", "-1"}) == Bulk("ing"));
  CHECK(h.Run({"GETRANGE", "k", "0", "-1"}) == Bulk("This is a string"));
  CHECK(h.Run({"GETRANGE", "k", "10", "100"}) == Bulk("string"));
  CHECK(h.Run({"GETRANGE", "k", "5", "3"}) == kEmpty);
  CHECK(h.Run({"GETRANGE", "k", "-1", "-5"}) == kEmpty);
  CHECK(h.Run({"GETRANGE", "k", "-100", "2"}) == Bulk("Thi"));
  CHECK(h.Run({"SUBSTR", "k", "0", "3"}) == Bulk("This"));
  CHECK(h.Run({"GETRANGE", "k", "a", "3"}) == kNotInteger);
  CHECK(h.Run({"SET", "e", ""}) == kOk);
  CHECK(h.Run({"GETRANGE", "e", "0", "-1"}) == kEmpty);
}

TEST_CASE("SETRANGE overwrites at an offset, pads with zero bytes and keeps the expiry") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "Hello World"}) == kOk);
  CHECK(h.Run({"SETRANGE", "k", "6", "Redis"}) == Int(11));
  CHECK(h.Run({"GET", "k"}) == Bulk("Hello Redis"));
  CHECK(h.Run({"SETRANGE", "pad", "3", "x"}) == Int(4));
  CHECK(h.Run({"GET", "pad"}) == Bulk(std::string("\0\0\0x", 4)));
  CHECK(h.Run({"SETRANGE", "k", "1", ""}) == Int(11));
  CHECK(h.Run({"SETRANGE", "missing", "5", ""}) == Int(0));
  CHECK(h.Run({"EXISTS", "missing"}) == Int(0));
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"PEXPIREAT", "k", Ms(future)}) == Int(1));
  CHECK(h.Run({"SETRANGE", "k", "0", "J"}) == Int(11));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future));
}

TEST_CASE("SETRANGE refuses a negative offset and a result over proto-max-bulk-len") {
  CommandHarness h;
  const std::string too_long = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  CHECK(h.Run({"SETRANGE", "k", "-1", "x"}) == Err("ERR offset is out of range"));
  CHECK(h.Run({"SETRANGE", "k", "x", "x"}) == kNotInteger);
  CHECK(h.Run({"SETRANGE", "k", "536870912", "x"}) == too_long);  // 512 MB by default
  h.server().config.proto_max_bulk_len = 10;
  CHECK(h.Run({"SETRANGE", "k", "9", "x"}) == Int(10));
  CHECK(h.Run({"SETRANGE", "k", "10", "x"}) == too_long);
  CHECK(h.Run({"APPEND", "k", "x"}) == too_long);
  CHECK(h.Run({"STRLEN", "k"}) == Int(10));
}

// --- Counters ----------------------------------------------------------------------------------

TEST_CASE("INCR, DECR, INCRBY and DECRBY count from 0 and keep the expiry") {
  CommandHarness h;
  CHECK(h.Run({"INCR", "n"}) == Int(1));
  CHECK(h.Run({"INCRBY", "n", "41"}) == Int(42));
  CHECK(h.Run({"DECR", "n"}) == Int(41));
  CHECK(h.Run({"DECRBY", "n", "-9"}) == Int(50));
  CHECK(h.Run({"GET", "n"}) == Bulk("50"));
  CHECK(h.Run({"DECRBY", "m", "5"}) == Int(-5));
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"PEXPIREAT", "n", Ms(future)}) == Int(1));
  CHECK(h.Run({"INCR", "n"}) == Int(51));
  CHECK(h.Run({"PEXPIRETIME", "n"}) == Int(future));
}

TEST_CASE("INCR refuses a value that is not an integer and an overflow") {
  CommandHarness h;
  for (std::string bad : {"abc", "", " 1", "1 ", "+1", "01", "1.5", "9223372036854775808"}) {
    CAPTURE(bad);
    CHECK(h.Run({"SET", "n", bad}) == kOk);
    CHECK(h.Run({"INCR", "n"}) == kNotInteger);
  }
  CHECK(h.Run({"SET", "n", "9223372036854775807"}) == kOk);
  CHECK(h.Run({"INCR", "n"}) == Err("ERR increment or decrement would overflow"));
  CHECK(h.Run({"SET", "n", "-9223372036854775808"}) == kOk);
  CHECK(h.Run({"DECR", "n"}) == Err("ERR increment or decrement would overflow"));
  CHECK(h.Run({"GET", "n"}) == Bulk("-9223372036854775808"));
  CHECK(h.Run({"INCRBY", "n", "x"}) == kNotInteger);
  CHECK(h.Run({"DECRBY", "n", "-9223372036854775808"}) == Err("ERR decrement would overflow"));
}

TEST_CASE("INCRBYFLOAT adds as a long double and prints without exponent or trailing zeros") {
  CommandHarness h;
  CHECK(h.Run({"SET", "f", "10.50"}) == kOk);
  CHECK(h.Run({"INCRBYFLOAT", "f", "0.1"}) == Bulk("10.6"));
  CHECK(h.Run({"INCRBYFLOAT", "f", "-5"}) == Bulk("5.6"));
  CHECK(h.Run({"SET", "f", "5.0e3"}) == kOk);
  CHECK(h.Run({"INCRBYFLOAT", "f", "2.0e2"}) == Bulk("5200"));
  CHECK(h.Run({"INCRBYFLOAT", "new", "-0"}) == Bulk("0"));
  CHECK(h.Run({"INCRBYFLOAT", "new", "3"}) == Bulk("3"));
  CHECK(h.Run({"GET", "new"}) == Bulk("3"));
}

TEST_CASE("INCRBYFLOAT refuses invalid floats and results that are not finite") {
  CommandHarness h;
  const std::string not_float = Err("ERR value is not a valid float");
  CHECK(h.Run({"INCRBYFLOAT", "f", "abc"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "f", " 1"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "f", "nan"}) == not_float);
  CHECK(h.Run({"SET", "f", "1x"}) == kOk);
  CHECK(h.Run({"INCRBYFLOAT", "f", "1"}) == not_float);
  CHECK(h.Run({"SET", "f", "1"}) == kOk);
  CHECK(h.Run({"INCRBYFLOAT", "f", "inf"}) == Err("ERR increment would produce NaN or Infinity"));
  CHECK(h.Run({"GET", "f"}) == Bulk("1"));
}

// --- Keyspace ----------------------------------------------------------------------------------

TEST_CASE("DEL and UNLINK delete keys and count those that existed") {
  CommandHarness h;
  CHECK(h.Run({"MSET", "a", "1", "b", "2"}) == kOk);
  CHECK(h.Run({"DEL", "a", "missing", "a"}) == Int(1));
  CHECK(h.Run({"UNLINK", "b", "c"}) == Int(1));
  CHECK(h.Run({"EXISTS", "a", "b"}) == Int(0));
}

TEST_CASE("EXISTS counts a key each time it is named, TYPE says string or none") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"EXISTS", "k", "k", "missing"}) == Int(2));
  CHECK(h.Run({"TYPE", "k"}) == Simple("string"));
  CHECK(h.Run({"TYPE", "missing"}) == Simple("none"));
}

TEST_CASE("RENAME moves the value and its expiry and RENAMENX refuses an existing target") {
  CommandHarness h;
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"SET", "a", "1", "PXAT", Ms(future)}) == kOk);
  CHECK(h.Run({"RENAME", "a", "b"}) == kOk);
  CHECK(h.Run({"EXISTS", "a"}) == Int(0));
  CHECK(h.Run({"GET", "b"}) == Bulk("1"));
  CHECK(h.Run({"PEXPIRETIME", "b"}) == Int(future));
  CHECK(h.Run({"SET", "c", "3"}) == kOk);
  CHECK(h.Run({"RENAME", "c", "b"}) == kOk);  // overwrites, and the target loses its expiry
  CHECK(h.Run({"TTL", "b"}) == Int(-1));
  CHECK(h.Run({"SET", "d", "4"}) == kOk);
  CHECK(h.Run({"RENAMENX", "d", "b"}) == Int(0));
  CHECK(h.Run({"RENAMENX", "d", "e"}) == Int(1));
  CHECK(h.Run({"MGET", "b", "d", "e"}) == Array({Bulk("3"), kNil, Bulk("4")}));
}

TEST_CASE("RENAME of a missing key is an error and of a key onto itself a no-op") {
  CommandHarness h;
  CHECK(h.Run({"RENAME", "missing", "x"}) == Err("ERR no such key"));
  CHECK(h.Run({"RENAMENX", "missing", "x"}) == Err("ERR no such key"));
  CHECK(h.Run({"RENAME", "missing", "missing"}) == Err("ERR no such key"));
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"RENAME", "k", "k"}) == kOk);
  CHECK(h.Run({"RENAMENX", "k", "k"}) == Int(0));
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
}

TEST_CASE("KEYS lists the keys matching a glob") {
  CommandHarness h;
  CHECK(h.Run({"KEYS", "*"}) == Array({}));
  CHECK(h.Run({"MSET", "firstname", "Jack", "lastname", "Stuntman", "age", "35"}) == kOk);
  std::string reply = h.Run({"KEYS", "*name*"});
  CHECK((reply == Array({Bulk("firstname"), Bulk("lastname")}) ||
         reply == Array({Bulk("lastname"), Bulk("firstname")})));
  CHECK(h.Run({"KEYS", "a??"}) == Array({Bulk("age")}));
  CHECK(h.Run({"KEYS", "*"}).rfind("*3\r\n", 0) == 0);
  // An empty pattern matches only the empty key, in KEYS and in SCAN MATCH.
  CHECK(h.Run({"KEYS", ""}) == Array({}));
  CHECK(h.Run({"SCAN", "0", "MATCH", "", "COUNT", "1000"}) == Array({Bulk("0"), Array({})}));
  CHECK(h.Run({"SET", "", "empty"}) == kOk);
  CHECK(h.Run({"KEYS", ""}) == Array({Bulk("")}));
  CHECK(h.Run({"SCAN", "0", "MATCH", "", "COUNT", "1000"}) ==
        Array({Bulk("0"), Array({Bulk("")})}));
}

TEST_CASE("a full SCAN returns every key once, and MATCH and TYPE filter them") {
  CommandHarness h;
  std::multiset<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    std::string key = (i % 2 ? "odd:" : "even:") + std::to_string(i);
    CHECK(h.Run({"SET", key, "v"}) == kOk);
    if (i % 2) expected.insert(key);
  }
  CHECK(ScanAll(h, {}).size() == 200);
  CHECK(ScanAll(h, {"MATCH", "odd:*"}) == expected);
  CHECK(ScanAll(h, {"MATCH", "odd:*", "COUNT", "1000", "TYPE", "string"}) == expected);
  CHECK(h.Run({"SCAN", "0", "COUNT", "1000", "TYPE", "hash"}) == Array({Bulk("0"), Array({})}));
}

TEST_CASE("SCAN refuses a bad cursor, a COUNT below 1 and unknown options") {
  CommandHarness h;
  const std::string invalid = Err("ERR invalid cursor");
  CHECK(h.Run({"SCAN", "abc"}) == invalid);
  CHECK(h.Run({"SCAN", " 0"}) == invalid);
  CHECK(h.Run({"SCAN", "18446744073709551616"}) == invalid);
  CHECK(h.Run({"SCAN", "0", "COUNT", "0"}) == kSyntax);
  CHECK(h.Run({"SCAN", "0", "COUNT", "x"}) == kNotInteger);
  CHECK(h.Run({"SCAN", "0", "MATCH"}) == kSyntax);
  CHECK(h.Run({"SCAN", "0", "BOGUS", "1"}) == kSyntax);
  CHECK(h.Run({"SCAN", "0"}) == Array({Bulk("0"), Array({})}));
  // Any unsigned 64-bit value is a cursor.
  CHECK(h.Run({"SCAN", "18446744073709551615"}).rfind("*2\r\n", 0) == 0);
}

TEST_CASE("RANDOMKEY is nil in an empty database and otherwise one of its keys") {
  CommandHarness h;
  CHECK(h.Run({"RANDOMKEY"}) == kNil);
  CHECK(h.Run({"MSET", "a", "1", "b", "2", "c", "3"}) == kOk);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(h.Run({"RANDOMKEY"}));
  CHECK(seen.size() > 1);
  for (const std::string& reply : seen) {
    CHECK((reply == Bulk("a") || reply == Bulk("b") || reply == Bulk("c")));
  }
}

TEST_CASE("TOUCH counts the keys that exist") {
  CommandHarness h;
  CHECK(h.Run({"MSET", "a", "1", "b", "2"}) == kOk);
  CHECK(h.Run({"TOUCH", "a", "b", "c"}) == Int(2));
}

TEST_CASE("COPY duplicates a key with its expiry, within or across databases") {
  CommandHarness h;
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"SET", "src", "v", "PXAT", Ms(future)}) == kOk);
  CHECK(h.Run({"COPY", "src", "dst"}) == Int(1));
  CHECK(h.Run({"MGET", "src", "dst"}) == Array({Bulk("v"), Bulk("v")}));
  CHECK(h.Run({"PEXPIRETIME", "dst"}) == Int(future));
  CHECK(h.Run({"SET", "other", "x"}) == kOk);
  CHECK(h.Run({"COPY", "other", "dst"}) == Int(0));
  CHECK(h.Run({"COPY", "other", "dst", "REPLACE"}) == Int(1));
  CHECK(h.Run({"GET", "dst"}) == Bulk("x"));
  CHECK(h.Run({"COPY", "missing", "dst"}) == Int(0));
  CHECK(h.Run({"COPY", "src", "src", "DB", "5"}) == Int(1));
  h.client().db = 5;
  CHECK(h.Run({"GET", "src"}) == Bulk("v"));
}

TEST_CASE("COPY refuses a bad database, the same key in the same database and unknown words") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"COPY", "k", "k"}) == Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"COPY", "k", "k", "DB", "0"}) ==
        Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"COPY", "k", "x", "DB", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"COPY", "k", "x", "DB", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"COPY", "k", "x", "DB", "one"}) == kNotInteger);
  CHECK(h.Run({"COPY", "k", "x", "DB"}) == kSyntax);
  CHECK(h.Run({"COPY", "k", "x", "NOW"}) == kSyntax);
}

TEST_CASE("MOVE takes a key to another database unless it exists there") {
  CommandHarness h;
  int64_t future = NowUnixMs() + 100000;
  CHECK(h.Run({"SET", "k", "v", "PXAT", Ms(future)}) == kOk);
  CHECK(h.Run({"MOVE", "k", "3"}) == Int(1));
  CHECK(h.Run({"EXISTS", "k"}) == Int(0));
  CHECK(h.Run({"MOVE", "k", "3"}) == Int(0));
  CHECK(h.Run({"SET", "k", "here"}) == kOk);
  h.client().db = 3;
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(future));
  CHECK(h.Run({"MOVE", "k", "0"}) == Int(0));  // database 0 has its own "k"
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
}

TEST_CASE("MOVE refuses a bad database and the current one") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"MOVE", "k", "0"}) == Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"MOVE", "k", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"MOVE", "k", "x"}) == kNotInteger);
  CHECK(h.Run({"MOVE", "k", "4294967296"}) == kNotInteger);  // not an int, as Redis says
}

TEST_CASE("databases are separate keyspaces for every command") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "zero"}) == kOk);
  h.client().db = 1;
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "one"}) == kOk);
  CHECK(h.Run({"SET", "only1", "x"}) == kOk);
  CHECK(h.Run({"KEYS", "*"}).rfind("*2\r\n", 0) == 0);
  CHECK(h.Run({"KEYS", "only*"}) == Array({Bulk("only1")}));
  CHECK(h.Run({"DEL", "k"}) == Int(1));
  h.client().db = 0;
  CHECK(h.Run({"GET", "k"}) == Bulk("zero"));
  CHECK(h.Run({"KEYS", "*"}) == Array({Bulk("k")}));
  CHECK(h.Run({"EXISTS", "only1"}) == Int(0));
  h.client().db = 15;
  CHECK(h.Run({"RANDOMKEY"}) == kNil);
}

TEST_CASE("database 0 keys starting with a zero byte are kept apart from other databases") {
  CommandHarness h;
  std::string zero_key("\0\1k", 3);  // looks like database 1's prefix
  CHECK(h.Run({"SET", zero_key, "v"}) == kOk);
  CHECK(h.Run({"GET", zero_key}) == Bulk("v"));
  CHECK(h.Run({"KEYS", "*"}) == Array({Bulk(zero_key)}));
  h.client().db = 1;
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"KEYS", "*"}) == Array({}));
}

// --- Expiry ------------------------------------------------------------------------------------

TEST_CASE("EXPIRE and PEXPIRE set a time to live that TTL and PTTL report") {
  CommandHarness h;
  CHECK(h.Run({"EXPIRE", "missing", "100"}) == Int(0));
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
  CHECK(h.Run({"PTTL", "k"}) == Int(-1));
  CHECK(h.Run({"EXPIRE", "k", "100"}) == Int(1));
  int64_t ttl = IntOf(h.Run({"TTL", "k"}));
  CHECK(ttl > 0);
  CHECK(ttl <= 100);
  CHECK(h.Run({"PEXPIRE", "k", "100000"}) == Int(1));
  CHECK(IntOf(h.Run({"PTTL", "k"})) > 0);
  CHECK(h.Run({"TTL", "missing"}) == Int(-2));
  CHECK(h.Run({"PTTL", "missing"}) == Int(-2));
}

TEST_CASE("EXPIREAT and PEXPIREAT set an absolute time that EXPIRETIME and PEXPIRETIME report") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"EXPIRETIME", "k"}) == Int(-1));
  CHECK(h.Run({"EXPIRETIME", "missing"}) == Int(-2));
  CHECK(h.Run({"PEXPIRETIME", "missing"}) == Int(-2));
  CHECK(h.Run({"EXPIREAT", "k", "33177117420"}) == Int(1));
  CHECK(h.Run({"EXPIRETIME", "k"}) == Int(33177117420));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(33177117420000));
  CHECK(h.Run({"PEXPIREAT", "k", "33177117420999"}) == Int(1));
  CHECK(h.Run({"EXPIRETIME", "k"}) == Int(33177117421));  // rounded to the nearest second
}

TEST_CASE("an expiry in the past deletes the key and still replies 1") {
  CommandHarness h;
  CHECK(h.Run({"MSET", "a", "1", "b", "2", "c", "3"}) == kOk);
  CHECK(h.Run({"EXPIRE", "a", "-1"}) == Int(1));
  CHECK(h.Run({"PEXPIREAT", "b", Ms(NowUnixMs() - 1)}) == Int(1));
  CHECK(h.Run({"EXPIREAT", "c", "0"}) == Int(1));
  CHECK(h.Run({"EXISTS", "a", "b", "c"}) == Int(0));
}

TEST_CASE("a key is gone once its expiry passes") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v", "PX", "30"}) == kOk);
  CHECK(h.Run({"SET", "kept", "v", "PX", "100000"}) == kOk);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"TTL", "k"}) == Int(-2));
  CHECK(h.Run({"EXISTS", "k", "kept"}) == Int(1));
  CHECK(h.Run({"KEYS", "*"}) == Array({Bulk("kept")}));
  CHECK(h.Run({"INCR", "k"}) == Int(1));  // an expired key counts as missing everywhere
}

TEST_CASE("EXPIRE NX, XX, GT and LT follow Redis's rules, no expiry being an infinite TTL") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"EXPIRE", "k", "100", "XX"}) == Int(0));
  CHECK(h.Run({"EXPIRE", "k", "100", "GT"}) == Int(0));
  CHECK(h.Run({"EXPIREAT", "k", "33177117420", "LT"}) == Int(1));
  CHECK(h.Run({"EXPIREAT", "k", "33177117000", "NX"}) == Int(0));
  CHECK(h.Run({"EXPIREAT", "k", "33177117000", "GT"}) == Int(0));
  CHECK(h.Run({"EXPIREAT", "k", "33177117999", "gt"}) == Int(1));
  CHECK(h.Run({"EXPIREAT", "k", "33177117999", "LT"}) == Int(0));
  CHECK(h.Run({"EXPIREAT", "k", "33177117000", "xx", "LT"}) == Int(1));
  CHECK(h.Run({"EXPIRETIME", "k"}) == Int(33177117000));
  CHECK(h.Run({"PERSIST", "k"}) == Int(1));
  CHECK(h.Run({"EXPIREAT", "k", "33177117000", "NX"}) == Int(1));
}

TEST_CASE("EXPIRE refuses incompatible and unknown options and overflowing times") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  const std::string nx_error =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  CHECK(h.Run({"EXPIRE", "k", "10", "NX", "XX"}) == nx_error);
  CHECK(h.Run({"EXPIRE", "k", "10", "GT", "NX"}) == nx_error);
  CHECK(h.Run({"EXPIRE", "k", "10", "GT", "LT"}) ==
        Err("ERR GT and LT options at the same time are not compatible"));
  CHECK(h.Run({"EXPIRE", "k", "10", "SOON"}) == Err("ERR Unsupported option SOON"));
  CHECK(h.Run({"EXPIRE", "k", "ten"}) == kNotInteger);
  CHECK(h.Run({"EXPIRE", "k", "9223372036854775807"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  CHECK(h.Run({"PEXPIRE", "k", "9223372036854775807"}) ==
        Err("ERR invalid expire time in 'pexpire' command"));
  CHECK(h.Run({"EXPIREAT", "k", "-9223372036854775807"}) ==
        Err("ERR invalid expire time in 'expireat' command"));
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
  CHECK(h.Run({"PEXPIREAT", "k", "9223372036854775807"}) == Int(1));  // the far future
  CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(9223372036854775807));
}

TEST_CASE("PERSIST removes an expiry and replies 0 when there is none") {
  CommandHarness h;
  CHECK(h.Run({"PERSIST", "missing"}) == Int(0));
  CHECK(h.Run({"SET", "k", "v", "EX", "100"}) == kOk);
  CHECK(h.Run({"PERSIST", "k"}) == Int(1));
  CHECK(h.Run({"TTL", "k"}) == Int(-1));
  CHECK(h.Run({"PERSIST", "k"}) == Int(0));
}

// --- What the connection relies on -------------------------------------------------------------

TEST_CASE("reads count keyspace hits and misses, EXISTS and TYPE do not") {
  CommandHarness h;
  ServerCounters& counters = h.server().counters;
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  CHECK(h.Run({"GET", "missing"}) == kNil);
  CHECK(h.Run({"MGET", "k", "missing", "k"}) == Array({Bulk("v"), kNil, Bulk("v")}));
  CHECK(counters.keyspace_hits == 3);
  CHECK(counters.keyspace_misses == 2);
  CHECK(h.Run({"EXISTS", "k", "missing"}) == Int(1));
  CHECK(h.Run({"TYPE", "k"}) == Simple("string"));
  CHECK(counters.keyspace_hits == 3);
  CHECK(counters.keyspace_misses == 2);
  CHECK(h.Run({"GETDEL", "k"}) == Bulk("v"));
  CHECK(counters.keyspace_hits == 4);
}

TEST_CASE("writes record their shard's highest LSN for the connection and reads record none") {
  CommandHarness h;
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.pending_writes().empty());
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  REQUIRE(h.pending_writes().size() == 1);
  uint64_t first = h.pending_writes()[0].second;
  CHECK(first > 0);
  CHECK(h.Run({"INCRBYFLOAT", "n", "1"}) == Bulk("1"));
  CHECK(h.Run({"SET", "k", "w"}) == kOk);
  std::map<uint32_t, int> per_shard;
  for (auto& [shard, lsn] : h.pending_writes()) ++per_shard[shard];
  for (auto& [shard, entries] : per_shard) CHECK(entries == 1);
  bool advanced = false;
  for (auto& [shard, lsn] : h.pending_writes()) advanced |= lsn > first;
  CHECK(advanced);
  size_t before = h.pending_writes().size();
  CHECK(h.Run({"SET", "k", "x", "NX"}) == kNil);  // nothing written, nothing recorded
  CHECK(h.Run({"DEL", "missing"}) == Int(0));
  CHECK(h.pending_writes().size() == before);
}

}  // namespace warp::server
