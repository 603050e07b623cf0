#include "warp/status.h"

#include <catch2/catch.hpp>

namespace warp {

TEST_CASE("an ok status prints OK and reports no error") {
  Status s = Status::OK();
  CHECK(s.ok());
  CHECK(s.ToString() == "OK");
  CHECK(s.message().empty());
}

TEST_CASE("an error status prints its code name followed by its message") {
  Status s = Status::NotFound("key 'user:1'");
  CHECK_FALSE(s.ok());
  CHECK(s.IsNotFound());
  CHECK(s.ToString() == "NotFound: key 'user:1'");
  CHECK(Status::Busy("x").ToString() == "Busy: x");
  CHECK(Status::Unavailable("closed").IsUnavailable());
  CHECK(Status::Corruption("bad crc").code() == Status::Code::kCorruption);
}

}  // namespace warp
