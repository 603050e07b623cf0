#include "server/client_registry.h"

#include <vector>

namespace warp::server {

bool ClientRegistry::Add(ClientState* client, std::function<void()> close, uint64_t maxclients) {
  std::lock_guard<std::mutex> lock(mu_);
  if (clients_.size() >= maxclients) return false;
  clients_.emplace(client->id, Entry{client, std::move(close)});
  return true;
}

void ClientRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(id);
}

size_t ClientRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

void ClientRegistry::ForEach(const std::function<void(const ClientState&)>& fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, entry] : clients_) fn(*entry.client);
}

void ClientRegistry::SetName(ClientState* client, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  client->name.assign(name);
}

void ClientRegistry::SetLibName(ClientState* client, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  client->lib_name.assign(name);
}

void ClientRegistry::SetLibVersion(ClientState* client, std::string_view version) {
  std::lock_guard<std::mutex> lock(mu_);
  client->lib_ver.assign(version);
}

std::string ClientRegistry::Name(const ClientState& client) const {
  std::lock_guard<std::mutex> lock(mu_);
  return client.name;
}

size_t ClientRegistry::Kill(const KillFilter& filter) {
  std::vector<std::function<void()>> closes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (filter.no_normal) return 0;
    for (const auto& [id, entry] : clients_) {
      const ClientState& client = *entry.client;
      if (filter.id != 0 && client.id != filter.id) continue;
      if (!filter.addr.empty() && client.addr != filter.addr) continue;
      if (!filter.laddr.empty() && client.laddr != filter.laddr) continue;
      if (filter.skip_id != 0 && client.id == filter.skip_id) continue;
      closes.push_back(entry.close);
    }
  }
  for (auto& close : closes) close();
  return closes.size();
}

std::string DescribeClient(const ClientState& client, int64_t now_ms) {
  const CommandSpec* last = client.last_command.load(std::memory_order_relaxed);
  int64_t last_ms = client.last_interaction_ms.load(std::memory_order_relaxed);
  std::string line;
  line.reserve(256);
  line += "id=" + std::to_string(client.id);
  line += " addr=" + client.addr;
  line += " laddr=" + client.laddr;
  line += " fd=" + std::to_string(client.fd);
  line += " name=" + client.name;
  line += " age=" + std::to_string((now_ms - client.created_ms) / 1000);
  line += " idle=" + std::to_string((now_ms - last_ms) / 1000);
  line += " flags=N";
  line += " db=" + std::to_string(client.db);
  line += " sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0";
  line += " rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r";
  line += " cmd=" + (last ? std::string(last->name) : std::string("NULL"));
  uint64_t sub = client.last_subcommand.load(std::memory_order_relaxed);
  if (sub != 0) line += '|';
  for (; sub != 0; sub >>= 8) line += static_cast<char>(sub & 0xff);
  line += " user=" + client.user;
  line += " redir=-1";
  line += " resp=" + std::to_string(static_cast<int>(client.protocol.load()));
  line += " lib-name=" + client.lib_name;
  line += " lib-ver=" + client.lib_ver;
  return line;
}

}  // namespace warp::server
