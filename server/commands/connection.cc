// Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT.
//
// Replies and error texts follow Redis 7.0. There is one user, "default", whose password is
// server.requirepass (AUTH user pass accepts only that user, as Redis without ACL rules).

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

#include "server/client_registry.h"
#include "server/command.h"

namespace warp::server {

namespace {

constexpr std::string_view kErrWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kErrBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// Client names and library names: printable ASCII without spaces.
bool ValidClientName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '!' && c <= '~'; });
}

// Checks a password for `user` against requirepass. Sets client.authenticated on success.
// Without requirepass the default user takes any password (Redis's "nopass").
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  std::string required = ctx.server.config.Requirepass();
  if (user != "default" || (!required.empty() && password != required)) return false;
  ctx.client.authenticated = true;
  return true;
}

void Ping(CommandContext& ctx) {
  if (ctx.args.size() > 2) return ctx.out.Error(ErrWrongArity("ping"));
  if (ctx.args.size() == 2) return ctx.out.Bulk(ctx.args[1]);
  ctx.out.SimpleString("PONG");
}

void Echo(CommandContext& ctx) { ctx.out.Bulk(ctx.args[1]); }

void Auth(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ctx.out.Error(kErrSyntax);
  if (ctx.server.config.Requirepass().empty() && ctx.args.size() == 2) {
    return ctx.out.Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  std::string_view user = ctx.args.size() == 3 ? ctx.args[1] : std::string_view("default");
  if (!Authenticate(ctx, user, ctx.args.back())) return ctx.out.Error(kErrWrongPass);
  ctx.out.SimpleString("OK");
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CommandContext& ctx) {
  const auto& args = ctx.args;
  int64_t version = static_cast<int64_t>(ctx.client.protocol.load());
  size_t i = 1;
  if (args.size() >= 2) {
    if (!ParseInt64(args[1], &version)) {
      return ctx.out.Error("ERR Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return ctx.out.Error("NOPROTO unsupported protocol version");
    i = 2;
  }
  // Every option is parsed before any takes effect, as Redis does.
  std::string_view setname, user, password;
  bool has_setname = false, has_auth = false;
  for (; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "auth") && i + 2 < args.size()) {
      has_auth = true;
      user = args[i + 1];
      password = args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "setname") && i + 1 < args.size()) {
      setname = args[++i];
      has_setname = true;
    } else {
      return ctx.out.Error("ERR Syntax error in HELLO option '" + std::string(args[i]) + "'");
    }
  }
  if (has_auth && !Authenticate(ctx, user, password)) return ctx.out.Error(kErrWrongPass);
  if (!ctx.client.authenticated) {
    return ctx.out.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
  }
  if (has_setname && !ValidClientName(setname)) return ctx.out.Error(kErrBadClientName);
  if (has_setname) ctx.server.clients->SetName(&ctx.client, setname);
  auto protocol = version == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2;
  ctx.client.protocol = protocol;
  ctx.out.set_protocol(protocol);
  ctx.out.MapHeader(7);
  ctx.out.Bulk("server");
  ctx.out.Bulk("redis");
  ctx.out.Bulk("version");
  ctx.out.Bulk(kRedisCompatVersion);
  ctx.out.Bulk("proto");
  ctx.out.Integer(version);
  ctx.out.Bulk("id");
  ctx.out.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.out.Bulk("mode");
  ctx.out.Bulk("standalone");
  ctx.out.Bulk("role");
  ctx.out.Bulk("master");
  ctx.out.Bulk("modules");
  ctx.out.ArrayHeader(0);
}

void Select(CommandContext& ctx) {
  int64_t db;
  if (!ParseInt64(ctx.args[1], &db)) return ctx.out.Error(kErrNotInteger);
  if (db < 0 || db >= kDatabases) return ctx.out.Error(kErrDbIndex);
  ctx.client.db = static_cast<int>(db);
  ctx.out.SimpleString("OK");
}

void Quit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.out.SimpleString("OK");
}

void Reset(CommandContext& ctx) {
  ctx.client.db = 0;
  ctx.client.protocol = resp::Protocol::kResp2;
  ctx.out.set_protocol(resp::Protocol::kResp2);
  ctx.client.authenticated = ctx.server.config.Requirepass().empty();
  ctx.server.clients->SetName(&ctx.client, "");
  ctx.out.SimpleString("RESET");
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]
void ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  bool only_ids = false;
  bool none = false;  // a type no connection of this server has
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "type") && i + 1 < ctx.args.size()) {
      std::string_view type = ctx.args[++i];
      if (EqualsIgnoreCase(type, "normal")) continue;
      if (EqualsIgnoreCase(type, "master") || EqualsIgnoreCase(type, "replica") ||
          EqualsIgnoreCase(type, "slave") || EqualsIgnoreCase(type, "pubsub")) {
        none = true;
        continue;
      }
      return ctx.out.Error("ERR Unknown client type '" + std::string(type) + "'");
    } else if (EqualsIgnoreCase(ctx.args[i], "id") && i + 1 < ctx.args.size()) {
      only_ids = true;
      for (++i; i < ctx.args.size(); ++i) {
        int64_t id;
        if (!ParseInt64(ctx.args[i], &id) || id <= 0) {
          return ctx.out.Error("ERR Invalid client ID");
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      return ctx.out.Error(kErrSyntax);
    }
  }
  std::string text;
  if (!none) {
    int64_t now = NowUnixMs();
    ctx.server.clients->ForEach([&](const ClientState& client) {
      if (only_ids && std::find(ids.begin(), ids.end(), client.id) == ids.end()) return;
      text += DescribeClient(client, now);
      text += '\n';
    });
  }
  ctx.out.Bulk(text);
}

// CLIENT KILL addr:port (old form: +OK or an error) | CLIENT KILL <filter> <value> ... (new
// form: the number killed). Filters combine with AND; SKIPME defaults to yes, as in Redis.
void ClientKill(CommandContext& ctx) {
  const auto& args = ctx.args;
  ClientRegistry::KillFilter filter;
  if (args.size() == 3) {
    filter.addr.assign(args[2]);
    if (ctx.server.clients->Kill(filter) == 0) return ctx.out.Error("ERR No such client");
    return ctx.out.SimpleString("OK");
  }
  if (args.size() % 2 != 0) return ctx.out.Error(kErrSyntax);
  filter.skip_id = ctx.client.id;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    std::string_view option = args[i], value = args[i + 1];
    if (EqualsIgnoreCase(option, "id")) {
      int64_t id;
      if (!ParseInt64(value, &id) || id <= 0) {
        return ctx.out.Error("ERR client-id should be greater than 0");
      }
      filter.id = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(option, "addr")) {
      filter.addr.assign(value);
    } else if (EqualsIgnoreCase(option, "laddr")) {
      filter.laddr.assign(value);
    } else if (EqualsIgnoreCase(option, "type")) {
      if (EqualsIgnoreCase(value, "normal")) continue;
      if (!EqualsIgnoreCase(value, "master") && !EqualsIgnoreCase(value, "replica") &&
          !EqualsIgnoreCase(value, "slave") && !EqualsIgnoreCase(value, "pubsub")) {
        return ctx.out.Error("ERR Unknown client type '" + std::string(value) + "'");
      }
      filter.no_normal = true;
    } else if (EqualsIgnoreCase(option, "skipme")) {
      if (EqualsIgnoreCase(value, "yes")) {
        filter.skip_id = ctx.client.id;
      } else if (EqualsIgnoreCase(value, "no")) {
        filter.skip_id = 0;
      } else {
        return ctx.out.Error(kErrSyntax);
      }
    } else {
      return ctx.out.Error(kErrSyntax);
    }
  }
  ctx.out.Integer(static_cast<int64_t>(ctx.server.clients->Kill(filter)));
}

void ClientHelp(CommandContext& ctx) {
  static const char* const kHelp[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>.",
      "LIST [TYPE normal|master|replica|pubsub] [ID <id> [...]]",
      "    Return information about client connections.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Set client library name or version.",
      "HELP",
      "    Print this help.",
  };
  ctx.out.ArrayHeader(std::size(kHelp));
  for (const char* line : kHelp) ctx.out.SimpleString(line);
}

void Client(CommandContext& ctx) {
  const auto& args = ctx.args;
  std::string_view sub = args[1];
  size_t n = args.size();
  auto arity_error = [&] {
    ctx.out.Error("ERR wrong number of arguments for 'client|" + ToLowerAscii(sub) + "' command");
  };
  if (EqualsIgnoreCase(sub, "id")) {
    if (n != 2) return arity_error();
    return ctx.out.Integer(static_cast<int64_t>(ctx.client.id));
  }
  if (EqualsIgnoreCase(sub, "getname")) {
    if (n != 2) return arity_error();
    std::string name = ctx.server.clients->Name(ctx.client);
    return name.empty() ? ctx.out.Null() : ctx.out.Bulk(name);
  }
  if (EqualsIgnoreCase(sub, "setname")) {
    if (n != 3) return arity_error();
    if (!ValidClientName(args[2])) return ctx.out.Error(kErrBadClientName);
    ctx.server.clients->SetName(&ctx.client, args[2]);
    return ctx.out.SimpleString("OK");
  }
  if (EqualsIgnoreCase(sub, "setinfo")) {
    if (n != 4) return arity_error();
    bool name = EqualsIgnoreCase(args[2], "lib-name");
    if (!name && !EqualsIgnoreCase(args[2], "lib-ver")) {
      return ctx.out.Error("ERR Unrecognized option '" + std::string(args[2]) + "'");
    }
    if (!ValidClientName(args[3])) {
      return ctx.out.Error("ERR " + std::string(args[2]) +
                           " cannot contain spaces, newlines or special characters.");
    }
    if (name) {
      ctx.server.clients->SetLibName(&ctx.client, args[3]);
    } else {
      ctx.server.clients->SetLibVersion(&ctx.client, args[3]);
    }
    return ctx.out.SimpleString("OK");
  }
  if (EqualsIgnoreCase(sub, "list")) return ClientList(ctx);
  if (EqualsIgnoreCase(sub, "info")) {
    if (n != 2) return arity_error();
    std::string line;
    int64_t now = NowUnixMs();
    ctx.server.clients->ForEach([&](const ClientState& client) {
      if (&client == &ctx.client) line = DescribeClient(client, now) + "\n";
    });
    return ctx.out.Verbatim(line);
  }
  if (EqualsIgnoreCase(sub, "kill")) {
    if (n < 3) return arity_error();
    return ClientKill(ctx);
  }
  if (EqualsIgnoreCase(sub, "no-evict") || EqualsIgnoreCase(sub, "no-touch")) {
    if (n != 3) return arity_error();
    if (!EqualsIgnoreCase(args[2], "on") && !EqualsIgnoreCase(args[2], "off")) {
      return ctx.out.Error(kErrSyntax);
    }
    return ctx.out.SimpleString("OK");
  }
  if (EqualsIgnoreCase(sub, "help")) return ClientHelp(ctx);
  ctx.out.Error("ERR unknown subcommand '" + std::string(sub) + "'. Try CLIENT HELP.");
}

}  // namespace

void RegisterConnectionCommands(CommandTable* table) {
  constexpr uint32_t kAnytime = kNoAuth | kFast | kLoading | kStale | kNoScript;
  table->Add({"ping", -1, kFast, 0, 0, 0, "connection", "Ping the server.", Ping});
  table->Add({"echo", 2, kFast, 0, 0, 0, "connection", "Echo the given string.", Echo});
  table->Add({"auth", -2, kAnytime, 0, 0, 0, "connection", "Authenticate to the server.", Auth});
  table->Add({"hello", -1, kAnytime, 0, 0, 0, "connection",
              "Handshake with the server (protocol version, auth, name).", Hello});
  table->Add({"select", 2, kFast | kLoading | kStale, 0, 0, 0, "connection",
              "Change the selected database for the current connection.", Select});
  table->Add({"quit", -1, kAnytime, 0, 0, 0, "connection", "Close the connection.", Quit});
  table->Add({"reset", 1, kAnytime, 0, 0, 0, "connection", "Reset the connection.", Reset});
  table->Add({"client", -2, kContainer | kLoading | kStale | kNoScript, 0, 0, 0, "connection",
              "A container for client connection commands.", Client});
}

}  // namespace warp::server
