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

namespace {

constexpr std::string_view kSnapshotPrefix = "snapshot-";
constexpr size_t kLsnDigits = 20;

std::string_view SnapshotSuffix(SnapshotFileType type) {
  switch (type) {
    case SnapshotFileType::kSnapshot:
      return ".snap";
    case SnapshotFileType::kSidecar:
      return ".json";
    case SnapshotFileType::kSnapshotTemp:
      return ".snap.tmp";
    case SnapshotFileType::kSidecarTemp:
      return ".json.tmp";
  }
  return "";
}

}  // namespace

std::string SnapshotFileName(uint64_t lsn, SnapshotFileType type) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(lsn));
  return std::string(kSnapshotPrefix) + digits + std::string(SnapshotSuffix(type));
}

bool ParseSnapshotFileName(std::string_view name, uint64_t* lsn, SnapshotFileType* type) {
  if (name.substr(0, kSnapshotPrefix.size()) != kSnapshotPrefix) return false;
  name.remove_prefix(kSnapshotPrefix.size());
  if (name.size() < kLsnDigits) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < kLsnDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  std::string_view suffix = name.substr(kLsnDigits);
  for (SnapshotFileType t : {SnapshotFileType::kSnapshot, SnapshotFileType::kSidecar,
                             SnapshotFileType::kSnapshotTemp, SnapshotFileType::kSidecarTemp}) {
    if (suffix == SnapshotSuffix(t)) {
      *lsn = v;
      *type = t;
      return true;
    }
  }
  return false;
}

std::string ShardSnapshot(const std::string& d, uint32_t shard, uint64_t lsn) {
  return ShardSnapshots(d, shard) + "/" + SnapshotFileName(lsn);
}

std::string ShardName(uint32_t shard) {
  char name[24];
  std::snprintf(name, sizeof(name), "shard-%02u", shard);
  return name;
}

}  // namespace warp::filename
