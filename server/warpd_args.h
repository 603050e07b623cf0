// Command line of warpd: which configuration to load and what to override.
//
//   warpd [--config FILE] [--data DIR] [--port N] [--set KEY=VALUE]... [--help] [--help-config]
//
// Layering (later wins): built-in defaults (= config/warpengine.yaml), the --config file,
// then --data, --port and --set in the order given. --data D is --set data_dir=D and
// --port N is --set server.port=N, so every override is validated like the file.
// Errors name the offending argument. Pure function of its inputs; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "warp/options.h"
#include "warp/status.h"

namespace warp {

struct WarpdCommand {
  Options options;
  std::string config_path;  // "" = the embedded default
  bool show_help = false;
  bool show_config_keys = false;
};

Status ParseWarpdArgs(const std::vector<std::string>& args, WarpdCommand* command);

// The --help text.
std::string WarpdUsage();

}  // namespace warp
