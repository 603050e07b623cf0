#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/wall_clock.h"
#include "server/command.h"
#include "server/metrics.h"
#include "warp/universe.h"

namespace warp::server {

namespace {

using nlohmann::json;

// Monitoring and admin traffic, not the data path: a few threads suffice, and they bound how
// many Stats() round trips to the actors can be in flight.
constexpr size_t kHandlerThreads = 4;
constexpr time_t kIoTimeoutS = 5;
constexpr time_t kKeepAliveTimeoutS = 2;  // also bounds how long Stop() waits for idle clients
constexpr size_t kKeepAliveMaxRequests = 100;
constexpr uint64_t kDefaultScanCount = 10;
constexpr uint64_t kMaxScanCount = 10000;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Strict decimal: digits only (no sign, no spaces), within 64 bits.
bool ParseUint64(std::string_view text, uint64_t* value) {
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, *value);
  return error == std::errc() && stop == end && !text.empty();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding, byte for byte (so %00 and %FF work). httplib's own decoder also
// rewrites "%uXXXX" as UTF-8, which would make some keys unreachable. In a query '+' is a
// space, as HTML forms send it. false if a '%' is not followed by two hex digits.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(plus_is_space && in[i] == '+' ? ' ' : in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t n = uint8_t(in[i]) << 16;
    if (rest == 2) n |= uint8_t(in[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Messages may quote binary keys: invalid UTF-8 becomes U+FFFD instead of an exception.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void ReplyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(Dump(body), "application/json");
}

const char* ErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    case 416:
      return "range_not_satisfiable";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "bad_request";
  }
}

// What httplib refused before any endpoint ran.
std::string HttpLayerMessage(int status) {
  switch (status) {
    case 400:
      return "the request could not be parsed as HTTP/1.1";
    case 413:
      return "the request body is too large";
    case 414:
      return "the request line is longer than 8192 bytes";
    case 416:
      return "the Range header is not valid";
    default:
      return "the HTTP layer refused the request (status " + std::to_string(status) + ")";
  }
}

void ReplyError(httplib::Response& res, int status, std::string_view message) {
  ReplyJson(res, status, {{"error", {{"code", ErrorCode(status)}, {"message", message}}}});
}

// The one place where engine Statuses become HTTP: a refused write (sticky IOError after a
// failed WAL write or fsync) and a closed universe are 503, the client may retry elsewhere.
void ReplyStatus(httplib::Response& res, const Status& s) {
  int status = 500;
  if (s.IsNotFound()) status = 404;
  if (s.IsInvalidArgument()) status = 400;
  if (s.IsUnavailable() || s.IsIOError() || s.IsBusy()) status = 503;
  ReplyError(res, status, s.ToString());
}

std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

// The query string of one request, percent-decoded. Parameters are checked against what the
// endpoint accepts, so a typo ("ttl=") is a 400 rather than silently ignored.
class Query {
 public:
  // `accepted`: comma-separated names. InvalidArgument naming the parameter otherwise.
  Status Parse(std::string_view raw, std::string_view accepted) {
    while (!raw.empty()) {
      size_t amp = raw.find('&');
      std::string_view item = raw.substr(0, amp);
      raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
      if (item.empty()) continue;
      size_t eq = item.find('=');
      std::string name, value;
      if (!PercentDecode(item.substr(0, eq), true, &name) ||
          (eq != std::string_view::npos && !PercentDecode(item.substr(eq + 1), true, &value))) {
        return Status::InvalidArgument("query parameter '" + std::string(item) +
                                       "' is not validly percent-encoded");
      }
      if (!Accepts(accepted, name)) {
        return Status::InvalidArgument("unknown query parameter '" + name + "'" +
                                       (accepted.empty()
                                            ? std::string(" (this endpoint takes none)")
                                            : " (accepted: " + std::string(accepted) + ")"));
      }
      for (const auto& [seen, unused] : params_) {
        if (seen == name) {
          return Status::InvalidArgument("query parameter '" + name + "' is repeated");
        }
      }
      params_.emplace_back(std::move(name), std::move(value));
    }
    return Status::OK();
  }

  const std::string* Find(std::string_view name) const {
    for (const auto& [n, v] : params_) {
      if (n == name) return &v;
    }
    return nullptr;
  }

 private:
  static bool Accepts(std::string_view accepted, std::string_view name) {
    while (!accepted.empty()) {
      size_t comma = accepted.find(',');
      if (accepted.substr(0, comma) == name) return true;
      if (comma == std::string_view::npos) break;
      accepted.remove_prefix(comma + 1);
    }
    return false;
  }

  std::vector<std::pair<std::string, std::string>> params_;
};

// A number query parameter within [min, max]; InvalidArgument naming it.
Status NumberParam(const Query& query, std::string_view name, uint64_t min, uint64_t max,
                   uint64_t* value) {
  const std::string* text = query.Find(name);
  if (text == nullptr) return Status::OK();
  if (!ParseUint64(*text, value) || *value < min || *value > max) {
    return Status::InvalidArgument(std::string(name) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                                   *text + "'");
  }
  return Status::OK();
}

// Every field of ShardStats, plus the WAL lag it implies.
json ShardJson(const ShardStats& s) {
  return {{"shard", s.shard},
          {"slots", s.slots},
          {"keys", s.keys},
          {"bytes", s.bytes},
          {"reads", s.reads},
          {"writes", s.writes},
          {"deletes", s.deletes},
          {"last_lsn", s.last_lsn},
          {"ops_per_sec", s.ops_per_sec},
          {"adoptions", s.adoptions},
          {"durable_lsn", s.durable_lsn},
          {"wal_lag", s.last_lsn >= s.durable_lsn ? s.last_lsn - s.durable_lsn : 0},
          {"wal_bytes", s.wal_bytes},
          {"wal_syncs", s.wal_syncs},
          {"snapshot_lsn", s.snapshot_lsn},
          {"snapshot_keys", s.snapshot_keys},
          {"snapshots", s.snapshots},
          {"volatile_keys", s.volatile_keys},
          {"expired", s.expired},
          {"tiers",
           {{"hot", {{"keys", s.hot_keys}, {"bytes", s.hot_bytes}}},
            {"warm", {{"keys", s.warm_keys}, {"bytes", s.warm_bytes}}},
            {"cold", {{"keys", s.cold_keys}, {"bytes", s.cold_bytes}}},
            {"memory_bytes", s.memory_bytes},
            {"memory_budget", s.memory_budget},
            {"demoted_to_warm", s.demoted_to_warm},
            {"demoted_to_cold", s.demoted_to_cold},
            {"promoted", s.promoted},
            {"cold_reads", s.cold_reads}}},
          {"value_log",
           {{"bytes", s.value_log_bytes},
            {"dead_bytes", s.value_log_dead_bytes},
            {"reclaimed_bytes", s.value_log_reclaimed_bytes},
            {"files_compacted", s.value_log_files_compacted}}}};
}

json CacheJson(const CacheStats& c) {
  return {{"capacity_bytes", c.capacity_bytes},
          {"l1", {{"hits", c.l1_hits}, {"entries", c.l1_entries}, {"bytes", c.l1_bytes}}},
          {"l2", {{"hits", c.l2_hits}, {"entries", c.l2_entries}, {"bytes", c.l2_bytes}}},
          {"misses", c.misses},
          {"evictions", c.evictions}};
}

json ActorsJson(const std::vector<ActorStatus>& actors) {
  json list = json::array();
  for (const ActorStatus& a : actors) {
    list.push_back({{"path", a.path}, {"state", a.state}, {"restarts", a.restarts}});
  }
  return list;
}

json HealthJson(const Health& h) {
  return {{"level", HealthLevelName(h.level)},
          {"data_dir", h.data_dir},
          {"shards", h.shards},
          {"uptime_ms", h.uptime_ms},
          {"recovered_from_crash", h.recovered_from_crash},
          {"problems", h.problems},
          {"notices", h.notices},
          {"actors", ActorsJson(h.actors)}};
}

// The server-wide counters, named once for both /v1/stats (json) and /metrics (metric).
struct CounterSpec {
  const char* json;
  const char* metric;
  const char* help;
  std::atomic<uint64_t> ServerCounters::*field;
};
constexpr CounterSpec kCounters[] = {
    {"connections_received", "warp_connections_received_total",
     "Connections accepted by the RESP server.", &ServerCounters::connections_received},
    {"rejected_connections", "warp_rejected_connections_total",
     "Connections refused because maxclients was reached.", &ServerCounters::rejected_connections},
    {"commands_processed", "warp_commands_processed_total", "Commands run by the RESP server.",
     &ServerCounters::commands_processed},
    {"keyspace_hits", "warp_keyspace_hits_total", "Key lookups that found the key.",
     &ServerCounters::keyspace_hits},
    {"keyspace_misses", "warp_keyspace_misses_total", "Key lookups that found no key.",
     &ServerCounters::keyspace_misses},
    {"net_input_bytes", "warp_net_input_bytes_total", "Bytes read from RESP clients.",
     &ServerCounters::net_input_bytes},
    {"net_output_bytes", "warp_net_output_bytes_total", "Bytes written to RESP clients.",
     &ServerCounters::net_output_bytes},
    {"protocol_errors", "warp_protocol_errors_total",
     "RESP connections closed for a protocol error.", &ServerCounters::protocol_errors},
    {"output_limit_disconnections", "warp_output_limit_disconnections_total",
     "RESP clients closed for exceeding the output buffer limit.",
     &ServerCounters::output_limit_disconnections},
    {"expired_keys_seen", "warp_expired_keys_seen_total", "Reads that found a key expired.",
     &ServerCounters::expired_keys_seen},
};

}  // namespace

struct HttpServer::Impl {
  ServerState* state;
  std::function<size_t()> connected_clients;
  size_t max_body = kDefaultMaxBodyBytes;
  std::unique_ptr<httplib::Server> server;
  std::thread listener;
  uint16_t port = 0;

  // One request as the endpoint handlers see it.
  struct Call {
    const httplib::Request& req;
    httplib::Response& res;
    Query query;
    std::string key;   // /v1/keys/{key}, percent-decoded
    std::string body;  // PUT
  };

  // The endpoints. A route path ending in '/' takes the rest of the path as the key.
  struct Route {
    std::string_view path;
    std::string_view method;  // HEAD is served by GET
    std::string_view params;  // accepted query parameters, comma separated
    void (Impl::*handler)(Call&);
  };
  static const std::vector<Route>& Routes() {
    static const std::vector<Route> routes = {
        {"/v1/keys/", "GET", "format", &Impl::GetKey},
        {"/v1/keys/", "PUT", "ttl_ms", &Impl::PutKey},
        {"/v1/keys/", "DELETE", "", &Impl::DeleteKey},
        {"/v1/keys", "GET", "pattern,cursor,count", &Impl::ScanKeys},
        {"/v1/health", "GET", "", &Impl::GetHealth},
        {"/v1/stats", "GET", "", &Impl::GetStats},
        {"/metrics", "GET", "", &Impl::GetMetrics},
    };
    return routes;
  }

  void Configure(httplib::Server& s);
  void Dispatch(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader);
  bool ReadBody(Call& call, const httplib::ContentReader& reader, std::string* body);
  // Null (after replying 503) when there is no open universe to serve from.
  Universe* OpenUniverse(httplib::Response& res);

  void GetKey(Call& call);
  void PutKey(Call& call);
  void DeleteKey(Call& call);
  void ScanKeys(Call& call);
  void GetHealth(Call& call);
  void GetStats(Call& call);
  void GetMetrics(Call& call);
};

void HttpServer::Impl::Configure(httplib::Server& s) {
  s.new_task_queue = [] { return new httplib::ThreadPool(kHandlerThreads); };
  s.set_payload_max_length(max_body);
  s.set_read_timeout(kIoTimeoutS, 0);
  s.set_write_timeout(kIoTimeoutS, 0);
  s.set_keep_alive_timeout(kKeepAliveTimeoutS);
  s.set_keep_alive_max_count(kKeepAliveMaxRequests);
  s.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second warpd bind the same port
  // and share its connections instead of failing. SO_REUSEADDR alone allows a quick restart.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  using HR = httplib::Server::HandlerResponse;
  // Every request passes here first. Requests without a body are dispatched at once, without
  // httplib's regex router: it matches std::regex against the decoded path, and libstdc++'s
  // regex recurses once per byte (an 8 KiB key path needs megabytes of stack). Requests with a
  // body must go through httplib's content-reader handlers; their path is cleared first so the
  // match is trivial (Dispatch reads the raw target, never the decoded path). Range headers are
  // dropped: httplib would cut every reply to them, error replies included. The Request is
  // httplib's own mutable object, const only in the callback's signature.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    auto& mutable_req = const_cast<httplib::Request&>(req);
    mutable_req.ranges.clear();
    bool body_method = req.method == "PUT" || req.method == "POST" || req.method == "PATCH" ||
                       req.method == "DELETE";
    bool has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
    if (!body_method || !has_body) {
      Dispatch(req, res, nullptr);
      return HR::Handled;
    }
    mutable_req.path.clear();
    return HR::Unhandled;
  });
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) { Dispatch(req, res, &reader); };
  s.Put("", with_body).Post("", with_body).Patch("", with_body).Delete("", with_body);
  // A client announcing (Expect: 100-continue) a body over the limit is refused before it sends.
  s.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    uint64_t length = 0;
    if (ParseUint64(req.get_header_value("Content-Length"), &length) && length > max_body) {
      ReplyError(res, 413, "the request body exceeds " + std::to_string(max_body) + " bytes");
      return 413;
    }
    return 100;
  });
  // Errors httplib detects itself (malformed request line, URI too long, bad Range) get the
  // same JSON shape as ours; replies that already carry a body are ours.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return HR::Unhandled;
        ReplyError(res, res.status, HttpLayerMessage(res.status));
        return HR::Handled;
      }));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          what = ex.what();
        } catch (...) {
        }
        ReplyError(res, 500, "internal error: " + what);
      });
}

void HttpServer::Impl::Dispatch(const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader* reader) {
  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? "" : target.substr(q + 1);
  std::string_view method = req.method == "HEAD" ? "GET" : std::string_view(req.method);
  Call call{req, res, {}, {}, {}};
  const Route* route = nullptr;
  std::string allow;
  for (const Route& r : Routes()) {
    bool match = r.path.back() == '/' ? StartsWith(path, r.path) : path == r.path;
    if (!match) continue;
    allow +=
        (allow.empty() ? "" : ", ") + std::string(r.method) + (r.method == "GET" ? ", HEAD" : "");
    if (r.method == method) route = &r;
  }
  // The body is read (or drained) whatever the reply, so the connection can serve the next
  // request; only a PUT of a key keeps it.
  if (reader != nullptr &&
      !ReadBody(call, *reader, route != nullptr && method == "PUT" ? &call.body : nullptr)) {
    return;
  }
  if (allow.empty()) {
    return ReplyError(res, 404, "no endpoint at " + std::string(path) + " (see docs/http_api.md)");
  }
  if (route == nullptr) {
    res.set_header("Allow", allow);
    if (method == "OPTIONS") {
      res.status = 204;
      return;
    }
    return ReplyError(res, 405,
                      "method " + req.method + " is not allowed on " + std::string(path) +
                          " (allowed: " + allow + ")");
  }
  Status s = call.query.Parse(raw_query, route->params);
  if (!s.ok()) return ReplyError(res, 400, s.message());
  if (route->path.back() == '/' &&
      !PercentDecode(path.substr(route->path.size()), false, &call.key)) {
    return ReplyError(res, 400, "the key in the path is not validly percent-encoded");
  }
  (this->*route->handler)(call);
}

bool HttpServer::Impl::ReadBody(Call& call, const httplib::ContentReader& reader,
                                std::string* body) {
  if (call.req.is_multipart_form_data()) {
    // httplib parses these itself; drain the parts so the connection stays usable.
    reader([](const httplib::MultipartFormData&) { return true; },
           [](const char*, size_t) { return true; });
    ReplyError(call.res, 415, "multipart bodies are not accepted: send the value as the raw body");
    return false;
  }
  uint64_t announced = 0;
  if (body != nullptr && ParseUint64(call.req.get_header_value("Content-Length"), &announced) &&
      announced <= max_body) {
    body->reserve(announced);
  }
  // The limit is checked here too: httplib enforces it only for a Content-Length, not for a
  // chunked body or a decompressed one. Past the limit the rest is read and dropped, as httplib
  // does for a Content-Length: closing with unread input would make the kernel reset the
  // connection, and the client could lose the 413 reply.
  size_t received = 0;
  bool too_large = false;
  bool ok = reader([&](const char* data, size_t n) {
    if (too_large) return true;
    received += n;
    if (received > max_body) {
      too_large = true;
      if (body != nullptr) std::string().swap(*body);
      return true;
    }
    if (body != nullptr) body->append(data, n);
    return true;
  });
  if (ok && !too_large) return true;
  if (too_large || call.res.status == 413) {
    ReplyError(call.res, 413, "the request body exceeds " + std::to_string(max_body) + " bytes");
  } else {
    call.res.set_header("Connection", "close");
    ReplyError(call.res, 400, "the request body could not be read (truncated or malformed)");
  }
  return false;
}

Universe* HttpServer::Impl::OpenUniverse(httplib::Response& res) {
  Universe* u = state->universe;
  if (u == nullptr || !u->IsOpen()) {
    ReplyError(res, 503, "the universe is not open");
    return nullptr;
  }
  return u;
}

void HttpServer::Impl::GetKey(Call& call) {
  const std::string* format = call.query.Find("format");
  if (format != nullptr && *format != "json" && *format != "raw") {
    return ReplyError(call.res, 400, "format must be 'json' or 'raw', got '" + *format + "'");
  }
  Universe* u = OpenUniverse(call.res);
  if (u == nullptr) return;
  std::string value;
  Cosmic cosmic;
  Status s = u->Get(call.key, &value, &cosmic);
  if (s.IsNotFound()) {
    state->counters.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    return ReplyError(call.res, 404, "key " + Quoted(call.key) + " not found");
  }
  if (!s.ok()) return ReplyStatus(call.res, s);
  state->counters.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  call.res.set_header("X-Warp-Shard", std::to_string(cosmic.shard));
  call.res.set_header("X-Warp-Version", std::to_string(cosmic.version));
  if (cosmic.expire_at_ms != 0) {
    call.res.set_header("X-Warp-Expire-At-Ms", std::to_string(cosmic.expire_at_ms));
  }
  if (format == nullptr || *format == "raw") {
    call.res.status = 200;
    call.res.set_content(std::move(value), "application/octet-stream");
    return;
  }
  json body = {{"shard", cosmic.shard}, {"version", cosmic.version}};
  body["expire_at_ms"] = cosmic.expire_at_ms != 0 ? json(cosmic.expire_at_ms) : json(nullptr);
  bool key_utf8 = IsValidUtf8(call.key);
  body["key"] = key_utf8 ? call.key : Base64(call.key);
  if (!key_utf8) body["key_encoding"] = "base64";
  bool value_utf8 = IsValidUtf8(value);
  body["value"] = value_utf8 ? std::move(value) : Base64(value);
  body["encoding"] = value_utf8 ? "utf8" : "base64";
  ReplyJson(call.res, 200, body);
}

void HttpServer::Impl::PutKey(Call& call) {
  int64_t now = SystemWallClock()->NowUnixMillis();
  uint64_t ttl_ms = 0;
  Status s = NumberParam(call.query, "ttl_ms", 1, uint64_t(INT64_MAX - now), &ttl_ms);
  if (!s.ok()) return ReplyError(call.res, 400, s.message());
  Universe* u = OpenUniverse(call.res);
  if (u == nullptr) return;
  int64_t expire_at_ms = ttl_ms != 0 ? now + static_cast<int64_t>(ttl_ms) : 0;
  // An Update that always stores, rather than a Put, because it reports whether the key
  // existed (201 Created vs 200) in the same atomic step. The callback runs exactly once.
  WriteResult w = u->Update(call.key, [&](const KeyState&, Mutation* m) {
    m->action = Mutation::Action::kPut;
    m->value = std::move(call.body);
    m->expire_at_ms = expire_at_ms;
  });
  if (!w.ok()) return ReplyStatus(call.res, w.status);
  json body = {{"created", !w.existed}, {"shard", w.cosmic.shard}, {"version", w.cosmic.version}};
  body["expire_at_ms"] = expire_at_ms != 0 ? json(expire_at_ms) : json(nullptr);
  ReplyJson(call.res, w.existed ? 200 : 201, body);
}

void HttpServer::Impl::DeleteKey(Call& call) {
  Universe* u = OpenUniverse(call.res);
  if (u == nullptr) return;
  WriteResult w = u->Delete(call.key);
  if (!w.ok()) return ReplyStatus(call.res, w.status);
  if (!w.existed) return ReplyError(call.res, 404, "key " + Quoted(call.key) + " not found");
  ReplyJson(call.res, 200,
            {{"deleted", true}, {"shard", w.cosmic.shard}, {"version", w.cosmic.version}});
}

void HttpServer::Impl::ScanKeys(Call& call) {
  uint64_t cursor = 0, count = kDefaultScanCount;
  const std::string* cursor_text = call.query.Find("cursor");
  if (cursor_text != nullptr && !ParseUint64(*cursor_text, &cursor)) {
    return ReplyError(call.res, 400,
                      "cursor must be a decimal 64-bit integer, got '" + *cursor_text + "'");
  }
  Status s = NumberParam(call.query, "count", 1, kMaxScanCount, &count);
  if (!s.ok()) return ReplyError(call.res, 400, s.message());
  Universe* u = OpenUniverse(call.res);
  if (u == nullptr) return;
  const std::string* pattern = call.query.Find("pattern");
  ScanResult r =
      u->Scan(pattern == nullptr || pattern->empty() ? Pattern::All() : Pattern::Glob(*pattern),
              cursor, count);
  if (!r.ok()) return ReplyStatus(call.res, r.status);
  // A batch is all text or all base64, so a client checks one field.
  bool utf8 = true;
  for (const std::string& key : r.keys) utf8 = utf8 && IsValidUtf8(key);
  json keys = json::array();
  for (std::string& key : r.keys) keys.push_back(utf8 ? std::move(key) : Base64(key));
  ReplyJson(call.res, 200,
            {{"keys", std::move(keys)},
             {"cursor", std::to_string(r.next_cursor)},
             {"encoding", utf8 ? "utf8" : "base64"}});
}

void HttpServer::Impl::GetHealth(Call& call) {
  Health health;  // level kDown until a universe says otherwise
  if (state->universe != nullptr) {
    health = state->universe->Health();
  } else {
    health.problems.push_back("the server has no universe");
  }
  ReplyJson(call.res, health.level == HealthLevel::kDown ? 503 : 200, HealthJson(health));
}

void HttpServer::Impl::GetStats(Call& call) {
  Universe* u = OpenUniverse(call.res);
  if (u == nullptr) return;
  UniverseStats stats = u->Stats();
  json shards = json::array();
  for (const ShardStats& s : stats.shards) shards.push_back(ShardJson(s));
  json server = {{"start_ms", state->start_ms},
                 {"uptime_ms",
                  state->start_ms != 0 ? SystemWallClock()->NowUnixMillis() - state->start_ms : 0}};
  if (connected_clients) server["connected_clients"] = connected_clients();
  for (const CounterSpec& c : kCounters) {
    server[c.json] = (state->counters.*c.field).load(std::memory_order_relaxed);
  }
  json commands = json::array();
  if (state->metrics != nullptr) {
    for (const auto& f : state->metrics->Collect()) {
      commands.push_back({{"name", f.name},
                          {"calls", f.calls},
                          {"failed", f.failed},
                          {"total_ns", f.total_ns},
                          {"usec_per_call", f.total_ns / 1e3 / f.calls}});
    }
  }
  ReplyJson(call.res, 200,
            {{"shards", std::move(shards)},
             {"total", ShardJson(stats.total)},
             {"event_horizon_cache", CacheJson(stats.cache)},
             {"actors", ActorsJson(stats.actors)},
             {"server", std::move(server)},
             {"commands", std::move(commands)}});
}

void HttpServer::Impl::GetMetrics(Call& call) {
  PrometheusText out;
  Universe* u = state->universe;
  bool open = u != nullptr && u->IsOpen();
  HealthLevel level = open ? u->Health().level : HealthLevel::kDown;
  out.Family("warp_health_level", "gauge",
             "Health of the universe: 0 healthy, 1 degraded, 2 down.");
  out.Sample("warp_health_level", {}, static_cast<double>(level));
  out.Family("warp_uptime_seconds", "gauge", "Seconds since the server started.");
  out.Sample(
      "warp_uptime_seconds", {},
      state->start_ms != 0 ? (SystemWallClock()->NowUnixMillis() - state->start_ms) / 1e3 : 0.0);
  if (connected_clients) {
    out.Family("warp_connected_clients", "gauge", "RESP client connections open now.");
    out.Sample("warp_connected_clients", {}, static_cast<double>(connected_clients()));
  }
  for (const CounterSpec& c : kCounters) {
    out.Family(c.metric, "counter", c.help);
    out.Sample(c.metric, {}, (state->counters.*c.field).load(std::memory_order_relaxed));
  }
  if (state->metrics != nullptr) WriteCommandMetrics(state->metrics->Collect(), &out);
  if (open) WriteEngineMetrics(u->Stats(), &out);
  call.res.status = 200;
  call.res.set_content(out.Take(), "text/plain; version=0.0.4; charset=utf-8");
}

HttpServer::HttpServer(ServerState* state, std::function<size_t()> connected_clients)
    : impl_(std::make_unique<Impl>()) {
  impl_->state = state;
  impl_->connected_clients = std::move(connected_clients);
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& bind, uint16_t port) {
  if (impl_->server != nullptr) {
    return Status::InvalidArgument("the HTTP server is already started");
  }
  auto server = std::make_unique<httplib::Server>();
  impl_->Configure(*server);
  errno = 0;
  int bound = port == 0 ? server->bind_to_any_port(bind)
                        : (server->bind_to_port(bind, port) ? int{port} : -1);
  if (bound <= 0) {
    int err = errno;
    return Status::IOError("cannot listen for HTTP on " + bind + ":" + std::to_string(port) +
                           (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
  impl_->port = static_cast<uint16_t>(bound);
  httplib::Server* s = server.get();
  impl_->server = std::move(server);
  auto returned = std::make_shared<std::atomic<bool>>(false);
  impl_->listener = std::thread([s, returned] {
    s->listen_after_bind();
    returned->store(true);
  });
  // httplib's stop() is a no-op until the listener has marked itself running: wait for that
  // (microseconds) so that a Stop() right after Start() cannot be lost.
  while (!s->is_running() && !returned->load()) std::this_thread::yield();
  return Status::OK();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->server == nullptr) return;
  // Closes the listening socket; listen_after_bind then shuts the thread pool down, which
  // joins every handler thread once its connection's current request is done.
  impl_->server->stop();
  if (impl_->listener.joinable()) impl_->listener.join();
  impl_->server.reset();
  impl_->port = 0;
}

void HttpServer::set_max_body_bytes(size_t bytes) {
  assert(impl_->server == nullptr);
  impl_->max_body = bytes;
}

size_t HttpServer::max_body_bytes() const { return impl_->max_body; }

}  // namespace warp::server
