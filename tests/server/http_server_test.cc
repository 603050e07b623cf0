#include "server/http_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/wall_clock.h"
#include "server/command.h"
#include "server/metrics.h"
#include "tests/engine/universe_test_util.h"

namespace warp::server {
namespace {

using nlohmann::json;
using testing::SmallUniverse;
using testing::TempDir;

// A universe on a temporary directory, the server state around it and an HTTP server on a
// free loopback port, with a client for it.
struct HttpHarness {
  explicit HttpHarness(size_t max_body = HttpServer::kDefaultMaxBodyBytes) {
    REQUIRE(universe.Open(SmallUniverse(tmp)).ok());
    state.universe = &universe;
    state.metrics = &metrics;
    state.start_ms = SystemWallClock()->NowUnixMillis() - 1500;
    server.set_max_body_bytes(max_body);
    REQUIRE(server.Start("127.0.0.1", 0).ok());
    REQUIRE(server.port() != 0);
    client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
    client->set_url_encode(false);  // paths below are percent-encoded already
  }

  TempDir tmp;
  Universe universe;
  ServerMetrics metrics{{"get", "set", "del"}, 2};
  ServerState state;
  HttpServer server{&state, [] { return size_t{3}; }};
  std::unique_ptr<httplib::Client> client;
};

// Percent-encodes every byte but the unreserved ones (RFC 3986).
std::string Encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string KeyPath(std::string_view key) { return "/v1/keys/" + Encode(key); }

json Json(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->get_header_value("Content-Type") == "application/json");
  return json::parse(r->body);
}

// Checks a JSON error reply: its status, code, and that the message names `mentions`.
void CheckError(const httplib::Result& r, int status, const std::string& code,
                const std::string& mentions) {
  REQUIRE(r);
  CHECK(r->status == status);
  json body = Json(r);
  CHECK(body["error"]["code"] == code);
  std::string message = body["error"]["message"];
  INFO(message);
  CHECK(message.find(mentions) != std::string::npos);
}

// Sends `request` on a fresh loopback connection and returns all the server sends back until
// it closes the connection.
std::string RawExchange(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) response.append(buf, n);
  close(fd);
  return response;
}

// PUTs `bytes` bytes with chunked transfer encoding (no Content-Length).
httplib::Result PutChunked(httplib::Client& client, const std::string& path, size_t bytes) {
  std::string chunk(512, 'y');
  return client.Put(
      path.c_str(),
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset >= bytes) {
          sink.done();
        } else {
          sink.write(chunk.data(), std::min(chunk.size(), bytes - offset));
        }
        return true;
      },
      "application/octet-stream");
}

}  // namespace

TEST_CASE("a binary key and value survive a put, get and delete round trip") {
  HttpHarness h;
  const std::string key("bin\0key/\xff\n?#% +", 15);
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));

  auto put = h.client->Put(KeyPath(key).c_str(), value, "application/octet-stream");
  REQUIRE(put);
  CHECK(put->status == 201);
  json created = Json(put);
  CHECK(created["created"] == true);
  uint64_t version = created["version"];
  CHECK(version > 0);

  auto get = h.client->Get(KeyPath(key).c_str());
  REQUIRE(get);
  CHECK(get->status == 200);
  CHECK(get->body == value);
  CHECK(get->get_header_value("Content-Type") == "application/octet-stream");
  CHECK(get->get_header_value("X-Warp-Shard") == std::to_string(created["shard"].get<int>()));
  CHECK(get->get_header_value("X-Warp-Version") == std::to_string(version));
  CHECK_FALSE(get->has_header("X-Warp-Expire-At-Ms"));
  CHECK(h.universe.Get(key).value == value);

  auto head = h.client->Head(KeyPath(key).c_str());
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->get_header_value("X-Warp-Version") == std::to_string(version));

  auto again = h.client->Put(KeyPath(key).c_str(), "v2", "application/octet-stream");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(Json(again)["created"] == false);

  auto del = h.client->Delete(KeyPath(key).c_str());
  REQUIRE(del);
  CHECK(del->status == 200);
  CHECK(Json(del)["deleted"] == true);
  CHECK(h.universe.Get(key).status.IsNotFound());
  CheckError(h.client->Get(KeyPath(key).c_str()), 404, "not_found", "not found");
  CheckError(h.client->Delete(KeyPath(key).c_str()), 404, "not_found", "not found");
}

TEST_CASE("format=json gives text values as strings and binary ones as base64") {
  HttpHarness h;
  REQUIRE(h.universe.Put("user:1", "ada").ok());
  REQUIRE(h.universe.Put("k\xff", std::string("\x00\x01\x02\xfe\xff", 5)).ok());

  json text = Json(h.client->Get("/v1/keys/user:1?format=json"));
  CHECK(text["key"] == "user:1");
  CHECK(text["value"] == "ada");
  CHECK(text["encoding"] == "utf8");
  CHECK(text["expire_at_ms"].is_null());
  CHECK(text["version"].get<uint64_t>() > 0);
  CHECK(text["shard"].get<uint32_t>() < 4);

  json binary = Json(h.client->Get((KeyPath("k\xff") + "?format=json").c_str()));
  CHECK(binary["key"] == "a/8=");
  CHECK(binary["key_encoding"] == "base64");
  CHECK(binary["value"] == "AAEC/v8=");
  CHECK(binary["encoding"] == "base64");

  auto raw = h.client->Get("/v1/keys/user:1?format=raw");
  REQUIRE(raw);
  CHECK(raw->body == "ada");
}

TEST_CASE("ttl_ms sets an expiry that reads report, and a put without it removes it") {
  HttpHarness h;
  int64_t before = SystemWallClock()->NowUnixMillis();
  json put = Json(h.client->Put("/v1/keys/session?ttl_ms=60000", "token", "text/plain"));
  int64_t after = SystemWallClock()->NowUnixMillis();
  int64_t expire_at = put["expire_at_ms"];
  CHECK(expire_at >= before + 60000);
  CHECK(expire_at <= after + 60000);

  auto get = h.client->Get("/v1/keys/session");
  REQUIRE(get);
  CHECK(get->body == "token");
  CHECK(get->get_header_value("X-Warp-Expire-At-Ms") == std::to_string(expire_at));
  CHECK(Json(h.client->Get("/v1/keys/session?format=json"))["expire_at_ms"] == expire_at);

  REQUIRE(h.client->Put("/v1/keys/session", "token2", "text/plain"));
  auto persisted = h.client->Get("/v1/keys/session");
  REQUIRE(persisted);
  CHECK_FALSE(persisted->has_header("X-Warp-Expire-At-Ms"));
}

TEST_CASE("a scan with a pattern returns every matching key exactly once until cursor 0") {
  HttpHarness h;
  for (int i = 0; i < 100; ++i) REQUIRE(h.universe.Put("user:" + std::to_string(i), "u").ok());
  for (int i = 0; i < 50; ++i) REQUIRE(h.universe.Put("order:" + std::to_string(i), "o").ok());

  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    json page = Json(h.client->Get(("/v1/keys?pattern=user:*&count=7&cursor=" + cursor).c_str()));
    CHECK(page["encoding"] == "utf8");
    for (const auto& key : page["keys"]) seen.insert(key.get<std::string>());
    cursor = page["cursor"];
    REQUIRE(++calls < 10000);
  } while (cursor != "0");

  CHECK(seen.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(seen.count("user:" + std::to_string(i)) == 1);
  CHECK(calls > 1);
}

TEST_CASE("a scan batch holding a key that is not UTF-8 is all base64") {
  HttpHarness h;
  REQUIRE(h.universe.Put("\xff", "x").ok());
  json page = Json(h.client->Get("/v1/keys?count=10000"));
  CHECK(page["encoding"] == "base64");
  CHECK(page["keys"] == json::array({"/w=="}));
  CHECK(page["cursor"] == "0");
}

TEST_CASE("health reports a healthy universe with its shards and actors") {
  HttpHarness h;
  auto r = h.client->Get("/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  json health = Json(r);
  CHECK(health["level"] == "healthy");
  CHECK(health["shards"] == 4);
  CHECK(health["uptime_ms"].is_number_unsigned());
  CHECK(health["problems"] == json::array());
  CHECK(health["notices"].is_array());
  CHECK(health["recovered_from_crash"] == false);
  REQUIRE_FALSE(health["actors"].empty());
  for (const auto& actor : health["actors"]) {
    CHECK(actor["path"].is_string());
    CHECK(actor["state"] == "running");
    CHECK(actor["restarts"].is_number());
  }
}

TEST_CASE("stats report every shard field, the totals, the server counters and the commands") {
  HttpHarness h;
  for (int i = 0; i < 10; ++i) REQUIRE(h.universe.Put("k" + std::to_string(i), "v").ok());
  h.metrics.Record(0, 0, 3000, false);
  h.metrics.Record(1, 0, 5000, true);
  h.state.counters.connections_received = 7;
  REQUIRE(h.client->Get("/v1/keys/k1"));       // a hit
  REQUIRE(h.client->Get("/v1/keys/missing"));  // a miss

  json stats = Json(h.client->Get("/v1/stats"));
  REQUIRE(stats["shards"].size() == 4);
  const char* fields[] = {"shard",       "slots",         "keys",         "bytes",
                          "reads",       "writes",        "deletes",      "last_lsn",
                          "ops_per_sec", "adoptions",     "durable_lsn",  "wal_lag",
                          "wal_bytes",   "wal_syncs",     "snapshot_lsn", "snapshot_keys",
                          "snapshots",   "volatile_keys", "expired"};
  for (const auto& shard : stats["shards"]) {
    for (const char* field : fields) {
      INFO(field);
      CHECK(shard.contains(field));
    }
  }
  CHECK(stats["total"]["keys"] == 10);
  CHECK(stats["total"]["writes"] == 10);
  CHECK_FALSE(stats["actors"].empty());
  CHECK(stats["server"]["connections_received"] == 7);
  CHECK(stats["server"]["connected_clients"] == 3);
  CHECK(stats["server"]["keyspace_hits"] == 1);
  CHECK(stats["server"]["keyspace_misses"] == 1);
  CHECK(stats["server"]["uptime_ms"].get<int64_t>() >= 1500);
  REQUIRE(stats["commands"].size() == 1);
  CHECK(stats["commands"][0]["name"] == "get");
  CHECK(stats["commands"][0]["calls"] == 2);
  CHECK(stats["commands"][0]["failed"] == 1);
  CHECK(stats["commands"][0]["total_ns"] == 8000);
}

TEST_CASE("bad input, unknown paths and wrong methods get JSON errors naming what was wrong") {
  HttpHarness h;
  CheckError(h.client->Get("/nope"), 404, "not_found", "/nope");
  CheckError(h.client->Get("/v1/keys?count=0"), 400, "bad_request", "count");
  CheckError(h.client->Get("/v1/keys?count=10001"), 400, "bad_request", "count");
  CheckError(h.client->Get("/v1/keys?count=ten"), 400, "bad_request", "count");
  CheckError(h.client->Get("/v1/keys?cursor=-1"), 400, "bad_request", "cursor");
  CheckError(h.client->Get("/v1/keys?cursor=18446744073709551616"), 400, "bad_request", "cursor");
  CheckError(h.client->Get("/v1/keys?patern=a*"), 400, "bad_request", "patern");
  CheckError(h.client->Get("/v1/keys/a?format=xml"), 400, "bad_request", "format");
  CheckError(h.client->Get("/v1/keys/a%zz"), 400, "bad_request", "percent-encoded");
  CheckError(h.client->Put("/v1/keys/a?ttl_ms=0", "v", "text/plain"), 400, "bad_request", "ttl_ms");
  CheckError(h.client->Put("/v1/keys/a?ttl_ms=1.5", "v", "text/plain"), 400, "bad_request",
             "ttl_ms");
  CHECK(h.universe.Get("a").status.IsNotFound());

  auto post = h.client->Post("/v1/keys/a", "v", "text/plain");
  CheckError(post, 405, "method_not_allowed", "POST");
  CHECK(post->get_header_value("Allow") == "GET, HEAD, PUT, DELETE");
  auto del = h.client->Delete("/v1/health");
  CheckError(del, 405, "method_not_allowed", "DELETE");
  CHECK(del->get_header_value("Allow") == "GET, HEAD");
  CheckError(h.client->Put("/metrics", "x", "text/plain"), 405, "method_not_allowed", "PUT");

  auto options = h.client->Options("/v1/keys");
  REQUIRE(options);
  CHECK(options->status == 204);
  CHECK(options->get_header_value("Allow") == "GET, HEAD");
}

TEST_CASE("a body over the limit is refused with 413 whether its length is announced or not") {
  HttpHarness h(1024);
  CheckError(h.client->Put("/v1/keys/big", std::string(2048, 'x'), "application/octet-stream"), 413,
             "payload_too_large", "1024");

  auto chunked = PutChunked(*h.client, "/v1/keys/big", 4096);
  CheckError(chunked, 413, "payload_too_large", "1024");
  CHECK(h.universe.Get("big").status.IsNotFound());

  auto fits = h.client->Put("/v1/keys/big", std::string(1024, 'z'), "application/octet-stream");
  REQUIRE(fits);
  CHECK(fits->status == 201);
}

TEST_CASE("a body announced over the limit with Expect: 100-continue is refused unsent") {
  HttpHarness h(1024);
  std::string response = RawExchange(h.server.port(),
                                     "PUT /v1/keys/big HTTP/1.1\r\nHost: x\r\n"
                                     "Content-Length: 5000\r\nExpect: 100-continue\r\n"
                                     "Connection: close\r\n\r\n");
  INFO(response);
  CHECK(response.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(response.find("\"payload_too_large\"") != std::string::npos);
  CHECK(h.universe.Get("big").status.IsNotFound());
}

TEST_CASE("a request without a length has an empty body and is not waited for") {
  HttpHarness h;
  std::string response = RawExchange(
      h.server.port(), "PUT /v1/keys/empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  INFO(response);
  CHECK(response.rfind("HTTP/1.1 201", 0) == 0);
  GetResult r = h.universe.Get("empty");
  REQUIRE(r.ok());
  CHECK(r.value.empty());
}

TEST_CASE("a keep-alive connection serves the next request after a refused body") {
  HttpHarness h(1024);
  h.client->set_keep_alive(true);
  auto chunked = PutChunked(*h.client, "/v1/keys/big", 4096);
  CheckError(chunked, 413, "payload_too_large", "1024");
  CheckError(h.client->Post("/v1/keys/x", std::string(100, 'p'), "text/plain"), 405,
             "method_not_allowed", "POST");
  auto put = h.client->Put("/v1/keys/small", "v", "text/plain");
  REQUIRE(put);
  CHECK(put->status == 201);
  auto get = h.client->Get("/v1/keys/small");
  REQUIRE(get);
  CHECK(get->body == "v");
}

TEST_CASE("long binary keys and the empty key are reachable") {
  HttpHarness h;
  std::string long_key;
  for (int i = 0; i < 2000; ++i) long_key.push_back(static_cast<char>(i * 7));
  for (const std::string& key : {long_key, std::string()}) {
    auto put = h.client->Put(KeyPath(key).c_str(), "value", "application/octet-stream");
    REQUIRE(put);
    CHECK(put->status == 201);
    auto get = h.client->Get(KeyPath(key).c_str());
    REQUIRE(get);
    CHECK(get->body == "value");
    CHECK(h.universe.Get(key).value == "value");
  }
  std::string too_long(3000, '\xfe');  // 9000 bytes once encoded: over the request line limit
  CheckError(h.client->Get(KeyPath(too_long).c_str()), 414, "uri_too_long", "8192");
}

TEST_CASE("a closed universe makes the key endpoints 503 and health down") {
  HttpHarness h;
  REQUIRE(h.universe.Close().ok());
  CheckError(h.client->Get("/v1/keys/a"), 503, "unavailable", "not open");
  CheckError(h.client->Put("/v1/keys/a", "v", "text/plain"), 503, "unavailable", "not open");
  CheckError(h.client->Get("/v1/stats"), 503, "unavailable", "not open");
  auto health = h.client->Get("/v1/health");
  REQUIRE(health);
  CHECK(health->status == 503);
  CHECK(Json(health)["level"] == "down");
  auto metrics = h.client->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->body.find("\nwarp_health_level 2\n") != std::string::npos);
}

TEST_CASE("/metrics is Prometheus text: every sample parses, every family has HELP and TYPE") {
  HttpHarness h;
  REQUIRE(h.universe.Put("a", "1").ok());
  h.metrics.Record(0, 0, 7'000, false);          // get: <= 10us
  h.metrics.Record(1, 0, 2'000'000, true);       // get: <= 2.5ms
  h.metrics.Record(0, 1, 3'000'000'000, false);  // set: +Inf
  auto r = h.client->Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type").find("version=0.0.4") != std::string::npos);

  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helps;
  std::map<std::string, double> samples;  // "name{labels}" -> value
  std::vector<std::string> names;
  const std::regex sample_re(R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+))re");
  const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$))re");
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      helps.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string family, type;
      fields >> family >> type;
      types[family] = type;
    } else {
      REQUIRE(std::regex_match(line, m, sample_re));
      std::string labels = m[2].matched ? m[2].str().substr(1, m[2].length() - 2) : "";
      CHECK(std::regex_replace(labels, label_re, "").empty());
      double value = std::stod(m[3].str());
      samples[m[1].str() + m[2].str()] = value;
      names.push_back(m[1].str());
    }
  }
  for (const std::string& name : names) {
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (types.count(family) == 0 && family.size() > s.size() &&
          family.compare(family.size() - s.size(), s.size(), s) == 0) {
        family.resize(family.size() - s.size());
      }
    }
    INFO(name);
    CHECK(types.count(family) == 1);
    CHECK(helps.count(family) == 1);
  }
  CHECK(types["warp_command_duration_seconds"] == "histogram");
  CHECK(types["warp_commands_total"] == "counter");
  CHECK(samples.at(R"(warp_commands_total{command="get"})") == 2);
  CHECK(samples.at(R"(warp_command_errors_total{command="get"})") == 1);
  CHECK(samples.at(R"(warp_keys{shard="0",tier="hot"})") >= 0);
  CHECK(samples.count(R"(warp_wal_lag_records{shard="3"})") == 1);
  CHECK(samples.count(R"(warp_volatile_keys{shard="0"})") == 1);
  CHECK(samples.at("warp_connected_clients") == 3);
  CHECK(samples.at("warp_health_level") == 0);
  CHECK(samples.at("warp_uptime_seconds") >= 1.5);

  // Histogram buckets are cumulative, in order, and end in +Inf equal to _count.
  const std::vector<double>& bounds = ServerMetrics::BucketBoundsSeconds();
  for (const char* command : {"get", "set"}) {
    std::string label = std::string("command=\"") + command + "\"";
    double previous = 0;
    size_t buckets = 0;
    std::istringstream again(r->body);
    for (std::string line; std::getline(again, line);) {
      if (line.rfind("warp_command_duration_seconds_bucket{" + label + ",le=", 0) != 0) continue;
      double value = std::stod(line.substr(line.rfind(' ') + 1));
      CHECK(value >= previous);
      previous = value;
      if (buckets == bounds.size()) CHECK(line.find("le=\"+Inf\"") != std::string::npos);
      ++buckets;
    }
    CHECK(buckets == bounds.size() + 1);
    CHECK(previous == samples.at("warp_command_duration_seconds_count{" + label + "}"));
  }
  CHECK(samples.at(R"(warp_command_duration_seconds_bucket{command="get",le="1e-05"})") == 1);
  CHECK(samples.at(R"(warp_command_duration_seconds_bucket{command="get",le="0.0025"})") == 2);
  CHECK(samples.at(R"(warp_command_duration_seconds_sum{command="set"})") == Approx(3.0));
}

TEST_CASE("a busy port is an IOError naming the address, and a stopped server frees it") {
  HttpHarness h;
  ServerState other_state;
  HttpServer other(&other_state);
  Status s = other.Start("127.0.0.1", h.server.port());
  CHECK(s.IsIOError());
  CHECK(s.message().find("127.0.0.1:" + std::to_string(h.server.port())) != std::string::npos);
  CHECK(h.server.Start("127.0.0.1", 0).IsInvalidArgument());

  uint16_t port = h.server.port();
  h.server.Stop();
  h.server.Stop();  // idempotent
  CHECK_FALSE(h.client->Get("/v1/health"));
  REQUIRE(other.Start("127.0.0.1", port).ok());
  httplib::Client client("127.0.0.1", port);
  auto r = client.Get("/v1/health");
  REQUIRE(r);
  CHECK(r->status == 503);  // other_state has no universe
}

}  // namespace warp::server
