#include "server/warpd_args.h"

#include "config/config.h"

namespace warp {

namespace {

// Splits "--name=value" forms; `value` is empty when there is no '='.
bool SplitInline(const std::string& arg, std::string* name, std::string* value) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos) {
    *name = arg;
    return false;
  }
  *name = arg.substr(0, eq);
  *value = arg.substr(eq + 1);
  return true;
}

}  // namespace

std::string WarpdUsage() {
  return "usage: warpd [--config FILE] [--data DIR] [--port N] [--http-port N] "
         "[--set KEY=VALUE]...\n"
         "\n"
         "Runs a WarpEngine universe as a standalone server until SIGINT or SIGTERM.\n"
         "\n"
         "  --config FILE     YAML configuration (default: the built-in config/warpengine.yaml)\n"
         "  --data DIR        data directory; same as --set data_dir=DIR\n"
         "  --port N          RESP port; same as --set server.port=N (0 = any free port)\n"
         "  --http-port N     HTTP port; same as --set server.http_port=N (0 = any free port)\n"
         "  --set KEY=VALUE   override one configuration key by its dotted path, e.g.\n"
         "                    --set wal.fsync=always; repeatable; validated like the file\n"
         "  --help-config     list every configuration key with its type and meaning\n"
         "  --help            this text\n"
         "\n"
         "Overrides apply after the file, in the order given.\n";
}

Status ParseWarpdArgs(const std::vector<std::string>& args, WarpdCommand* command) {
  std::vector<std::string> overrides;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name, value;
    bool has_inline = SplitInline(args[i], &name, &value);
    auto take_value = [&](std::string* out) -> Status {
      if (has_inline) {
        *out = value;
      } else if (i + 1 < args.size()) {
        *out = args[++i];
      } else {
        return Status::InvalidArgument("option " + name + " needs a value");
      }
      return Status::OK();
    };
    Status s;
    if (name == "--help" || name == "-h") {
      command->show_help = true;
    } else if (name == "--help-config") {
      command->show_config_keys = true;
    } else if (name == "--config") {
      s = take_value(&command->config_path);
    } else if (name == "--data") {
      s = take_value(&value);
      overrides.push_back("data_dir=" + value);
    } else if (name == "--port") {
      s = take_value(&value);
      overrides.push_back("server.port=" + value);
    } else if (name == "--http-port") {
      s = take_value(&value);
      overrides.push_back("server.http_port=" + value);
    } else if (name == "--set") {
      s = take_value(&value);
      overrides.push_back(value);
    } else {
      s = Status::InvalidArgument("unknown option '" + args[i] + "' (see warpd --help)");
    }
    if (!s.ok()) return s;
  }
  if (command->show_help || command->show_config_keys) return Status::OK();
  command->options = Options();
  if (!command->config_path.empty()) {
    Status s = config::LoadFile(command->config_path, &command->options);
    if (!s.ok()) return s;
  }
  for (const std::string& assignment : overrides) {
    Status s = config::ApplyOverride(assignment, &command->options);
    if (!s.ok()) return s;
  }
  return config::Validate(command->options);
}

}  // namespace warp
