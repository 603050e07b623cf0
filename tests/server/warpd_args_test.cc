#include "server/warpd_args.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace warp {

TEST_CASE("with no arguments warpd runs on the built-in defaults") {
  WarpdCommand command;
  REQUIRE(ParseWarpdArgs({}, &command).ok());
  CHECK(command.config_path.empty());
  CHECK(command.options.data_dir == "./data");
  CHECK(command.options.server.port == 7379);
}

TEST_CASE("the data and port options are shorthands for setting data_dir and server.port") {
  WarpdCommand command;
  REQUIRE(ParseWarpdArgs({"--data", "/srv/warp", "--port=0"}, &command).ok());
  CHECK(command.options.data_dir == "/srv/warp");
  CHECK(command.options.server.port == 0);
}

TEST_CASE("overrides apply after the file and in the order given") {
  testing::TempDir tmp;
  std::string file = tmp.Sub("c.yaml");
  testing::WriteFileOrDie(file, "shards: 8\nwal:\n  fsync: no\n");
  WarpdCommand command;
  REQUIRE(ParseWarpdArgs({"--set", "shards=2", "--config", file, "--set", "wal.fsync=always",
                          "--set", "shards=3"},
                         &command)
              .ok());
  CHECK(command.options.shards == 3);
  CHECK(command.options.wal.fsync == FsyncPolicy::kAlways);
}

TEST_CASE("an unknown option or a missing value is named in the error") {
  WarpdCommand command;
  Status s = ParseWarpdArgs({"--dat", "x"}, &command);
  CHECK(s.message() == "unknown option '--dat' (see warpd --help)");
  s = ParseWarpdArgs({"--set"}, &command);
  CHECK(s.message() == "option --set needs a value");
}

TEST_CASE("an invalid --port value is reported through its --set form") {
  WarpdCommand command;
  Status s = ParseWarpdArgs({"--port", "70000"}, &command);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "--set server.port=70000: server.port: 70000 is out of range [0, 65535]");
}

TEST_CASE("asking for help skips loading the configuration") {
  WarpdCommand command;
  REQUIRE(ParseWarpdArgs({"--config", "/does/not/exist.yaml", "--help"}, &command).ok());
  CHECK(command.show_help);
  CHECK(WarpdUsage().find("--set KEY=VALUE") != std::string::npos);
}

}  // namespace warp
