#include "store/manifest.h"

#include <catch2/catch.hpp>

namespace warp {

namespace {

Manifest Sample() {
  Manifest m;
  m.shard_count = 4;
  m.slot_table = SlotTable::Even(4);
  m.engine_version = "0.1.0";
  m.created_at = "2026-11-24T10:00:00.000Z";
  m.opened_at = "2026-11-24T11:00:00.000Z";
  m.open_count = 3;
  return m;
}

}  // namespace

TEST_CASE("a manifest survives a round trip through its JSON form") {
  Manifest in = Sample();
  Manifest out;
  REQUIRE(ManifestFromJson(ManifestToJson(in), "universe.json", &out).ok());
  CHECK(out.shard_count == 4);
  CHECK(out.slot_table.shard_of_slot() == in.slot_table.shard_of_slot());
  CHECK(out.created_at == in.created_at);
  CHECK(out.open_count == 3);
  CHECK_FALSE(out.clean_shutdown);
}

TEST_CASE("the slot table is stored as ranges of consecutive slots") {
  std::string json = ManifestToJson(Sample());
  CHECK(json.find("\"first\": 256") != std::string::npos);
  CHECK(json.find("\"last\": 511") != std::string::npos);
}

TEST_CASE("a manifest from a newer format version is refused with both versions named") {
  std::string json = ManifestToJson(Sample());
  json.replace(json.find("\"format_version\": 1"), 19, "\"format_version\": 9");
  Manifest out;
  Status s = ManifestFromJson(json, "/d/universe.json", &out);
  CHECK(s.IsCorruption());
  CHECK(s.message() ==
        "/d/universe.json: format_version 9 is newer than this build supports (1); upgrade "
        "WarpEngine to open it");
}

TEST_CASE("a slot table that leaves a slot without a shard is corruption naming the slot") {
  std::string json = ManifestToJson(Sample());
  json.replace(json.find("\"first\": 256"), 12, "\"first\": 257");
  Manifest out;
  Status s = ManifestFromJson(json, "u.json", &out);
  CHECK(s.IsCorruption());
  CHECK(s.message() == "u.json: slot 256 has no shard");
}

TEST_CASE("a slot range naming a shard beyond the shard count is corruption") {
  std::string json = ManifestToJson(Sample());
  json.replace(json.find("\"shard_count\": 4"), 16, "\"shard_count\": 3");
  Manifest out;
  Status s = ManifestFromJson(json, "u.json", &out);
  CHECK(s.message() == "u.json: slot_table[3] names shard 3 but shard_count is 3");
}

TEST_CASE("text that is not a manifest is corruption, not a crash") {
  Manifest out;
  CHECK(ManifestFromJson("{not json", "u.json", &out).message() == "u.json: not a JSON object");
  CHECK(ManifestFromJson("{\"format\": 5}", "u.json", &out).IsCorruption());
  std::string json = ManifestToJson(Sample());
  json.replace(json.find("\"created_at\": \""), 15, "\"created_at\": 5, \"x\": \"");
  CHECK(ManifestFromJson(json, "u.json", &out).IsCorruption());
}

}  // namespace warp
