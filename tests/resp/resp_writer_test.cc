#include "resp/resp_writer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

namespace warp::resp {

namespace {

// The bytes one writer call produces in the given protocol.
template <typename Write>
std::string Encode(Protocol protocol, Write write) {
  std::string out;
  ReplyWriter writer(&out, protocol);
  write(writer);
  return out;
}

template <typename Write>
void CheckBoth(Write write, const std::string& resp2, const std::string& resp3) {
  CHECK(Encode(Protocol::kResp2, write) == resp2);
  CHECK(Encode(Protocol::kResp3, write) == resp3);
}

}  // namespace

TEST_CASE("simple strings, errors, integers and bulks are the same in RESP2 and RESP3") {
  CheckBoth([](ReplyWriter& w) { w.SimpleString("OK"); }, "+OK\r\n", "+OK\r\n");
  CheckBoth([](ReplyWriter& w) { w.Error("ERR unknown command 'foo'"); },
            "-ERR unknown command 'foo'\r\n", "-ERR unknown command 'foo'\r\n");
  CheckBoth([](ReplyWriter& w) { w.Integer(0); }, ":0\r\n", ":0\r\n");
  CheckBoth([](ReplyWriter& w) { w.Integer(-42); }, ":-42\r\n", ":-42\r\n");
  CheckBoth([](ReplyWriter& w) { w.Integer(INT64_MIN); }, ":-9223372036854775808\r\n",
            ":-9223372036854775808\r\n");
  CheckBoth([](ReplyWriter& w) { w.Bulk("foo"); }, "$3\r\nfoo\r\n", "$3\r\nfoo\r\n");
  CheckBoth([](ReplyWriter& w) { w.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
}

TEST_CASE("bulk strings are binary safe") {
  std::string bytes("a\r\n\0b", 5);
  CHECK(Encode(Protocol::kResp2, [&](ReplyWriter& w) { w.Bulk(bytes); }) ==
        "$5\r\n" + bytes + "\r\n");
}

TEST_CASE("CR and LF inside simple strings and errors become spaces") {
  CheckBoth([](ReplyWriter& w) { w.Error("ERR bad\r\nthing"); }, "-ERR bad  thing\r\n",
            "-ERR bad  thing\r\n");
  CHECK(Encode(Protocol::kResp2, [](ReplyWriter& w) { w.SimpleString("a\nb"); }) == "+a b\r\n");
}

TEST_CASE("null is $-1 in RESP2 and _ in RESP3, and a null array is *-1 in RESP2") {
  CheckBoth([](ReplyWriter& w) { w.Null(); }, "$-1\r\n", "_\r\n");
  CheckBoth([](ReplyWriter& w) { w.NullArray(); }, "*-1\r\n", "_\r\n");
}

TEST_CASE("arrays are * in both, sets are ~ in RESP3 and maps flatten to arrays in RESP2") {
  auto array = [](ReplyWriter& w) {
    w.ArrayHeader(2);
    w.Bulk("a");
    w.Integer(1);
  };
  CheckBoth(array, "*2\r\n$1\r\na\r\n:1\r\n", "*2\r\n$1\r\na\r\n:1\r\n");
  CheckBoth([](ReplyWriter& w) { w.SetHeader(3); }, "*3\r\n", "~3\r\n");
  auto map = [](ReplyWriter& w) {
    w.MapHeader(2);
    w.Bulk("f1");
    w.Bulk("v1");
    w.Bulk("f2");
    w.Integer(2);
  };
  CheckBoth(map, "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n:2\r\n",
            "%2\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n:2\r\n");
  CheckBoth([](ReplyWriter& w) { w.ArrayHeader(0); }, "*0\r\n", "*0\r\n");
  CheckBoth([](ReplyWriter& w) { w.MapHeader(0); }, "*0\r\n", "%0\r\n");
}

TEST_CASE("doubles are , lines in RESP3 and bulk strings in RESP2, in shortest form") {
  CheckBoth([](ReplyWriter& w) { w.Double(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n");
  CheckBoth([](ReplyWriter& w) { w.Double(0.1); }, "$3\r\n0.1\r\n", ",0.1\r\n");
  CheckBoth([](ReplyWriter& w) { w.Double(-3); }, "$2\r\n-3\r\n", ",-3\r\n");
  CheckBoth([](ReplyWriter& w) { w.Double(1e300); }, "$6\r\n1e+300\r\n", ",1e+300\r\n");
  const double inf = std::numeric_limits<double>::infinity();
  CheckBoth([&](ReplyWriter& w) { w.Double(inf); }, "$3\r\ninf\r\n", ",inf\r\n");
  CheckBoth([&](ReplyWriter& w) { w.Double(-inf); }, "$4\r\n-inf\r\n", ",-inf\r\n");
  CheckBoth([](ReplyWriter& w) { w.Double(std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n");
}

TEST_CASE("booleans are #t and #f in RESP3 and the integers 1 and 0 in RESP2") {
  CheckBoth([](ReplyWriter& w) { w.Boolean(true); }, ":1\r\n", "#t\r\n");
  CheckBoth([](ReplyWriter& w) { w.Boolean(false); }, ":0\r\n", "#f\r\n");
}

TEST_CASE("text for humans is a verbatim txt string in RESP3 and a bulk string in RESP2") {
  CheckBoth([](ReplyWriter& w) { w.Verbatim("a:1\r\n"); }, "$5\r\na:1\r\n\r\n",
            "=9\r\ntxt:a:1\r\n\r\n");
}

TEST_CASE("switching the protocol changes the encoding of later replies only") {
  std::string out;
  ReplyWriter writer(&out);
  CHECK(writer.protocol() == Protocol::kResp2);
  writer.Null();
  writer.set_protocol(Protocol::kResp3);
  writer.Null();
  CHECK(out == "$-1\r\n_\r\n");
}

}  // namespace warp::resp
