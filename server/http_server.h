// HttpServer: warpd's HTTP front-end: a small REST API over the Universe's keyspace, health and
// stats as JSON, and the Prometheus /metrics exposition (docs/http_api.md lists every endpoint,
// status code and metric name).
//
// Built on cpp-httplib (Debian's libcpp-httplib, a compiled library): one listener thread
// accepts, a fixed pool of handler threads serves the connections (blocking I/O, one request at
// a time per connection). Handlers call the Universe directly from the handler thread, as the
// RESP front-end does; /v1/health, /v1/stats and /metrics ask the actors (milliseconds), so they
// are for monitoring, not the data path.
//
// Keys in URLs are percent-decoded byte for byte (%00..%FF), so every binary key is reachable;
// they are the Universe's own keys, which are RESP database 0's keys (server/command.h,
// EncodeKey). Limits: a request body larger than max_body_bytes() (default 512 MiB, Redis's
// proto-max-bulk-len) is refused with 413, whether it announces its length or is chunked;
// a client that stays silent for 5 s while sending or receiving is disconnected, and an idle
// keep-alive connection is closed after 2 s.
//
// Errors are JSON, {"error": {"code": "not_found", "message": "key 'a' not found"}}, with
// HTTP 400 (bad parameter, named in the message), 404, 405, 413, 500 and 503 (universe not
// open, or a shard refusing writes after a failed WAL write or fsync).
//
// Thread-safety: Start/Stop/port are called by one controlling thread. Handlers run on the
// server's own threads and only read ServerState (its counters are atomics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "warp/status.h"

namespace warp::server {

struct ServerState;  // server/command.h

class HttpServer {
 public:
  static constexpr size_t kDefaultMaxBodyBytes = size_t{512} << 20;

  // REQUIRES: state (and its universe and metrics, either of which may be null) outlives the
  // server. `connected_clients`, if given, reports the RESP connections open now (it must be
  // callable from any thread); without it warp_connected_clients and the stats field are
  // left out.
  explicit HttpServer(ServerState* state, std::function<size_t()> connected_clients = {});
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds bind:port (port 0 = any free port) and serves on its own threads. IOError naming
  // the address if it cannot bind; InvalidArgument if already started. May be called again
  // after Stop().
  Status Start(const std::string& bind, uint16_t port);
  uint16_t port() const;  // the bound port (0 before Start)
  // Idempotent; returns when no handler runs any more (a request being read or written ends
  // within the 5 s I/O timeout, an idle keep-alive connection within 2 s).
  void Stop();

  // The largest request body accepted. REQUIRES: not started.
  void set_max_body_bytes(size_t bytes);
  size_t max_body_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp::server
