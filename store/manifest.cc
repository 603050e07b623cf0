#include "store/manifest.h"

#include <nlohmann/json.hpp>

namespace warp {

namespace {

using json = nlohmann::ordered_json;

json SlotRanges(const SlotTable& table) {
  json ranges = json::array();
  const auto& owner = table.shard_of_slot();
  uint32_t first = 0;
  for (uint32_t slot = 1; slot <= owner.size(); ++slot) {
    if (slot == owner.size() || owner[slot] != owner[first]) {
      ranges.push_back({{"first", first}, {"last", slot - 1}, {"shard", owner[first]}});
      first = slot;
    }
  }
  return ranges;
}

Status Bad(const std::string& path, const std::string& what) {
  return Status::Corruption(path + ": " + what);
}

// Rebuilds the slot table from ranges; every slot must be covered once by a valid shard.
Status ParseSlotRanges(const json& ranges, uint32_t shard_count, const std::string& path,
                       SlotTable* table) {
  if (!ranges.is_array()) return Bad(path, "slot_table must be an array of ranges");
  std::vector<uint32_t> owner(kSlotCount, UINT32_MAX);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const json& r = ranges[i];
    std::string where = "slot_table[" + std::to_string(i) + "]";
    if (!r.is_object() || !r.contains("first") || !r.contains("last") || !r.contains("shard") ||
        !r["first"].is_number_unsigned() || !r["last"].is_number_unsigned() ||
        !r["shard"].is_number_unsigned()) {
      return Bad(path, where + " needs unsigned fields first, last and shard");
    }
    uint64_t first = r["first"], last = r["last"], shard = r["shard"];
    if (first > last || last >= kSlotCount) return Bad(path, where + " has an invalid slot range");
    if (shard >= shard_count) {
      return Bad(path, where + " names shard " + std::to_string(shard) + " but shard_count is " +
                           std::to_string(shard_count));
    }
    for (uint64_t slot = first; slot <= last; ++slot) {
      if (owner[slot] != UINT32_MAX)
        return Bad(path, "slot " + std::to_string(slot) + " is assigned twice");
      owner[slot] = static_cast<uint32_t>(shard);
    }
  }
  for (uint32_t slot = 0; slot < kSlotCount; ++slot) {
    if (owner[slot] == UINT32_MAX)
      return Bad(path, "slot " + std::to_string(slot) + " has no shard");
  }
  *table = SlotTable(std::move(owner));
  return Status::OK();
}

}  // namespace

std::string ManifestToJson(const Manifest& m) {
  json doc = {
      {"format", "warpengine-universe"},    {"format_version", m.format_version},
      {"engine_version", m.engine_version}, {"shard_count", m.shard_count},
      {"slot_count", kSlotCount},           {"slot_table", SlotRanges(m.slot_table)},
      {"created_at", m.created_at},         {"opened_at", m.opened_at},
      {"closed_at", m.closed_at},           {"open_count", m.open_count},
      {"clean_shutdown", m.clean_shutdown},
  };
  return doc.dump(2) + "\n";
}

namespace {
Status ParseManifest(std::string_view text, const std::string& path, Manifest* m) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Bad(path, "not a JSON object");
  if (doc.value("format", "") != "warpengine-universe") {
    return Bad(path, "field 'format' is not \"warpengine-universe\"");
  }
  for (const char* field : {"format_version", "shard_count", "slot_count", "open_count"}) {
    if (!doc.contains(field) || !doc[field].is_number_unsigned()) {
      return Bad(path, std::string("field '") + field + "' is missing or not an unsigned integer");
    }
  }
  m->format_version = doc["format_version"];
  if (m->format_version > Manifest::kFormatVersion) {
    return Status::Corruption(path + ": format_version " + std::to_string(m->format_version) +
                              " is newer than this build supports (" +
                              std::to_string(Manifest::kFormatVersion) +
                              "); upgrade WarpEngine to open it");
  }
  if (doc["slot_count"] != kSlotCount) return Bad(path, "slot_count must be 1024");
  m->shard_count = doc["shard_count"];
  if (m->shard_count == 0) return Bad(path, "shard_count must be at least 1");
  Status s = ParseSlotRanges(doc.value("slot_table", json()), m->shard_count, path, &m->slot_table);
  if (!s.ok()) return s;
  m->engine_version = doc.value("engine_version", "");
  m->created_at = doc.value("created_at", "");
  m->opened_at = doc.value("opened_at", "");
  m->closed_at = doc.value("closed_at", "");
  m->open_count = doc["open_count"];
  m->clean_shutdown = doc.value("clean_shutdown", false);
  return Status::OK();
}
}  // namespace

Status ManifestFromJson(std::string_view text, const std::string& path, Manifest* m) {
  try {
    return ParseManifest(text, path, m);
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong JSON type (e.g. "created_at": 5).
    return Bad(path, std::string("malformed field: ") + e.what());
  }
}

}  // namespace warp
