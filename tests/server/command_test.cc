// server/command.cc: the command table, the key helpers' database mapping, Redis's error texts
// and argument parsing.
#include "server/command.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "tests/server/command_harness.h"

namespace warp::server {

using testing::CommandHarness;

TEST_CASE("the command table finds commands whatever their case and nothing else") {
  const CommandTable& table = Commands();
  const CommandSpec* get = table.Find("get");
  REQUIRE(get != nullptr);
  CHECK(get->name == "get");
  CHECK(table.Find("GET") == get);
  CHECK(table.Find("gEt") == get);
  CHECK(table.Find("incrbyfloat") == table.Find("INCRBYFLOAT"));
  CHECK(table.Find("nosuchcommand") == nullptr);
  CHECK(table.Find("") == nullptr);
  CHECK(table.Find(std::string(100, 'x')) == nullptr);
  CHECK(table.Find(std::string("get\0", 4)) == nullptr);
}

TEST_CASE("every string, keyspace and expiry command has Redis's arity, key positions and flags") {
  struct Expected {
    int arity;
    int first, last, step;
    bool write;
  };
  const std::map<std::string, Expected> redis = {
      {"get", {2, 1, 1, 1, false}},         {"set", {-3, 1, 1, 1, true}},
      {"setnx", {3, 1, 1, 1, true}},        {"setex", {4, 1, 1, 1, true}},
      {"psetex", {4, 1, 1, 1, true}},       {"getset", {3, 1, 1, 1, true}},
      {"getdel", {2, 1, 1, 1, true}},       {"getex", {-2, 1, 1, 1, true}},
      {"mget", {-2, 1, -1, 1, false}},      {"mset", {-3, 1, -1, 2, true}},
      {"msetnx", {-3, 1, -1, 2, true}},     {"append", {3, 1, 1, 1, true}},
      {"strlen", {2, 1, 1, 1, false}},      {"getrange", {4, 1, 1, 1, false}},
      {"substr", {4, 1, 1, 1, false}},      {"setrange", {4, 1, 1, 1, true}},
      {"incr", {2, 1, 1, 1, true}},         {"decr", {2, 1, 1, 1, true}},
      {"incrby", {3, 1, 1, 1, true}},       {"decrby", {3, 1, 1, 1, true}},
      {"incrbyfloat", {3, 1, 1, 1, true}},  {"del", {-2, 1, -1, 1, true}},
      {"unlink", {-2, 1, -1, 1, true}},     {"exists", {-2, 1, -1, 1, false}},
      {"type", {2, 1, 1, 1, false}},        {"rename", {3, 1, 2, 1, true}},
      {"renamenx", {3, 1, 2, 1, true}},     {"keys", {2, 0, 0, 0, false}},
      {"scan", {-2, 0, 0, 0, false}},       {"randomkey", {1, 0, 0, 0, false}},
      {"touch", {-2, 1, -1, 1, false}},     {"copy", {-3, 1, 2, 1, true}},
      {"move", {3, 1, 1, 1, true}},         {"expire", {-3, 1, 1, 1, true}},
      {"pexpire", {-3, 1, 1, 1, true}},     {"expireat", {-3, 1, 1, 1, true}},
      {"pexpireat", {-3, 1, 1, 1, true}},   {"ttl", {2, 1, 1, 1, false}},
      {"pttl", {2, 1, 1, 1, false}},        {"expiretime", {2, 1, 1, 1, false}},
      {"pexpiretime", {2, 1, 1, 1, false}}, {"persist", {2, 1, 1, 1, true}},
  };
  for (const auto& [name, expected] : redis) {
    CAPTURE(name);
    const CommandSpec* spec = Commands().Find(name);
    REQUIRE(spec != nullptr);
    CHECK(spec->arity == expected.arity);
    CHECK(spec->first_key == expected.first);
    CHECK(spec->last_key == expected.last);
    CHECK(spec->key_step == expected.step);
    CHECK(((spec->flags & kWrite) != 0) == expected.write);
    CHECK(((spec->flags & kReadOnly) != 0) == !expected.write);
    CHECK(spec->handler != nullptr);
    CHECK_FALSE(spec->summary.empty());
  }
}

TEST_CASE("database 0 keys are stored as themselves and every other key behind a 2-byte prefix") {
  std::string buffer;
  CHECK(EncodeKey(0, "user:1", &buffer) == "user:1");
  CHECK(EncodeKey(0, "", &buffer) == "");
  CHECK(EncodeKey(3, "user:1", &buffer) == std::string("\0\3user:1", 8));
  CHECK(EncodeKey(0, std::string("\0x", 2), &buffer) == std::string("\0\0\0x", 4));
  CHECK(EncodeKey(15, "", &buffer) == std::string("\0\17", 2));
}

TEST_CASE("decoding a stored key gives the client's key only in its own database") {
  std::string_view key;
  CHECK(DecodeKey(0, "user:1", &key));
  CHECK(key == "user:1");
  CHECK_FALSE(DecodeKey(3, "user:1", &key));
  CHECK(DecodeKey(3, std::string_view("\0\3user:1", 8), &key));
  CHECK(key == "user:1");
  CHECK_FALSE(DecodeKey(0, std::string_view("\0\3user:1", 8), &key));
  CHECK_FALSE(DecodeKey(4, std::string_view("\0\3user:1", 8), &key));
  CHECK(DecodeKey(0, std::string_view("\0\0\0x", 4), &key));
  CHECK(key == std::string_view("\0x", 2));
  // Not produced by EncodeKey: no database's key.
  CHECK_FALSE(DecodeKey(0, std::string_view("\0\0x", 3), &key));
  CHECK_FALSE(DecodeKey(0, std::string_view("\0", 1), &key));
  std::string buffer;
  for (int db : {0, 1, 9, 15}) {
    for (std::string_view k : {std::string_view("a"), std::string_view("\0b", 2)}) {
      CHECK(DecodeKey(db, EncodeKey(db, k, &buffer), &key));
      CHECK(key == k);
    }
  }
}

TEST_CASE("error texts are Redis's word for word") {
  CHECK(ErrWrongArity("GET") == "ERR wrong number of arguments for 'get' command");
  CHECK(ErrInvalidExpire("SET") == "ERR invalid expire time in 'set' command");
  CHECK(ErrUnknownCommand({"foo", "a", "b"}) ==
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  CHECK(ErrUnknownCommand({"foo"}) == "ERR unknown command 'foo', with args beginning with: ");
}

TEST_CASE("an unknown command's error cuts the name at 128 bytes and the arguments near 128") {
  std::string name(200, 'n');
  std::string arg(100, 'a');
  std::string message = ErrUnknownCommand({name, arg, arg, arg});
  std::string listed = "'" + arg + "' '" + std::string(128 - 103, 'a') + "' ";
  CHECK(message ==
        "ERR unknown command '" + std::string(128, 'n') + "', with args beginning with: " + listed);
  // printf's %s stops at a NUL byte, and so does the text.
  CHECK(ErrUnknownCommand({std::string("x\0y", 3), std::string("a\0b", 3)}) ==
        "ERR unknown command 'x', with args beginning with: 'a' ");
}

TEST_CASE("integers parse as Redis's string2ll: strict decimal within int64") {
  int64_t v = -1;
  CHECK(ParseInt64("0", &v));
  CHECK(v == 0);
  CHECK(ParseInt64("-42", &v));
  CHECK(v == -42);
  CHECK(ParseInt64("9223372036854775807", &v));
  CHECK(v == INT64_MAX);
  CHECK(ParseInt64("-9223372036854775808", &v));
  CHECK(v == INT64_MIN);
  for (std::string_view bad :
       {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1e3", "0x10", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "123456789012345678901", "1.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseInt64(bad, &v));
  }
}

TEST_CASE("floats parse as Redis's string2ld: strtold, all consumed, no space, no NaN") {
  long double v = 0;
  CHECK(ParseDouble("1.5", &v));
  CHECK(v == 1.5L);
  CHECK(ParseDouble("-2e3", &v));
  CHECK(v == -2000.0L);
  CHECK(ParseDouble("+.5", &v));
  CHECK(v == 0.5L);
  CHECK(ParseDouble("inf", &v));
  CHECK(std::isinf(v));
  CHECK(ParseDouble("0x10", &v));
  CHECK(v == 16.0L);
  for (std::string_view bad :
       {std::string_view(""), std::string_view(" 1"), std::string_view("1 "),
        std::string_view("abc"), std::string_view("nan"), std::string_view("-nan"),
        std::string_view("1.5x"), std::string_view("1e999999"), std::string_view("1\0", 2)}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDouble(bad, &v));
  }
  CHECK_FALSE(ParseDouble(std::string(5 * 1024, '1'), &v));
}

TEST_CASE("case-insensitive comparison folds ASCII letters only") {
  CHECK(EqualsIgnoreCase("KeepTTL", "keepttl"));
  CHECK_FALSE(EqualsIgnoreCase("nx", "nxx"));
  CHECK_FALSE(EqualsIgnoreCase("[", "{"));
}

TEST_CASE("the key helpers write and read in the client's database") {
  CommandHarness h;
  CommandContext ctx = h.Context();
  REQUIRE(ctx.Put("k", "zero").ok());
  REQUIRE(ctx.PutIn(2, "k", "two").ok());
  std::string value;
  REQUIRE(ctx.GetIn(2, "k", &value).ok());
  CHECK(value == "two");
  CHECK(h.universe().Get(std::string("\0\2k", 3)).value == "two");
  CHECK(h.universe().Get("k").value == "zero");
  h.client().db = 2;
  REQUIRE(ctx.Get("k", &value).ok());
  CHECK(value == "two");
  CHECK(ctx.Delete("k").existed);
  CHECK(ctx.Peek("k", &value).IsNotFound());
  CHECK(ctx.GetIn(0, "k", &value).ok());
}

TEST_CASE("a helper write with an expiry reports it back on read") {
  CommandHarness h;
  CommandContext ctx = h.Context();
  int64_t future = NowUnixMs() + 60000;
  REQUIRE(ctx.PutIn(1, "k", "v", future).ok());
  std::string value;
  Cosmic cosmic;
  REQUIRE(ctx.GetIn(1, "k", &value, &cosmic).ok());
  CHECK(cosmic.expire_at_ms == future);
}

TEST_CASE("NoteWrite keeps one entry per shard with its highest LSN") {
  CommandHarness h;
  std::vector<std::pair<uint32_t, uint64_t>> pending;
  CommandContext ctx = h.Context();
  ctx.NoteWrite(Cosmic{});  // no pending list: ignored
  ctx.pending_writes = &pending;
  Cosmic a;
  a.shard = 1;
  a.version = 5;
  ctx.NoteWrite(a);
  a.version = 3;
  ctx.NoteWrite(a);
  Cosmic b;
  b.shard = 2;
  b.version = 7;
  ctx.NoteWrite(b);
  b.version = 0;  // no LSN consumed
  b.shard = 3;
  ctx.NoteWrite(b);
  CHECK(pending == std::vector<std::pair<uint32_t, uint64_t>>{{1, 5}, {2, 7}});
}

TEST_CASE("a SCAN of one database returns its keys decoded and no other database's") {
  CommandHarness h;
  CommandContext ctx = h.Context();
  std::set<std::string> zero, five;
  for (int i = 0; i < 50; ++i) {
    std::string key = "key:" + std::to_string(i);
    REQUIRE(ctx.PutIn(0, key, "v").ok());
    REQUIRE(ctx.PutIn(5, key + ":5", "v").ok());
    zero.insert(key);
    five.insert(key + ":5");
  }
  REQUIRE(ctx.PutIn(0, std::string("\0z", 2), "v").ok());
  zero.insert(std::string("\0z", 2));
  auto scan_all = [&](int db, std::string_view pattern) {
    std::set<std::string> keys;
    uint64_t cursor = 0;
    do {
      ScanResult step = ctx.ScanIn(db, pattern, cursor, 7);
      REQUIRE(step.ok());
      keys.insert(step.keys.begin(), step.keys.end());
      cursor = step.next_cursor;
    } while (cursor != 0);
    return keys;
  };
  CHECK(scan_all(0, "") == zero);
  CHECK(scan_all(0, "*") == zero);
  CHECK(scan_all(5, "") == five);
  CHECK(scan_all(5, "key:1*") ==
        std::set<std::string>{"key:1:5", "key:10:5", "key:11:5", "key:12:5", "key:13:5", "key:14:5",
                              "key:15:5", "key:16:5", "key:17:5", "key:18:5", "key:19:5"});
  CHECK(scan_all(0, "?z") == std::set<std::string>{std::string("\0z", 2)});
  CHECK(scan_all(0, "*:49") == std::set<std::string>{"key:49"});
  CHECK(scan_all(7, "").empty());
}

TEST_CASE("CountKeys counts each database's keys, with or without other databases in use") {
  CommandHarness h;
  CommandContext ctx = h.Context();
  for (int i = 0; i < 10; ++i) REQUIRE(ctx.PutIn(0, "a" + std::to_string(i), "v").ok());
  CHECK(ctx.CountKeys(0) == 10);
  CHECK(ctx.CountKeys(1) == 0);
  CHECK(ctx.CountKeys(0) == 10);
  for (int i = 0; i < 3; ++i) REQUIRE(ctx.PutIn(1, "b" + std::to_string(i), "v").ok());
  REQUIRE(ctx.PutIn(0, std::string("\0c", 2), "v").ok());
  CHECK(ctx.CountKeys(0) == 11);
  CHECK(ctx.CountKeys(1) == 3);
  CHECK(ctx.CountKeys(2) == 0);
  h.client().db = 1;
  REQUIRE(ctx.Delete("b0").existed);
  CHECK(ctx.CountKeys(1) == 2);
  CHECK(ctx.CountKeys(0) == 11);
  CHECK(ctx.CountKeys(-1) == 0);
  CHECK(ctx.CountKeys(kDatabases) == 0);
}

}  // namespace warp::server
