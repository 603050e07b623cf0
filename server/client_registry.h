// ClientRegistry: the live connections of a RESP server, for CLIENT LIST / KILL / INFO, INFO's
// connected_clients and maxclients.
//
// A connection registers itself when it is accepted and unregisters when it closes; both take
// the registry's mutex, as do the readers below. Nothing on the per-command path touches it:
// per-command fields of ClientState are atomics that readers load without the connection's
// help. The mutex also guards ClientState::name (CLIENT SETNAME writes it under it).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "server/command.h"

namespace warp::server {

class ClientRegistry {
 public:
  // A new, unique client id (1, 2, ...).
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Registers `client` (its id must come from NextId) with the function that closes its
  // connection from any thread. False if maxclients connections are registered already.
  bool Add(ClientState* client, std::function<void()> close, uint64_t maxclients);
  void Remove(uint64_t id);
  size_t size() const;

  // Runs fn for every client in id order while holding the registry's mutex: fn must not call
  // back into the registry.
  void ForEach(const std::function<void(const ClientState&)>& fn) const;
  // CLIENT SETNAME / SETINFO: set fields other threads read, under the mutex.
  void SetName(ClientState* client, std::string_view name);
  void SetLibName(ClientState* client, std::string_view name);
  void SetLibVersion(ClientState* client, std::string_view version);
  std::string Name(const ClientState& client) const;

  // CLIENT KILL's filters, all of which a client must match (unset ones match every client).
  struct KillFilter {
    uint64_t id = 0;         // 0 = any
    std::string addr;        // "" = any
    std::string laddr;       // "" = any
    bool no_normal = false;  // TYPE master|replica|pubsub: this server has none of those
    uint64_t skip_id = 0;    // SKIPME yes: the calling client's id (0 = skip none)
  };
  // Asks the matching connections to close. Returns how many matched.
  size_t Kill(const KillFilter& filter);

 private:
  struct Entry {
    ClientState* client;
    std::function<void()> close;
  };
  mutable std::mutex mu_;
  std::map<uint64_t, Entry> clients_;
  std::atomic<uint64_t> next_id_{1};
};

// One CLIENT LIST line for `client` (without the trailing newline), fields as Redis 7 prints
// them: "id=3 addr=127.0.0.1:50312 laddr=127.0.0.1:7379 fd=8 name= age=2 idle=0 ... db=0 ...".
// REQUIRES: the registry's mutex is held (call it from ForEach).
std::string DescribeClient(const ClientState& client, int64_t now_ms);

}  // namespace warp::server
