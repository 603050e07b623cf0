#include "common/glob.h"

#include <catch2/catch.hpp>

namespace warp {

TEST_CASE("a star matches any run of bytes including none") {
  CHECK(GlobMatch("user:*", "user:"));
  CHECK(GlobMatch("user:*", "user:42"));
  CHECK(GlobMatch("*", ""));
  CHECK(GlobMatch("a*b*c", "axxbyyc"));
  CHECK_FALSE(GlobMatch("user:*", "users:1"));
  CHECK_FALSE(GlobMatch("a*b", "aab c"));
}

TEST_CASE("a question mark matches exactly one byte") {
  CHECK(GlobMatch("h?llo", "hello"));
  CHECK_FALSE(GlobMatch("h?llo", "hllo"));
}

TEST_CASE("bracket classes match sets, ranges and negations as Redis does") {
  CHECK(GlobMatch("h[ae]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[ae]llo", "hillo"));
  CHECK(GlobMatch("h[^e]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[^e]llo", "hello"));
  CHECK(GlobMatch("h[a-b]llo", "hbllo"));
  CHECK(GlobMatch("h[b-a]llo", "hallo"));
}

TEST_CASE("a backslash makes the next special character literal") {
  CHECK(GlobMatch("a\\*b", "a*b"));
  CHECK_FALSE(GlobMatch("a\\*b", "axb"));
}

TEST_CASE("the literal prefix stops at the first special character") {
  CHECK(GlobLiteralPrefix("user:*") == "user:");
  CHECK(GlobLiteralPrefix("a?b") == "a");
  CHECK(GlobLiteralPrefix("plain") == "plain");
  CHECK(GlobLiteralPrefix("*x") == "");
}

}  // namespace warp
