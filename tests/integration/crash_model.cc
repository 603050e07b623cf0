#include "tests/integration/crash_model.h"

#include <algorithm>
#include <cstdio>

#include "warp/universe.h"

namespace warp::crash {

namespace {

constexpr std::string_view kKeyPrefix = "key:";
constexpr uint32_t kMaxValueLength = 1 << 20;
constexpr size_t kNoiseKept = 20;

bool ParseUint(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// The padding length a value id names, or false if `id` is not "s<n>.w<n>.q<n>.n<n>".
bool ParseValueId(std::string_view id, uint32_t* length) {
  static constexpr char kTags[] = {'s', 'w', 'q', 'n'};
  uint64_t field = 0;
  for (size_t i = 0; i < 4; ++i) {
    size_t end = i < 3 ? id.find('.') : id.size();
    if (end == std::string_view::npos || end < 2 || id[0] != kTags[i]) return false;
    if (!ParseUint(id.substr(1, end - 1), &field)) return false;
    id.remove_prefix(i < 3 ? end + 1 : end);
  }
  if (field > kMaxValueLength) return false;
  *length = static_cast<uint32_t>(field);
  return true;
}

uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (char c : text) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}

// Splits "A B C" at single spaces.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = std::min(line.find(' ', start), line.size());
    fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

std::string Printable(std::string_view bytes, size_t limit) {
  std::string out;
  for (char c : bytes.substr(0, limit)) {
    if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<uint8_t>(c));
      out += hex;
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

std::string DescribeExpected(const std::optional<std::string>& state) {
  return state ? "value " + *state : "absent";
}

std::string DescribeActual(const Status& status, const std::string& value) {
  if (status.IsNotFound()) return "absent";
  if (!status.ok()) return "Get failed: " + status.ToString();
  std::string_view id = std::string_view(value).substr(0, value.find('|'));
  uint32_t length = 0;
  if (!ParseValueId(id, &length)) {
    return "unrecognized value '" + Printable(value, 48) + "' (" + std::to_string(value.size()) +
           " bytes)";
  }
  std::string want = Value(id);
  if (want == value) return "value " + std::string(id);
  if (want.size() != value.size()) {
    return "value " + std::string(id) + " of " + std::to_string(value.size()) +
           " bytes instead of " + std::to_string(want.size());
  }
  size_t diff = 0;
  while (want[diff] == value[diff]) ++diff;
  return "value " + std::string(id) + " damaged from byte " + std::to_string(diff) + " of " +
         std::to_string(value.size());
}

}  // namespace

std::string Key(uint32_t index) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "key:%04u", index);
  return buffer;
}

std::string ValueId(uint64_t seed, uint32_t writer, uint64_t seq, uint32_t length) {
  return "s" + std::to_string(seed) + ".w" + std::to_string(writer) + ".q" + std::to_string(seq) +
         ".n" + std::to_string(length);
}

std::string Value(std::string_view id) {
  uint32_t length = 0;
  if (!ParseValueId(id, &length)) return "";
  std::string value;
  value.reserve(id.size() + 1 + length);
  value.append(id);
  value += '|';
  // 64-byte chunks, each either pseudo-random letters or a copy of the previous chunk: LZ4
  // finds something to compress, but not everything.
  uint64_t x = Fnv1a(id) | 1;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  size_t start = value.size();
  for (uint32_t i = 0; i < length; ++i) {
    size_t offset = i % 64;
    if (offset == 0 && i >= 64 && (next() & 1)) {
      value.append(value, start + i - 64, std::min<size_t>(64, length - i));
      i += std::min<uint32_t>(64, length - i) - 1;
      continue;
    }
    value += static_cast<char>('a' + next() % 26);
  }
  return value;
}

Options CrashOptions(const std::string& data_dir, FsyncPolicy fsync, uint64_t segment_bytes,
                     uint64_t snapshot_after_writes) {
  Options options;
  options.data_dir = data_dir;
  options.shards = 4;
  options.log_level = "warn";
  options.wal.fsync = fsync;
  options.wal.segment_bytes = segment_bytes;
  options.snapshot.after_writes = snapshot_after_writes;
  return options;
}

size_t CountAcks(std::string_view output, size_t* offset) {
  size_t acks = 0;
  for (size_t nl; (nl = output.find('\n', *offset)) != std::string_view::npos; *offset = nl + 1) {
    std::string_view line = output.substr(*offset, nl - *offset);
    if (line.size() > 2 && (line[0] == 'P' || line[0] == 'D') && line[1] == ' ') ++acks;
  }
  return acks;
}

CrashModel::CrashModel(uint32_t keys) : expected_(keys), in_flight_(keys) {}

std::string CrashModel::Consume(std::string_view output, uint32_t threads) {
  noise_.clear();
  // A final line without its newline was never completely written: not acknowledged.
  for (size_t pos = 0, nl; (nl = output.find('\n', pos)) != std::string_view::npos; pos = nl + 1) {
    std::string error = ConsumeLine(output.substr(pos, nl - pos));
    if (!error.empty()) return error;
  }
  size_t pending = std::count_if(in_flight_.begin(), in_flight_.end(),
                                 [](const InFlight& f) { return f.pending; });
  if (pending > threads) {
    return std::to_string(pending) + " operations in flight at the kill, but only " +
           std::to_string(threads) + " writer threads";
  }
  return "";
}

std::string CrashModel::ConsumeLine(std::string_view line) {
  bool intent = line.size() > 2 && line.substr(0, 2) == "I ";
  std::string_view op = intent ? line.substr(2) : line;
  if (op.size() < 2 || (op[0] != 'P' && op[0] != 'D') || op[1] != ' ') {
    if (line != kReadyLine) {
      if (noise_.size() == kNoiseKept) noise_.erase(noise_.begin());
      noise_.emplace_back(line);
    }
    return "";
  }
  std::vector<std::string_view> fields = Fields(op);
  bool put = op[0] == 'P';
  uint64_t index = expected_.size();
  std::string_view key = fields.size() > 1 ? fields[1] : "";
  if (key.substr(0, kKeyPrefix.size()) == kKeyPrefix) {
    if (!ParseUint(key.substr(kKeyPrefix.size()), &index)) index = expected_.size();
  }
  uint32_t length = 0;
  if (fields.size() != (put ? 3u : 2u) || index >= expected_.size() ||
      (put && !ParseValueId(fields[2], &length))) {
    return "malformed writer line '" + std::string(line) + "'";
  }
  State state = put ? State(std::string(fields[2])) : std::nullopt;
  InFlight& flight = in_flight_[index];
  if (intent) {
    if (flight.pending)
      return "a second intent before the first was acknowledged: " + std::string(line);
    flight = InFlight{true, std::move(state)};
    return "";
  }
  if (!flight.pending || flight.state != state) {
    return "an acknowledgement that does not follow its intent: '" + std::string(line) + "'";
  }
  expected_[index] = std::move(state);
  flight = InFlight{};
  ++acks_;
  return "";
}

CheckReport CrashModel::Verify(Universe* universe, size_t max_reported) {
  CheckReport report;
  std::string actual;
  for (uint32_t index = 0; index < keys(); ++index) {
    CheckKey(index, universe, &actual, &report, max_reported);
  }
  auto mismatch = [&](std::string text) {
    if (report.mismatches++ < max_reported) report.first_mismatches.push_back(std::move(text));
  };
  // Nothing outside the key space may appear either.
  uint64_t cursor = 0;
  for (int batch = 0; batch < 100000; ++batch) {
    ScanResult scan = universe->Scan(Pattern::All(), cursor, 256);
    if (!scan.ok()) {
      mismatch("Scan failed: " + scan.status.ToString());
      break;
    }
    for (const std::string& key : scan.keys) {
      uint64_t index = 0;
      bool known = key.substr(0, kKeyPrefix.size()) == kKeyPrefix &&
                   ParseUint(std::string_view(key).substr(kKeyPrefix.size()), &index) &&
                   index < keys() && key == Key(static_cast<uint32_t>(index));
      if (!known) mismatch("unexpected key '" + Printable(key, 48) + "' outside the key space");
    }
    cursor = scan.next_cursor;
    if (cursor == 0) break;
  }
  std::fill(in_flight_.begin(), in_flight_.end(), InFlight{});
  return report;
}

void CrashModel::CheckKey(uint32_t index, Universe* universe, std::string* actual,
                          CheckReport* report, size_t max_reported) {
  std::string key = Key(index);
  Status status = universe->Get(key, actual);
  auto holds = [&](const State& state) {
    return state ? status.ok() && *actual == Value(*state) : status.IsNotFound();
  };
  ++report->keys_checked;
  if (status.ok()) ++report->keys_present;
  InFlight& flight = in_flight_[index];
  if (flight.pending) ++report->in_flight;
  if (holds(expected_[index])) return;
  if (flight.pending && holds(flight.state)) {
    ++report->in_flight_applied;
    expected_[index] = flight.state;
    return;
  }
  if (report->mismatches++ >= max_reported) return;
  std::string text = key + ": expected " + DescribeExpected(expected_[index]) + ", actual " +
                     DescribeActual(status, *actual);
  if (flight.pending) text += " (in flight at the kill: " + DescribeExpected(flight.state) + ")";
  report->first_mismatches.push_back(std::move(text));
}

}  // namespace warp::crash
