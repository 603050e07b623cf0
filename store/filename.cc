#include "store/filename.h"

#include <cstdio>

namespace warp::filename {

std::string Manifest(const std::string& d) { return d + "/universe.json"; }
std::string ManifestTemp(const std::string& d) { return d + "/universe.json.tmp"; }
std::string Lock(const std::string& d) { return d + "/LOCK"; }
std::string Configuration(const std::string& d) { return d + "/configuration"; }
std::string EffectiveConfig(const std::string& d) { return Configuration(d) + "/effective.json"; }
std::string Spacetime(const std::string& d) { return d + "/spacetime"; }
std::string Shard(const std::string& d, uint32_t shard) {
  return Spacetime(d) + "/" + ShardName(shard);
}
std::string ShardWal(const std::string& d, uint32_t s) { return Shard(d, s) + "/wal"; }
std::string ShardSnapshots(const std::string& d, uint32_t s) { return Shard(d, s) + "/snapshots"; }
std::string ShardCold(const std::string& d, uint32_t s) { return Shard(d, s) + "/cold"; }
std::string ShardQuantum(const std::string& d, uint32_t s) {
  return Shard(d, s) + "/quantum_indices";
}
std::string Temporal(const std::string& d) { return d + "/temporal"; }
std::string Entropy(const std::string& d) { return d + "/entropy"; }
std::string Wormholes(const std::string& d) { return d + "/wormholes"; }
std::string Backups(const std::string& d) { return d + "/backups"; }

std::string ShardName(uint32_t shard) {
  char name[24];
  std::snprintf(name, sizeof(name), "shard-%02u", shard);
  return name;
}

}  // namespace warp::filename
