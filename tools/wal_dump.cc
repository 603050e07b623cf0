#include "tools/wal_dump.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "store/filename.h"
#include "tools/dump_util.h"
#include "wal/file.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace warp::tools {

namespace {

using json = nlohmann::ordered_json;

const char* TypeName(uint8_t type) {
  switch (static_cast<wal::RecordType>(type)) {
    case wal::RecordType::kPut:
      return "put";
    case wal::RecordType::kDelete:
      return "delete";
    case wal::RecordType::kExpire:
      return "expire";
    case wal::RecordType::kBatchBegin:
      return "batch_begin";
    case wal::RecordType::kBatchCommit:
      return "batch_commit";
  }
  return "unknown";
}

json SummaryJson(const ReadSummary& summary) {
  return {{"records", summary.records},     {"skipped", summary.skipped},
          {"last_lsn", summary.last_lsn},   {"segments", summary.segments},
          {"bytes", summary.bytes},         {"torn_tail", summary.torn_tail},
          {"torn_file", summary.torn_file}, {"torn_offset", summary.torn_offset}};
}

// Reads one shard's log into a JSON document {shard, records[], summary, error?}.
json ReadShard(const std::string& data_dir, uint32_t shard) {
  json records = json::array();
  ReadSummary summary;
  Status s = ReadWal(
      DefaultFileSystem(), filename::ShardWal(data_dir, shard), shard,
      [&](const WalRecord& r) {
        json record = {{"lsn", r.lsn}, {"type", TypeName(r.type)}, {"key", EscapeBytes(r.key)}};
        bool is_put = r.type == static_cast<uint8_t>(wal::RecordType::kPut);
        // An expire record always shows its expiry (0 = persist); a put only when it has one.
        if (r.type == static_cast<uint8_t>(wal::RecordType::kExpire) ||
            (is_put && r.expire_at_ms != 0)) {
          record["expire_at_ms"] = r.expire_at_ms;
        }
        if (is_put) record["value"] = EscapeBytes(r.value);
        records.push_back(std::move(record));
        return Status::OK();
      },
      &summary);
  json doc = {{"shard", filename::ShardName(shard)},
              {"records", std::move(records)},
              {"summary", SummaryJson(summary)}};
  if (!s.ok()) doc["error"] = s.message();
  return doc;
}

void RenderText(const json& doc, std::ostringstream& out) {
  out << doc["shard"].get<std::string>() << "\n";
  for (const json& r : doc["records"]) {
    out << "  lsn " << r["lsn"] << "  " << r["type"].get<std::string>()
        << "  key=" << r["key"].get<std::string>();
    if (r.contains("expire_at_ms")) out << "  expire_at_ms=" << r["expire_at_ms"];
    if (r.contains("value")) out << "  value=" << r["value"].get<std::string>();
    out << "\n";
  }
  const json& sum = doc["summary"];
  out << "  " << sum["records"] << " records, last lsn " << sum["last_lsn"] << ", "
      << sum["segments"] << " segments, " << sum["bytes"] << " bytes";
  if (sum["torn_tail"].get<bool>()) {
    out << "; torn tail in " << sum["torn_file"].get<std::string>() << " at offset "
        << sum["torn_offset"];
  }
  out << "\n";
  if (doc.contains("error")) out << "  ERROR: " << doc["error"].get<std::string>() << "\n";
}

}  // namespace

Status DumpWal(const std::string& data_dir, std::optional<uint32_t> shard, bool as_json,
               std::string* out) {
  Manifest m;
  Status s = LoadManifestForDump(data_dir, shard, &m);
  if (!s.ok()) return s;
  json shards = json::array();
  Status first_error;
  for (uint32_t i = 0; i < m.shard_count; ++i) {
    if (shard && *shard != i) continue;
    shards.push_back(ReadShard(data_dir, i));
    if (shards.back().contains("error") && first_error.ok()) {
      first_error = Status::Corruption(shards.back()["error"].get<std::string>());
    }
  }
  std::ostringstream rendered;
  if (as_json) {
    rendered << json{{"data_dir", data_dir}, {"shards", shards}}.dump(2) << "\n";
  } else {
    for (const json& doc : shards) RenderText(doc, rendered);
  }
  *out = rendered.str();
  return first_error;
}

}  // namespace warp::tools
