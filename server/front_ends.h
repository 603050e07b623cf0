// FrontEnds: warpd's network listeners as actors under their own supervisor (DESIGN.md
// section 3, "front-ends"):
//
//   front-ends (one_for_one)
//   ├── resp    owns the RespServer (Asio event loops, server/resp_server.h)
//   └── http    owns the HttpServer (cpp-httplib, server/http_server.h)
//
// Each child actor owns its listener: it stops it when it ends, and a restarted incarnation
// starts it again on the port bound first, so the supervisor's restart of a child is a restart
// of that listener. The first start happens before the supervisor exists, in Start(). A
// listener whose event loop fails (an exception escaping a handler) makes its actor quit with
// an error, which the supervisor sees like any crash. The actors run detached: starting and
// stopping a listener blocks (bind, thread joins, draining connections).
//
// The supervisor runs in the Universe's actor system, beside the engine's root supervisor.
// Thread-safety: Start/Stop and the accessors from one controlling thread.
#pragma once

#include <caf/actor.hpp>
#include <memory>
#include <string>

#include "server/command.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp::server {

class FrontEnds {
 public:
  // REQUIRES: universe is open; state outlives this object and has metrics and clients set.
  FrontEnds(Universe* universe, ServerState* state);
  ~FrontEnds();  // Stop()s

  // Binds and starts both listeners, then the supervisor whose actors adopt them. An error
  // (a port in use, a bad address) names the listener and the address; nothing is left running.
  Status Start(const ServerOptions& options);
  uint16_t resp_port() const;
  uint16_t http_port() const;
  // Stops both listeners (RESP first: it drains its connections), then the supervisor.
  void Stop();
  // Supervision state of the listeners ("front-ends/resp=running ...").
  std::string Describe();

  struct Listener;  // one child's listener (front_ends.cc)

 private:
  Universe* universe_;
  ServerState* state_;
  std::shared_ptr<Listener> resp_;
  std::shared_ptr<Listener> http_;
  caf::actor supervisor_;
};

}  // namespace warp::server
