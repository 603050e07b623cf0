// warpd: a WarpEngine universe as a standalone process.
//
// Opens the universe described by the configuration, logs its health and the data directory
// it manages, starts the front-ends (RESP on server.port, HTTP on server.http_port, under the
// front-ends supervisor), logs "resp: listening on ADDR:PORT" and "http: listening on
// ADDR:PORT", then "warpd ready", and serves until SIGINT, SIGTERM or a client's SHUTDOWN.
// Shutdown: stop accepting, let in-flight commands finish and their replies go out (bounded),
// take a checkpoint (server.shutdown_checkpoint, skipped by SHUTDOWN NOSAVE), then close the
// universe, which fsyncs every WAL, stops the supervision tree in reverse order and records a
// clean shutdown. Exit codes: 0 clean, 1 could not open or serve, 2 bad command line or
// configuration.

#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/cycle_clock.h"
#include "common/log.h"
#include "common/malloc_tuning.h"
#include "config/config.h"
#include "server/client_registry.h"
#include "server/command.h"
#include "server/front_ends.h"
#include "server/metrics.h"
#include "server/resp_server.h"
#include "server/warpd_args.h"
#include "warp/universe.h"
#include "warp/version.h"

namespace {

// Signals are blocked in every thread (CAF's workers inherit the mask) and taken by sigwait.
sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void LogHealth(warp::Universe& universe) {
  warp::Health health = universe.Health();
  warp::UniverseStats stats = universe.Stats();
  warp::log::Info("health: ", warp::HealthLevelName(health.level), "; data directory ",
                  health.data_dir, " (", health.shards, " shards, ", stats.total.keys, " keys)",
                  health.recovered_from_crash ? "; previous session did not close cleanly" : "");
  std::ostringstream actors;
  for (const warp::ActorStatus& actor : health.actors) {
    actors << " " << actor.path << "=" << actor.state;
  }
  warp::log::Info("actors:", actors.str());
  for (const std::string& problem : health.problems) warp::log::Warn("problem: ", problem);
  for (const std::string& notice : health.notices) warp::log::Warn("recovery: ", notice);
}

}  // namespace

int main(int argc, char** argv) {
  // Two malloc arenas for the whole process: record rebuilds by demotion and promotion across
  // event-loop threads otherwise fragment per-thread arenas (common/malloc_tuning.h).
  warp::LimitMallocArenas(2);
  std::vector<std::string> args(argv + 1, argv + argc);
  warp::WarpdCommand command;
  warp::Status s = warp::ParseWarpdArgs(args, &command);
  if (!s.ok()) {
    std::cerr << "warpd: " << s.message() << "\n";
    return 2;
  }
  if (command.show_help) {
    std::cout << warp::WarpdUsage();
    return 0;
  }
  if (command.show_config_keys) {
    std::cout << warp::config::DescribeKeys();
    return 0;
  }

  sigset_t signals = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  warp::log::Info("warpd ", warp::kWarpVersion, " starting, config ",
                  command.config_path.empty() ? "<built-in default>" : command.config_path);
  warp::Universe universe;
  s = universe.Open(command.options);
  if (!s.ok()) {
    warp::log::Error("cannot open the universe: ", s.ToString());
    return 1;
  }
  LogHealth(universe);

  const warp::ServerOptions& server_options = command.options.server;
  std::vector<std::string> command_names;
  for (const auto& spec : warp::server::Commands().all()) command_names.emplace_back(spec.name);
  warp::server::ServerMetrics metrics(command_names,
                                      warp::server::ResolveIoThreads(server_options.io_threads));
  warp::server::ClientRegistry clients;
  warp::server::ServerState state;
  state.universe = &universe;
  state.metrics = &metrics;
  state.clients = &clients;
  state.config.SetRequirepass(server_options.requirepass);
  state.config.maxclients = server_options.maxclients;
  state.config.proto_max_bulk_len = server_options.proto_max_bulk_len;
  state.config.client_query_buffer_limit = server_options.client_query_buffer_limit;
  state.config.client_output_buffer_limit = server_options.client_output_buffer_limit;
  state.start_ms = warp::server::NowUnixMs();
  state.lastsave_s = state.start_ms / 1000;
  state.config_file = command.config_path;
  state.request_shutdown = [] { ::kill(::getpid(), SIGTERM); };

  warp::server::FrontEnds front_ends(&universe, &state);
  s = front_ends.Start(server_options);
  if (!s.ok()) {
    warp::log::Error("cannot start the front-ends: ", s.ToString());
    universe.Close();
    return 1;
  }
  state.tcp_port = front_ends.resp_port();
  warp::log::Info("resp: listening on ", server_options.bind, ":", front_ends.resp_port());
  warp::log::Info("http: listening on ", server_options.bind, ":", front_ends.http_port());
  warp::log::Info("front-ends: ", front_ends.Describe());
  warp::log::Info("warpd ready (pid ", ::getpid(), "); stop with SIGINT, SIGTERM or SHUTDOWN");

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  if (state.shutdown_requested) {
    warp::log::Info("SHUTDOWN requested by a client, shutting down");
  } else {
    warp::log::Info("received ", signal_number == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down");
  }
  front_ends.Stop();
  warp::log::Info("front-ends stopped; no connection is served any more");
  {
    std::lock_guard<std::mutex> lock(state.bgsave_mu);
    if (state.bgsave_thread.joinable()) state.bgsave_thread.join();  // a BGSAVE in progress
  }
  bool checkpoint = server_options.shutdown_checkpoint == "yes" && !state.shutdown_nosave;
  int exit_code = 0;
  if (checkpoint) {
    s = universe.Checkpoint();
    if (s.ok()) {
      warp::log::Info("shutdown checkpoint taken");
    } else {
      warp::log::Error("shutdown checkpoint failed (the WAL still holds every write): ",
                       s.ToString());
    }
  }
  s = universe.Close();
  if (!s.ok()) {
    warp::log::Error("shutdown: ", s.ToString());
    exit_code = 1;
  } else {
    warp::log::Info("warpd stopped cleanly");
  }
  return exit_code;
}
