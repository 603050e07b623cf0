#include "common/crc32c.h"

#include <catch2/catch.hpp>
#include <string>

namespace warp {

TEST_CASE("crc32c of \"123456789\" is the standard check value 0xE3069283") {
  CHECK(crc32c::Value("123456789", 9) == 0xE3069283u);
  CHECK(crc32c::ExtendPortable(0, "123456789", 9) == 0xE3069283u);
}

TEST_CASE("crc32c matches the RFC 3720 vectors for zeros, ones and counting bytes") {
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string up, down;
  for (int i = 0; i < 32; ++i) {
    up.push_back(static_cast<char>(i));
    down.push_back(static_cast<char>(31 - i));
  }
  CHECK(crc32c::Value(zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(crc32c::Value(ones.data(), ones.size()) == 0x62A8AB43u);
  CHECK(crc32c::Value(up.data(), up.size()) == 0x46DD794Eu);
  CHECK(crc32c::Value(down.data(), down.size()) == 0x113FDB5Cu);
}

TEST_CASE("extending a crc32c piecewise equals the crc32c of the whole") {
  std::string data = "hello world, this is a longer string crossing several 8-byte words";
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t piecewise =
        crc32c::Extend(crc32c::Value(data.data(), split), data.data() + split, data.size() - split);
    REQUIRE(piecewise == crc32c::Value(data.data(), data.size()));
  }
}

TEST_CASE("the hardware and portable crc32c paths agree at every alignment and length") {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  for (size_t start = 0; start < 9; ++start) {
    for (size_t n = 0; start + n <= data.size(); n += 7) {
      REQUIRE(crc32c::Extend(0, data.data() + start, n) ==
              crc32c::ExtendPortable(0, data.data() + start, n));
    }
  }
}

TEST_CASE("masking a crc32c changes it and unmasking restores it") {
  uint32_t crc = crc32c::Value("foo", 3);
  CHECK(crc32c::Mask(crc) != crc);
  CHECK(crc32c::Mask(crc32c::Mask(crc)) != crc);
  CHECK(crc32c::Unmask(crc32c::Mask(crc)) == crc);
  CHECK(crc32c::Unmask(crc32c::Unmask(crc32c::Mask(crc32c::Mask(crc)))) == crc);
}

}  // namespace warp
