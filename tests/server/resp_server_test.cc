// The RESP server over real loopback sockets: pipelining, inline commands, protocol errors,
// limits, authentication, RESP3 and the wal.fsync=always reply hold.

#include "server/resp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/universe_test_peer.h"
#include "server/client_registry.h"
#include "server/metrics.h"
#include "tests/engine/universe_test_util.h"
#include "tests/support/fault_injection.h"
#include "tests/support/temp_dir.h"

namespace warp::server {

namespace {

using namespace std::chrono_literals;

// A blocking loopback client with bounded reads.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  void Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  // Reads until `bytes` bytes arrived, the peer closed, or 5 s passed.
  std::string Read(size_t bytes) {
    std::string data;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (data.size() < bytes && std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(&data, 50)) break;
    }
    return data;
  }

  // True if the server closed the connection within 5 s (reading and discarding until then).
  bool ClosedByPeer(std::string* received = nullptr) {
    std::string data;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(&data, 50)) {
        if (received) *received = data;
        return eof_;
      }
    }
    if (received) *received = data;
    return false;
  }

  std::string Roundtrip(const std::string& request, size_t reply_bytes) {
    Send(request);
    return Read(reply_bytes);
  }

 private:
  // One poll + recv; false on EOF or error (eof_ tells which).
  bool ReadSome(std::string* data, int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return true;
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) eof_ = true;
    if (n < 0 && errno == ECONNRESET) eof_ = true;
    if (n <= 0) return false;
    data->append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
};

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += Bulk(a);
  return out;
}

// A universe with a RESP server on an ephemeral loopback port.
struct ServerFixture {
  explicit ServerFixture(FsyncPolicy fsync = FsyncPolicy::kEverySec, FileSystem* fs = nullptr) {
    Options options = testing::SmallUniverse(tmp, 2);
    options.wal.fsync = fsync;
    if (fs) UniverseTestPeer::UseFileSystem(universe, fs);
    REQUIRE(universe.Open(options).ok());
    std::vector<std::string> names;
    for (const auto& spec : Commands().all()) names.emplace_back(spec.name);
    metrics = std::make_unique<ServerMetrics>(names, 2);
    state.universe = &universe;
    state.metrics = metrics.get();
    state.clients = &clients;
    state.start_ms = NowUnixMs();
    server = std::make_unique<RespServer>(&state);
  }
  void Start(std::chrono::microseconds busy_poll = std::chrono::microseconds(0)) {
    RespServerOptions options;
    options.bind = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    options.busy_poll = busy_poll;
    REQUIRE(server->Start(options).ok());
    REQUIRE(server->port() != 0);
  }
  ~ServerFixture() {
    server->Stop();
    universe.Close();
  }

  testing::TempDir tmp;
  Universe universe;
  std::unique_ptr<ServerMetrics> metrics;
  ClientRegistry clients;
  ServerState state;
  std::unique_ptr<RespServer> server;
};

}  // namespace

TEST_CASE("pipelined commands in one packet get their replies in order") {
  ServerFixture f;
  f.Start();
  RawClient client(f.server->port());
  REQUIRE(client.connected());
  std::string request = "PING\r\n" + Multibulk({"SET", "a", "1"}) + Multibulk({"GET", "a"}) +
                        Multibulk({"GET", "missing"});
  std::string expected = "+PONG\r\n+OK\r\n$1\r\n1\r\n$-1\r\n";
  CHECK(client.Roundtrip(request, expected.size()) == expected);
}

TEST_CASE("busy-polling loops answer every round trip and still stop when asked") {
  ServerFixture f;
  f.Start(std::chrono::microseconds(2000));
  RawClient a(f.server->port());
  RawClient b(f.server->port());
  REQUIRE(a.connected());
  REQUIRE(b.connected());
  int wrong = 0;
  for (int i = 0; i < 200; ++i) {
    std::string value = std::to_string(i);
    RawClient& client = i % 2 == 0 ? a : b;
    if (client.Roundtrip(Multibulk({"SET", "k" + value, value}), 5) != "+OK\r\n") ++wrong;
    if (client.Roundtrip(Multibulk({"GET", "k" + value}), Bulk(value).size()) != Bulk(value)) {
      ++wrong;
    }
  }
  CHECK(wrong == 0);
  f.server->Stop();  // returns although both loops are polling, not sleeping
  RawClient late(f.server->port());
  CHECK_FALSE(late.connected());
}

TEST_CASE("io_threads 0 means one event loop per two cores, between 1 and 8") {
  CHECK(ResolveIoThreads(3) == 3);
  size_t cores = std::thread::hardware_concurrency();
  size_t expected = std::min<size_t>(std::max<size_t>(cores / 2, 1), 8);
  CHECK(ResolveIoThreads(0) == expected);
}

TEST_CASE("a command split into single bytes is parsed once it is complete") {
  ServerFixture f;
  f.Start();
  RawClient client(f.server->port());
  std::string request = Multibulk({"SET", "key", "value"});
  for (char c : request) client.Send(std::string(1, c));
  CHECK(client.Read(5) == "+OK\r\n");
}

TEST_CASE("inline commands work as redis-cli and telnet send them") {
  ServerFixture f;
  f.Start();
  RawClient client(f.server->port());
  std::string expected = "+OK\r\n$11\r\nhello world\r\n";
  CHECK(client.Roundtrip("SET greeting \"hello world\"\r\nGET greeting\r\n", expected.size()) ==
        expected);
}

TEST_CASE("a protocol error is answered, closes that connection and no other") {
  ServerFixture f;
  f.Start();
  RawClient bad(f.server->port());
  RawClient good(f.server->port());
  CHECK(good.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
  bad.Send("*1\r\n$-5\r\n");
  std::string received;
  CHECK(bad.ClosedByPeer(&received));
  CHECK(received == "-ERR Protocol error: invalid bulk length\r\n");
  CHECK(good.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
  CHECK(f.state.counters.protocol_errors.load() == 1);
}

TEST_CASE("unknown commands and wrong argument counts get Redis's error texts") {
  ServerFixture f;
  f.Start();
  RawClient client(f.server->port());
  std::string unknown = "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n";
  CHECK(client.Roundtrip("FOO bar\r\n", unknown.size()) == unknown);
  std::string arity = "-ERR wrong number of arguments for 'get' command\r\n";
  CHECK(client.Roundtrip("GET\r\n", arity.size()) == arity);
}

TEST_CASE("a connection beyond maxclients is refused with Redis's error") {
  ServerFixture f;
  f.state.config.maxclients = 2;
  f.Start();
  RawClient first(f.server->port());
  RawClient second(f.server->port());
  CHECK(first.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
  CHECK(second.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
  RawClient third(f.server->port());
  std::string received;
  CHECK(third.ClosedByPeer(&received));
  CHECK(received == "-ERR max number of clients reached\r\n");
  CHECK(f.state.counters.rejected_connections.load() == 1);
  CHECK(first.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
}

TEST_CASE("with requirepass every command but AUTH and HELLO needs authentication") {
  ServerFixture f;
  f.state.config.SetRequirepass("secret");
  f.Start();
  RawClient client(f.server->port());
  std::string noauth = "-NOAUTH Authentication required.\r\n";
  CHECK(client.Roundtrip("GET a\r\n", noauth.size()) == noauth);
  std::string wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
  CHECK(client.Roundtrip("AUTH nope\r\n", wrongpass.size()) == wrongpass);
  CHECK(client.Roundtrip("AUTH secret\r\n", 5) == "+OK\r\n");
  CHECK(client.Roundtrip("GET a\r\n", 5) == "$-1\r\n");
}

TEST_CASE("HELLO 3 switches the connection to RESP3 replies") {
  ServerFixture f;
  f.Start();
  RawClient client(f.server->port());
  client.Send("HELLO 3\r\n");
  std::string hello = client.Read(20);
  CHECK(hello.rfind("%7\r\n", 0) == 0);
  // Drain the rest of the HELLO map, then a missing key reads as RESP3's null.
  client.Read(200);
  CHECK(client.Roundtrip("GET missing\r\n", 3) == "_\r\n");
}

TEST_CASE("a reply larger than client_output_buffer_limit disconnects the client") {
  ServerFixture f;
  f.state.config.client_output_buffer_limit = 1 << 20;
  f.Start();
  REQUIRE(f.universe.Put("big", std::string(2 << 20, 'x')).ok());
  RawClient client(f.server->port());
  client.Send("GET big\r\n");
  std::string received;
  CHECK(client.ClosedByPeer(&received));
  CHECK(received.empty());
  CHECK(f.state.counters.output_limit_disconnections.load() == 1);
}

TEST_CASE("under wal.fsync=always a write whose fsync fails is never acknowledged") {
  testing::FaultInjectionFileSystem fs(DefaultFileSystem());
  ServerFixture f(FsyncPolicy::kAlways, &fs);
  f.Start();
  RawClient client(f.server->port());
  CHECK(client.Roundtrip("SET a 1\r\n", 5) == "+OK\r\n");
  fs.FailNextSync();
  client.Send("SET b 2\r\n");
  std::string received;
  CHECK(client.ClosedByPeer(&received));
  CHECK(received.empty());
}

TEST_CASE("Stop closes idle connections and refuses new ones") {
  ServerFixture f;
  f.Start();
  uint16_t port = f.server->port();
  RawClient client(port);
  CHECK(client.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
  f.server->Stop();
  CHECK(client.ClosedByPeer());
  RawClient late(port);
  CHECK_FALSE(late.connected());
}

TEST_CASE("CLIENT KILL filters combine and spare the caller unless SKIPME no") {
  ServerFixture f;
  f.Start();
  RawClient caller(f.server->port());
  RawClient other(f.server->port());
  CHECK(caller.Roundtrip("CLIENT ID\r\n", 4) == ":1\r\n");
  CHECK(other.Roundtrip("CLIENT ID\r\n", 4) == ":2\r\n");
  // Both filters must match: client 2 is not at that address.
  CHECK(caller.Roundtrip("CLIENT KILL ID 2 ADDR 1.2.3.4:5\r\n", 4) == ":0\r\n");
  // The caller itself is skipped by default.
  CHECK(caller.Roundtrip("CLIENT KILL ID 1\r\n", 4) == ":0\r\n");
  CHECK(caller.Roundtrip("CLIENT KILL ID 2\r\n", 4) == ":1\r\n");
  CHECK(other.ClosedByPeer());
  CHECK(caller.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
}

TEST_CASE("CONFIG SET changes nothing when one of its parameters is refused") {
  ServerFixture f;
  f.Start();
  RawClient client(f.server->port());
  std::string refused =
      "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
      "must be an integer between 1048576 and 4294967296\r\n";
  CHECK(client.Roundtrip("CONFIG SET maxclients 100 proto-max-bulk-len 5\r\n", refused.size()) ==
        refused);
  CHECK(f.state.config.maxclients.load() == 10000);
  std::string duplicate =
      "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate "
      "parameter\r\n";
  CHECK(client.Roundtrip("CONFIG SET maxclients 5 maxclients 6\r\n", duplicate.size()) ==
        duplicate);
  CHECK(client.Roundtrip("CONFIG SET maxclients 100\r\n", 5) == "+OK\r\n");
  CHECK(f.state.config.maxclients.load() == 100);
}

TEST_CASE("HELLO with a syntax error authenticates nobody") {
  ServerFixture f;
  f.state.config.SetRequirepass("secret");
  f.Start();
  RawClient client(f.server->port());
  std::string syntax = "-ERR Syntax error in HELLO option 'BOGUS'\r\n";
  CHECK(client.Roundtrip("HELLO 3 AUTH default secret BOGUS\r\n", syntax.size()) == syntax);
  std::string noauth = "-NOAUTH Authentication required.\r\n";
  CHECK(client.Roundtrip("GET a\r\n", noauth.size()) == noauth);
}

TEST_CASE("under wal.fsync=always a read waits for the write it returns to be durable") {
  testing::FaultInjectionFileSystem fs(DefaultFileSystem());
  ServerFixture f(FsyncPolicy::kAlways, &fs);
  f.Start();
  // Written through the embedded API without waiting for its fsync.
  WriteOptions no_wait;
  no_wait.wait_for_sync = false;
  REQUIRE(f.universe.Put("k", "v", no_wait).ok());
  // The fsync the read waits for fails: the value is never shown.
  fs.FailNextSync();
  RawClient client(f.server->port());
  client.Send("GET k\r\n");
  std::string received;
  CHECK(client.ClosedByPeer(&received));
  CHECK(received.empty());
}

TEST_CASE("a client that never reads its replies stalls only itself") {
  ServerFixture f;
  f.Start();
  REQUIRE(f.universe.Put("big", std::string(256 * 1024, 'x')).ok());
  RawClient stalled(f.server->port());
  std::string pipeline;
  for (int i = 0; i < 200; ++i) pipeline += "GET big\r\n";  // 50 MiB of replies, never read
  stalled.Send(pipeline);
  for (int i = 0; i < 20; ++i) {
    RawClient other(f.server->port());
    REQUIRE(other.Roundtrip("PING\r\n", 7) == "+PONG\r\n");
  }
}

}  // namespace warp::server
