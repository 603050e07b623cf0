#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>
#include <vector>

#include "config/internal/embedded_default.h"
#include "config/internal/schema.h"

namespace warp::config {

namespace {

using internal::KeySpec;

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

// std::strerror may share a buffer between threads; error_code's message does not.
std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string JoinPath(std::string_view section, std::string_view name) {
  return section.empty() ? std::string(name) : std::string(section) + "." + std::string(name);
}

// How a node that is not the expected scalar is described after "got".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return Quote(node.Scalar());
    default:
      return "an empty value";
  }
}

// Walks one YAML document against the schema, writing into *options. Every error is
// "<source>:<line>: ..." with the 1-based line of the offending key.
class DocumentWalker {
 public:
  explicit DocumentWalker(std::string_view source) : source_(source) {}

  Status ApplyRoot(const YAML::Node& root, Options* options) {
    if (root.IsNull()) return Status::OK();
    if (!root.IsMap()) {
      return Error(root.Mark(),
                   "expected a mapping of keys at the top level, got " + Describe(root));
    }
    return ApplyMapping(root, "", options);
  }

  Status Error(const YAML::Mark& mark, std::string_view message) const {
    std::string where(source_);
    if (!mark.is_null()) where += ":" + std::to_string(mark.line + 1);
    return Status::InvalidArgument(where + ": " + std::string(message));
  }

 private:
  Status ApplyMapping(const YAML::Node& map, std::string_view section, Options* options) {
    // yaml-cpp iterators yield entries by value: hold the entry, not a reference into it.
    for (const auto& entry : map) {
      const YAML::Node& name = entry.first;
      if (!name.IsScalar()) {
        return Error(name.Mark(), "expected a key name, got " + Describe(name) + " (" +
                                      internal::KnownKeysPhrase(section) + ")");
      }
      std::string path = JoinPath(section, name.Scalar());
      Status s = CheckDuplicate(path, name.Mark());
      if (s.ok()) s = ApplyEntry(path, name.Mark(), entry.second, options);
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  Status ApplyEntry(const std::string& path, const YAML::Mark& mark, const YAML::Node& value,
                    Options* options) {
    if (path.empty() || path.back() == '.') {  // an empty name: `"": 1` or `wal: {"": 1}`
      return Error(mark, internal::UnknownKeyMessage(path));
    }
    if (const KeySpec* key = internal::FindKey(path)) {
      Status s = value.IsScalar() ? internal::AssignText(*key, value.Scalar(), options)
                                  : internal::TypeMismatch(*key, Describe(value));
      return s.ok() ? s : Error(mark, s.message());
    }
    if (!internal::IsSection(path)) return Error(mark, internal::UnknownKeyMessage(path));
    if (value.IsNull()) return Status::OK();  // `wal:` with every key commented out
    if (!value.IsMap()) {
      return Error(mark, path + ": expected a mapping of keys, got " + Describe(value));
    }
    return ApplyMapping(value, path, options);
  }

  // yaml-cpp keeps both entries of a duplicated key; the second would silently win.
  Status CheckDuplicate(const std::string& path, const YAML::Mark& mark) {
    auto [it, inserted] = first_lines_.emplace(path, mark.line + 1);
    if (inserted) return Status::OK();
    return Error(mark, "duplicate key " + Quote(path) + " (first set on line " +
                           std::to_string(it->second) + ")");
  }

  std::string_view source_;
  std::map<std::string, int> first_lines_;  // full key path -> 1-based line of first sight
};

Status ParseDocuments(std::string_view text, std::string_view source, Options* options) {
  DocumentWalker walker(source);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return walker.Error(e.mark, "YAML syntax error: " + e.msg);
  }
  if (documents.empty()) return Status::OK();  // empty, or comments only
  if (documents.size() > 1) {
    return walker.Error(documents[1].Mark(),
                        "expected one YAML document, found " + std::to_string(documents.size()));
  }
  return walker.ApplyRoot(documents[0], options);
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

Status CheckCrossFieldRules(const Options& options) {
  const ServerOptions& server = options.server;
  if (server.port != 0 && server.port == server.http_port) {
    return Status::InvalidArgument("server.port and server.http_port are both " +
                                   std::to_string(server.port) +
                                   "; the RESP and HTTP front-ends need different ports");
  }
  return Status::OK();
}

}  // namespace

Status ParseYaml(std::string_view text, std::string_view source, Options* options) {
  // Work on a copy so that a failure half-way leaves the caller's options as they were.
  Options staged = *options;
  Status s;
  try {
    s = ParseDocuments(text, source, &staged);
  } catch (const std::exception& e) {  // yaml-cpp node access; not expected after a clean load
    s = Status::InvalidArgument(std::string(source) + ": cannot read YAML: " + e.what());
  }
  if (s.ok()) *options = std::move(staged);
  return s;
}

Status LoadFile(const std::string& path, Options* options) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::IOError(path + ": cannot open configuration file: " + ErrnoText(errno));
  }
  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  int read_errno = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_errno != 0) {
    return Status::IOError(path + ": cannot read configuration file: " + ErrnoText(read_errno));
  }
  return ParseYaml(text, path, options);
}

Status ApplyOverride(std::string_view assignment, Options* options) {
  const std::string where = "--set " + std::string(assignment);
  size_t equals = assignment.find('=');
  std::string_view path = Trim(assignment.substr(0, equals));
  if (equals == std::string_view::npos || path.empty()) {
    return Status::InvalidArgument(where + ": expected dotted.key=value, e.g. wal.fsync=always");
  }
  const KeySpec* key = internal::FindKey(path);
  if (key == nullptr) {
    std::string problem = internal::IsSection(path) ? Quote(path) + " is a section, not a key (" +
                                                          internal::KnownKeysPhrase(path) + ")"
                                                    : internal::UnknownKeyMessage(path);
    return Status::InvalidArgument(where + ": " + problem);
  }
  Status s = internal::AssignText(*key, Trim(assignment.substr(equals + 1)), options);
  return s.ok() ? s : Status::InvalidArgument(where + ": " + s.message());
}

Status Validate(const Options& options) {
  // Round-trip each field through the parser's own checks: one definition of every range.
  for (const KeySpec& key : internal::Schema()) {
    Options scratch;
    Status s = internal::AssignText(key, internal::RenderText(key, options), &scratch);
    if (!s.ok()) return s;
  }
  return CheckCrossFieldRules(options);
}

std::string ToJson(const Options& options) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  for (const KeySpec& key : internal::Schema()) {
    nlohmann::ordered_json* node = &root;
    std::string_view path = key.path;
    for (size_t dot; (dot = path.find('.')) != std::string_view::npos;) {
      node = &(*node)[std::string(path.substr(0, dot))];
      path.remove_prefix(dot + 1);
    }
    internal::Value value = internal::ReadValue(key, options);
    if (auto* number = std::get_if<uint64_t>(&value)) {
      (*node)[std::string(path)] = *number;
    } else {
      (*node)[std::string(path)] = std::get<std::string>(value);
    }
  }
  return root.dump(2) + "\n";
}

std::string_view EmbeddedDefaultYaml() {
  return std::string_view(internal::kEmbeddedDefaultYaml, internal::kEmbeddedDefaultYamlSize);
}

std::string DescribeKeys() {
  const Options defaults;
  size_t path_width = 0;
  size_t type_width = 0;
  for (const KeySpec& key : internal::Schema()) {
    path_width = std::max(path_width, key.path.size());
    type_width = std::max(type_width, internal::TypeSummary(key).size());
  }
  std::string out;
  for (const KeySpec& key : internal::Schema()) {
    std::string path(key.path);
    std::string type = internal::TypeSummary(key);
    internal::Value value = internal::ReadValue(key, defaults);
    std::string fallback = key.type == internal::KeyType::kByteSize
                               ? internal::FormatBytes(std::get<uint64_t>(value))
                               : internal::RenderText(key, defaults);
    out += path + std::string(path_width - path.size() + 2, ' ') + type +
           std::string(type_width - type.size() + 2, ' ') + std::string(key.help) +
           " (default: " + fallback + ")\n";
  }
  return out;
}

}  // namespace warp::config
