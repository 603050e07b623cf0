#include "tools/dump_util.h"

#include <cstdio>

#include "common/file_util.h"
#include "store/filename.h"

namespace warp::tools {

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

Status LoadManifestForDump(const std::string& data_dir, std::optional<uint32_t> shard,
                           Manifest* m) {
  std::string text;
  Status s = ReadFile(filename::Manifest(data_dir), &text);
  if (s.IsNotFound()) {
    return Status::NotFound(data_dir + " is not a WarpEngine data directory (no universe.json)");
  }
  if (s.ok()) s = ManifestFromJson(text, filename::Manifest(data_dir), m);
  if (!s.ok()) return s;
  if (shard && *shard >= m->shard_count) {
    return Status::InvalidArgument("--shard " + std::to_string(*shard) + " does not exist (" +
                                   std::to_string(m->shard_count) + " shards)");
  }
  return Status::OK();
}

}  // namespace warp::tools
