#include "server/front_ends.h"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/log.h"
#include "engine/universe_runtime.h"
#include "server/client_registry.h"
#include "server/http_server.h"
#include "server/resp_server.h"
#include "supervision/supervisor.h"

namespace warp::server {

namespace {

using listener_failed_atom = caf::atom_constant<caf::atom("lst_fail")>;

}  // namespace

// One listener as its actors see it. The first start happens in FrontEnds::Start (so a port in
// use fails warpd's start at once, with the address); each later actor incarnation restarts
// the server on the port bound first.
struct FrontEnds::Listener {
  std::string name;  // "resp" | "http"
  std::string bind;
  uint16_t requested_port = 0;
  // Starts the server on `port`; the server calls on_failure (from any thread) if its event
  // loop fails later.
  std::function<Status(uint16_t port, uint16_t* bound,
                       std::function<void(const std::string&)> on_failure)>
      start;
  std::function<void()> stop;

  std::mutex stop_mu;  // serializes Start() and Stop(); taken before mu
  mutable std::mutex mu;
  uint16_t bound_port = 0;  // 0 until the first successful start
  // FrontEnds::Start started the server and no actor owns it yet: the first incarnation adopts
  // it. Every later incarnation starts the server itself (after its predecessor stopped it).
  bool adopt_pending = false;
  caf::actor_addr owner;    // the actor incarnation that owns the running server
  uint64_t generation = 0;  // counts successful starts (guarded by stop_mu)

  // Starts the server; *started receives this start's generation.
  Status Start(uint64_t* started = nullptr) {
    std::lock_guard<std::mutex> starting(stop_mu);
    uint16_t port;
    {
      std::lock_guard<std::mutex> lock(mu);
      port = bound_port != 0 ? bound_port : requested_port;
    }
    uint16_t bound = 0;
    Status s = start(port, &bound, [this](const std::string& why) { ReportFailure(why); });
    std::lock_guard<std::mutex> lock(mu);
    if (s.ok()) {
      bound_port = bound;
      ++generation;
      if (started) *started = generation;
    }
    return s;
  }

  uint64_t CurrentGeneration() {
    std::lock_guard<std::mutex> lock(stop_mu);
    return generation;
  }

  // Serialized: the owner actor's exit and FrontEnds::Stop may both stop the server, and
  // CAF may report the actor down before its exit functor has finished.
  void Stop() {
    std::lock_guard<std::mutex> stopping(stop_mu);
    stop();
  }

  // Stops the server only if it is still the one started as `started`: an actor's exit must
  // not stop the server its successor has already started again.
  void StopIf(uint64_t started) {
    std::lock_guard<std::mutex> stopping(stop_mu);
    if (generation == started) stop();
  }

  // An event loop died: its owner actor quits with the reason, and its supervisor restarts it.
  void ReportFailure(const std::string& why) {
    caf::actor_addr actor;
    {
      std::lock_guard<std::mutex> lock(mu);
      actor = owner;
    }
    if (auto handle = caf::actor_cast<caf::actor>(actor)) {
      caf::anon_send(handle, listener_failed_atom::value, why);
    }
  }
};

namespace {

// The child actor: owns its listener's server while it lives. The first incarnation adopts the
// server FrontEnds::Start started; a restarted one starts it again.
caf::behavior ListenerActor(caf::event_based_actor* self,
                            std::shared_ptr<FrontEnds::Listener> listener) {
  bool adopt;
  {
    std::lock_guard<std::mutex> lock(listener->mu);
    listener->owner = self->address();
    adopt = listener->adopt_pending;
    listener->adopt_pending = false;
  }
  uint64_t generation = 0;
  if (adopt) {
    generation = listener->CurrentGeneration();
  } else {
    Status s = listener->Start(&generation);
    if (!s.ok()) {
      log::Error(listener->name, ": ", s.ToString());
      self->quit(caf::make_error(caf::sec::runtime_error, listener->name + ": " + s.ToString()));
      return {};
    }
    log::Info(listener->name, ": listening again on ", listener->bind, ":", listener->bound_port);
  }
  self->attach_functor([listener, generation] { listener->StopIf(generation); });
  return {
      [self, listener](listener_failed_atom, const std::string& why) {
        log::Error(listener->name, ": event loop failed: ", why, "; restarting the listener");
        self->quit(caf::make_error(caf::sec::runtime_error, listener->name + ": " + why));
      },
  };
}

supervision::ChildSpec ListenerSpec(std::shared_ptr<FrontEnds::Listener> listener) {
  supervision::ChildSpec spec;
  spec.id = listener->name;
  spec.start = [listener](caf::actor_system& system) {
    return caf::actor_cast<caf::actor>(system.spawn<caf::detached>(ListenerActor, listener));
  };
  spec.restart = supervision::Restart::kPermanent;
  spec.shutdown_timeout = std::chrono::seconds(10);
  return spec;
}

}  // namespace

FrontEnds::FrontEnds(Universe* universe, ServerState* state) : universe_(universe), state_(state) {}

FrontEnds::~FrontEnds() { Stop(); }

Status FrontEnds::Start(const ServerOptions& options) {
  caf::actor_system& system = ActorSystemOf(*universe_);
  // The listeners' servers live as long as this object; each actor incarnation starts and
  // stops them.
  auto resp_server = std::make_shared<RespServer>(state_);
  ClientRegistry* clients = state_->clients;
  auto http_server = std::make_shared<HttpServer>(state_, [clients] { return clients->size(); });
  resp_ = std::make_shared<Listener>();
  resp_->name = "resp";
  resp_->bind = options.bind;
  resp_->requested_port = static_cast<uint16_t>(options.port);
  size_t io_threads = ResolveIoThreads(options.io_threads);
  std::chrono::microseconds busy_poll(options.busy_poll_us);
  resp_->start = [resp_server, bind = options.bind, io_threads, busy_poll](
                     uint16_t port, uint16_t* bound,
                     std::function<void(const std::string&)> on_failure) {
    RespServerOptions resp_options;
    resp_options.bind = bind;
    resp_options.port = port;
    resp_options.io_threads = io_threads;
    resp_options.busy_poll = busy_poll;
    resp_options.on_failure = std::move(on_failure);
    Status s = resp_server->Start(resp_options);
    *bound = resp_server->port();
    return s;
  };
  resp_->stop = [resp_server] { resp_server->Stop(); };

  http_ = std::make_shared<Listener>();
  http_->name = "http";
  http_->bind = options.bind;
  http_->requested_port = static_cast<uint16_t>(options.http_port);
  http_->start = [http_server, bind = options.bind](uint16_t port, uint16_t* bound,
                                                    std::function<void(const std::string&)>) {
    Status s = http_server->Start(bind, port);
    *bound = http_server->port();
    return s;
  };
  http_->stop = [http_server] { http_server->Stop(); };

  // Bind both before the supervisor exists: a port in use is an error of this call.
  Status s = resp_->Start();
  if (s.ok()) {
    s = http_->Start();
    if (!s.ok()) resp_->Stop();
  }
  if (!s.ok()) return s;
  for (const auto& listener : {resp_, http_}) {
    std::lock_guard<std::mutex> lock(listener->mu);
    listener->adopt_pending = true;
  }

  supervision::SupervisorFlags flags;
  flags.name = "front-ends";
  flags.strategy = supervision::Strategy::kOneForOne;
  flags.max_restarts = universe_->options().supervision.max_restarts;
  flags.period = std::chrono::milliseconds(universe_->options().supervision.period_ms);
  supervisor_ =
      supervision::SpawnSupervisor(system, flags, {ListenerSpec(resp_), ListenerSpec(http_)});
  return Status::OK();
}

uint16_t FrontEnds::resp_port() const {
  if (!resp_) return 0;
  std::lock_guard<std::mutex> lock(resp_->mu);
  return resp_->bound_port;
}

uint16_t FrontEnds::http_port() const {
  if (!http_) return 0;
  std::lock_guard<std::mutex> lock(http_->mu);
  return http_->bound_port;
}

void FrontEnds::Stop() {
  if (!supervisor_) {
    for (const auto& listener : {resp_, http_}) {
      if (listener) listener->Stop();
    }
    return;
  }
  // The supervisor stops its children in reverse order (http, then resp); each child's exit
  // stops its listener, the RESP one after draining its connections. A listener whose actor
  // never started (the supervisor gave up) is stopped here.
  supervision::ShutdownSupervisor(ActorSystemOf(*universe_), supervisor_, std::chrono::seconds(30));
  supervisor_ = nullptr;
  for (const auto& listener : {resp_, http_}) {
    if (listener) listener->Stop();
  }
}

std::string FrontEnds::Describe() {
  if (!supervisor_) return "front-ends stopped";
  caf::scoped_actor self{ActorSystemOf(*universe_)};
  std::ostringstream out;
  self->request(supervisor_, std::chrono::seconds(2), supervision::status_tree_atom::value)
      .receive(
          [&](const std::vector<supervision::ChildStatus>& children) {
            for (const auto& child : children) out << " " << child.path << "=" << child.state;
          },
          [&](caf::error&) { out << " (no answer)"; });
  std::string text = out.str();
  return text.empty() ? text : text.substr(1);
}

}  // namespace warp::server
