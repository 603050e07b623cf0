// warpd as an operator runs it: started as a real process, stopped by signal or kill -9.

#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/data_dir.h"
#include "store/filename.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace warp {

namespace {

using testing::BuiltBinary;
using testing::ChildProcess;
using namespace std::chrono_literals;

std::unique_ptr<ChildProcess> StartWarpd(std::vector<std::string> args) {
  args.insert(args.begin(), BuiltBinary("warpd"));
  auto child = ChildProcess::Start(args);
  REQUIRE(child);
  return child;
}

// The port a listener logged ("resp: listening on 127.0.0.1:PORT"), or "" if not found.
std::string LoggedPort(const std::string& output, const std::string& listener) {
  std::string marker = listener + ": listening on 127.0.0.1:";
  size_t at = output.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  size_t end = output.find_first_not_of("0123456789", at);
  return output.substr(at, end - at);
}

// Runs redis-cli against `port` and returns what it printed (bounded in time).
std::string RedisCli(const std::string& port, std::vector<std::string> args) {
  args.insert(args.begin(), {"redis-cli", "-h", "127.0.0.1", "-p", port});
  auto cli = ChildProcess::Start(args);
  REQUIRE(cli);
  cli->Wait(10s);
  return cli->output();
}

nlohmann::json ReadManifest(const std::string& data_dir) {
  return nlohmann::json::parse(testing::ReadFileOrEmpty(filename::Manifest(data_dir)));
}

}  // namespace

TEST_CASE("warpd help documents the config, data, port and set options") {
  auto warpd = StartWarpd({"--help"});
  CHECK(warpd->Wait(10s) == 0);
  for (const char* flag : {"--config FILE", "--data DIR", "--port N", "--set KEY=VALUE"}) {
    CHECK(warpd->output().find(flag) != std::string::npos);
  }
}

TEST_CASE("warpd on the shipped config serves until SIGTERM and then shuts down in order") {
  testing::TempDir tmp;
  std::string data = tmp.Sub("data");
  auto warpd = StartWarpd({"--config", testing::SourceFile("config/warpengine.yaml"), "--data",
                           data, "--port", "0", "--set", "server.http_port=0"});
  REQUIRE(warpd->WaitForOutput("warpd ready", 30s));
  const std::string& out = warpd->output();
  // The shipped config says shards: 0, one shard per core of this machine.
  uint32_t shards = DataDir::DefaultShardCount();
  CHECK(out.find("health: healthy; data directory " + data + " (" + std::to_string(shards) +
                 " shards, 0 keys)") != std::string::npos);
  CHECK(out.find("root/storage/" + filename::ShardName(shards - 1) + "=running") !=
        std::string::npos);
  CHECK(ReadManifest(data)["clean_shutdown"] == false);
  warpd->Signal(SIGTERM);
  CHECK(warpd->Wait(30s) == 0);
  size_t root = out.find("supervisor root: shutting down");
  size_t storage = out.find("supervisor storage: shutting down");
  size_t stopped = out.find("warpd stopped cleanly");
  REQUIRE(stopped != std::string::npos);
  CHECK(root < storage);
  CHECK(storage < stopped);
  CHECK(ReadManifest(data)["clean_shutdown"] == true);
}

TEST_CASE("SIGINT stops warpd as cleanly as SIGTERM") {
  testing::TempDir tmp;
  auto warpd = StartWarpd({"--data", tmp.Sub("data"), "--port", "0", "--http-port", "0"});
  REQUIRE(warpd->WaitForOutput("warpd ready", 30s));
  warpd->Signal(SIGINT);
  CHECK(warpd->Wait(30s) == 0);
  CHECK(warpd->output().find("received SIGINT") != std::string::npos);
}

TEST_CASE("a second warpd on the same data directory is refused with the first one's pid") {
  testing::TempDir tmp;
  auto first = StartWarpd({"--data", tmp.Sub("data"), "--port", "0", "--http-port", "0"});
  REQUIRE(first->WaitForOutput("warpd ready", 30s));
  auto second = StartWarpd({"--data", tmp.Sub("data"), "--port", "0", "--http-port", "0"});
  CHECK(second->Wait(30s) == 1);
  CHECK(second->output().find("is locked by pid " + std::to_string(first->pid())) !=
        std::string::npos);
  first->Signal(SIGTERM);
  CHECK(first->Wait(30s) == 0);
}

TEST_CASE("after kill -9 the next warpd starts and reports the unclean shutdown") {
  testing::TempDir tmp;
  auto first = StartWarpd({"--data", tmp.Sub("data"), "--port", "0", "--http-port", "0"});
  REQUIRE(first->WaitForOutput("warpd ready", 30s));
  first->Signal(SIGKILL);
  CHECK(first->Wait(30s) == 128 + SIGKILL);
  auto second = StartWarpd({"--data", tmp.Sub("data"), "--port", "0", "--http-port", "0"});
  REQUIRE(second->WaitForOutput("warpd ready", 30s));
  CHECK(second->output().find("previous session did not close cleanly") != std::string::npos);
  CHECK(ReadManifest(tmp.Sub("data"))["open_count"] == 2);
  second->Signal(SIGTERM);
  CHECK(second->Wait(30s) == 0);
}

TEST_CASE("a bad --set value stops warpd before it touches the data directory") {
  testing::TempDir tmp;
  auto warpd = StartWarpd({"--data", tmp.Sub("data"), "--set", "wal.fsync=sometimes"});
  CHECK(warpd->Wait(10s) == 2);
  CHECK(warpd->output() ==
        "warpd: --set wal.fsync=sometimes: wal.fsync: expected one of always, everysec, no, got "
        "'sometimes'\n");
  CHECK(testing::ReadFileOrEmpty(filename::Manifest(tmp.Sub("data"))).empty());
}

TEST_CASE("a configuration file error names the file, the line and the key") {
  testing::TempDir tmp;
  std::string config = tmp.Sub("bad.yaml");
  testing::WriteFileOrDie(config, "data_dir: ./x\nshards: four\n");
  auto warpd = StartWarpd({"--config", config});
  CHECK(warpd->Wait(10s) == 2);
  CHECK(warpd->output() ==
        "warpd: " + config + ":2: shards: expected an unsigned integer, got 'four'\n");
}

TEST_CASE(
    "redis-cli writes through warpd, SHUTDOWN checkpoints and exits 0, and a restart "
    "serves the data again") {
  testing::TempDir tmp;
  std::string data = tmp.Sub("data");
  auto warpd = StartWarpd({"--data", data, "--port", "0", "--http-port", "0"});
  REQUIRE(warpd->WaitForOutput("warpd ready", 30s));
  std::string port = LoggedPort(warpd->output(), "resp");
  REQUIRE_FALSE(port.empty());
  CHECK_FALSE(LoggedPort(warpd->output(), "http").empty());
  CHECK(RedisCli(port, {"SET", "greeting", "hello world"}) == "OK\n");
  CHECK(RedisCli(port, {"GET", "greeting"}) == "hello world\n");
  RedisCli(port, {"SHUTDOWN"});
  CHECK(warpd->Wait(30s) == 0);
  CHECK(warpd->output().find("SHUTDOWN requested by a client") != std::string::npos);
  CHECK(warpd->output().find("shutdown checkpoint taken") != std::string::npos);
  CHECK(ReadManifest(data)["clean_shutdown"] == true);

  auto again = StartWarpd({"--data", data, "--port", "0", "--http-port", "0"});
  REQUIRE(again->WaitForOutput("warpd ready", 30s));
  port = LoggedPort(again->output(), "resp");
  CHECK(RedisCli(port, {"GET", "greeting"}) == "hello world\n");
  again->Signal(SIGTERM);
  CHECK(again->Wait(30s) == 0);
}

TEST_CASE("a RESP port already in use stops warpd with an error naming the address") {
  testing::TempDir tmp;
  auto first = StartWarpd({"--data", tmp.Sub("one"), "--port", "0", "--http-port", "0"});
  REQUIRE(first->WaitForOutput("warpd ready", 30s));
  std::string port = LoggedPort(first->output(), "resp");
  auto second = StartWarpd({"--data", tmp.Sub("two"), "--port", port, "--http-port", "0"});
  CHECK(second->Wait(30s) == 1);
  CHECK(second->output().find("cannot listen on 127.0.0.1:" + port) != std::string::npos);
  first->Signal(SIGTERM);
  CHECK(first->Wait(30s) == 0);
}

}  // namespace warp
