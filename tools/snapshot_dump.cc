#include "tools/snapshot_dump.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "store/filename.h"
#include "store/snapshot.h"
#include "tools/dump_util.h"
#include "wal/file.h"

namespace warp::tools {

namespace {

using json = nlohmann::ordered_json;

// One snapshot as {file, shard, lsn, created, keys, ..., entries[], error?}; the header fields
// are filled as far as the reader got (all of them unless the header itself is damaged).
// *status receives the reader's result.
json ReadOne(const std::string& path, uint32_t shard, Status* status) {
  json entries = json::array();
  SnapshotInfo info;
  *status = ReadSnapshot(
      DefaultFileSystem(), path, shard,
      [&](const SnapshotEntry& e) {
        json entry = {{"version", e.version}, {"key", EscapeBytes(e.key)}};
        if (e.expire_at_ms != 0) entry["expire_at_ms"] = e.expire_at_ms;
        entry["value"] = EscapeBytes(e.value);
        entries.push_back(std::move(entry));
        return Status::OK();
      },
      &info);
  json doc = {{"file", path},
              {"shard", info.shard},
              {"lsn", info.lsn},
              {"created", info.created},
              {"keys", info.keys},
              {"logical_bytes", info.logical_bytes},
              {"file_bytes", info.file_bytes},
              {"blocks", info.blocks},
              {"entries", std::move(entries)}};
  if (!status->ok()) doc["error"] = status->message();
  return doc;
}

// {shard, snapshots[], error?} for one shard's snapshot directory; *first_error receives the
// first error met, if it holds none yet.
json ReadShard(const std::string& data_dir, uint32_t shard, Status* first_error) {
  json doc = {{"shard", filename::ShardName(shard)}, {"snapshots", json::array()}};
  std::vector<SnapshotInfo> found;
  Status s = ListSnapshots(DefaultFileSystem(), filename::ShardSnapshots(data_dir, shard), &found);
  if (!s.ok()) {
    doc["error"] = s.message();
    if (first_error->ok()) *first_error = s;
    return doc;
  }
  for (const SnapshotInfo& info : found) {
    doc["snapshots"].push_back(ReadOne(info.path, shard, &s));
    if (!s.ok() && first_error->ok()) *first_error = s;
  }
  return doc;
}

void RenderSnapshot(const json& snap, const std::string& indent, std::ostringstream& out) {
  out << indent << "snapshot " << snap["file"].get<std::string>() << "\n";
  if (!snap["created"].get<std::string>().empty()) {
    out << indent << "  shard " << snap["shard"] << ", lsn " << snap["lsn"] << ", created "
        << snap["created"].get<std::string>() << "\n";
  }
  if (!snap.contains("error")) {
    out << indent << "  " << snap["keys"] << " keys, " << snap["logical_bytes"]
        << " logical bytes, " << snap["blocks"] << " blocks, " << snap["file_bytes"]
        << " file bytes\n";
  }
  for (const json& e : snap["entries"]) {
    out << indent << "  version " << e["version"] << "  key=" << e["key"].get<std::string>();
    if (e.contains("expire_at_ms")) out << "  expire_at_ms=" << e["expire_at_ms"];
    out << "  value=" << e["value"].get<std::string>() << "\n";
  }
  if (snap.contains("error")) {
    out << indent << "  ERROR: " << snap["error"].get<std::string>() << "\n";
  }
}

}  // namespace

Status DumpSnapshots(const std::string& data_dir, std::optional<uint32_t> shard, bool as_json,
                     std::string* out) {
  Manifest m;
  Status s = LoadManifestForDump(data_dir, shard, &m);
  if (!s.ok()) return s;
  json shards = json::array();
  Status first_error;
  for (uint32_t i = 0; i < m.shard_count; ++i) {
    if (!shard || *shard == i) shards.push_back(ReadShard(data_dir, i, &first_error));
  }
  std::ostringstream rendered;
  if (as_json) {
    rendered << json{{"data_dir", data_dir}, {"shards", shards}}.dump(2) << "\n";
  } else {
    for (const json& doc : shards) {
      rendered << doc["shard"].get<std::string>() << "\n";
      if (doc.contains("error")) rendered << "  ERROR: " << doc["error"].get<std::string>() << "\n";
      if (!doc.contains("error") && doc["snapshots"].empty()) rendered << "  no snapshots\n";
      for (const json& snap : doc["snapshots"]) RenderSnapshot(snap, "  ", rendered);
    }
  }
  *out = rendered.str();
  return first_error;
}

Status DumpSnapshotFile(const std::string& path, bool as_json, std::string* out) {
  Status s;
  json snap = ReadOne(path, kAnyShard, &s);
  std::ostringstream rendered;
  if (as_json) {
    rendered << snap.dump(2) << "\n";
  } else {
    RenderSnapshot(snap, "", rendered);
  }
  *out = rendered.str();
  return s;
}

}  // namespace warp::tools
