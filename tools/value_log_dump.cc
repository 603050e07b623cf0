#include "tools/value_log_dump.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "store/value_log.h"
#include "tools/dump_util.h"
#include "wal/file.h"

namespace warp::tools {

namespace {

using json = nlohmann::ordered_json;

void AppendLine(const json& line, std::string* out) {
  out->append(line.dump());
  out->push_back('\n');
}

}  // namespace

Status DumpValueLogFile(const std::string& path, std::string* out) {
  out->clear();
  std::unique_ptr<RandomAccessFile> file;
  Status s = DefaultFileSystem()->NewRandomAccessFile(path, &file);
  if (!s.ok()) return s;
  // Read once: the scan and the header line agree on where the file ends.
  const uint64_t bytes = file->Size();
  uint64_t records = 0;
  uint64_t record_bytes = 0;
  s = ScanValueLogFile(
      *file, bytes,
      [&](const vlog::FileHeader& header) {
        AppendLine({{"type", "header"},
                    {"file", path},
                    {"bytes", bytes},
                    {"format_version", header.format_version},
                    {"shard", header.shard},
                    {"file_id", header.file_id}},
                   out);
        return Status::OK();
      },
      [&](std::string_view key, std::string_view value, const ValuePointer& where) {
        AppendLine({{"type", "record"},
                    {"offset", where.offset},
                    {"size", where.size},
                    {"key", EscapeBytes(key)},
                    {"value", EscapeBytes(value)}},
                   out);
        ++records;
        record_bytes += where.size;
        return Status::OK();
      });
  if (s.ok()) {
    AppendLine({{"type", "end"}, {"records", records}, {"record_bytes", record_bytes}}, out);
  } else {
    AppendLine({{"type", "error"}, {"error", s.message()}}, out);
  }
  return s;
}

}  // namespace warp::tools
