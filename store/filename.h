// Every file and folder name inside a data directory comes from here (as leveldb's
// db/filename.h), so the layout of DESIGN.md section 5 is written down once.
// docs/data_directory.md describes the same layout for operators. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace warp::filename {

std::string Manifest(const std::string& data_dir);         // universe.json
std::string ManifestTemp(const std::string& data_dir);     // universe.json.tmp (atomic rewrite)
std::string Lock(const std::string& data_dir);             // LOCK (holds the owner's pid)
std::string Configuration(const std::string& data_dir);    // configuration/
std::string EffectiveConfig(const std::string& data_dir);  // configuration/effective.json
std::string Spacetime(const std::string& data_dir);        // spacetime/
std::string Shard(const std::string& data_dir, uint32_t shard);           // spacetime/shard-07/
std::string ShardWal(const std::string& data_dir, uint32_t shard);        // .../wal/
std::string ShardSnapshots(const std::string& data_dir, uint32_t shard);  // .../snapshots/
std::string ShardCold(const std::string& data_dir, uint32_t shard);       // .../cold/
std::string ShardQuantum(const std::string& data_dir, uint32_t shard);    // .../quantum_indices/
std::string Temporal(
    const std::string& data_dir);  // temporal/ (live, recent, historical, deep_time)
std::string Entropy(const std::string& data_dir);    // entropy/
std::string Wormholes(const std::string& data_dir);  // wormholes/
std::string Backups(const std::string& data_dir);    // backups/

// "shard-07": two digits at least, more when there are more than 100 shards.
std::string ShardName(uint32_t shard);

// Snapshot files inside ShardSnapshots() (docs/snapshot_format.md), named by the snapshot's LSN
// in 20 decimal digits so that names sort in LSN order:
//   snapshot-00000000000000000042.snap       the snapshot (store/snapshot_format.h)
//   snapshot-00000000000000000042.json       its human-readable sidecar
//   snapshot-00000000000000000042.snap.tmp   a snapshot being written (or abandoned by a crash)
//   snapshot-00000000000000000042.json.tmp   a sidecar being written
enum class SnapshotFileType { kSnapshot, kSidecar, kSnapshotTemp, kSidecarTemp };
std::string SnapshotFileName(uint64_t lsn, SnapshotFileType type = SnapshotFileType::kSnapshot);
// Parses a name made by SnapshotFileName(); false for anything else (README.txt, ...).
bool ParseSnapshotFileName(std::string_view name, uint64_t* lsn, SnapshotFileType* type);
// ShardSnapshots(data_dir, shard) + "/" + SnapshotFileName(lsn).
std::string ShardSnapshot(const std::string& data_dir, uint32_t shard, uint64_t lsn);

}  // namespace warp::filename
