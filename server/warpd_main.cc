// warpd: a WarpEngine universe as a standalone process.
//
// Opens the universe described by the configuration, logs its health and the data directory
// it manages, then serves until SIGINT or SIGTERM, when it stops the supervision tree in
// reverse order and records a clean shutdown. Exit codes: 0 clean, 1 could not open,
// 2 bad command line or configuration.

#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/config.h"
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
  warp::log::Info("warpd ready (pid ", ::getpid(), "); stop with SIGINT or SIGTERM");

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  warp::log::Info("received ", signal_number == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down");
  s = universe.Close();
  if (!s.ok()) {
    warp::log::Error("shutdown: ", s.ToString());
    return 1;
  }
  warp::log::Info("warpd stopped cleanly");
  return 0;
}
