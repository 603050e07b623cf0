#include "server/command.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "common/glob.h"
#include "common/wall_clock.h"
#include "server/internal/command_util.h"

namespace warp::server {

namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Every helper passes wait_for_sync=false: the connection, not the handler, waits for the
// fsync under wal.fsync=always (its loop group-commits the batch before sending the replies).
WriteOptions NoWait(int64_t expire_at_ms = 0) {
  WriteOptions options;
  options.expire_at_ms = expire_at_ms;
  options.wait_for_sync = false;
  return options;
}

// The buffer EncodeKey writes a prefixed key into, reused by every helper on this thread so a
// command on database n>0 does not allocate per key. Helpers never nest, so one suffices.
std::string* KeyBuffer() {
  thread_local std::string buffer;
  return &buffer;
}

bool IsPrefixed(std::string_view stored) { return !stored.empty() && stored[0] == '\0'; }

// How CountKeys knows cheaply that no key outside database 0's plain range exists.
//
// Keys of databases 1..15 (and database 0 keys starting with 0x00) are stored with a 0x00
// first byte. The engine counts keys per shard, not per prefix, so telling databases apart
// takes a scan of the whole keyspace. The census remembers that the last such scan of a
// universe found no prefixed key; every helper that writes a prefixed key raises
// g_prefixed_write, which makes the next CountKeys scan again. While only database 0 is used,
// CountKeys is therefore one Stats() call. Writes made directly on the Universe (bypassing
// the helpers) with prefixed keys are not noticed until the census is taken again.
std::atomic<bool> g_prefixed_write{false};

struct PrefixedKeyCensus {
  std::mutex mu;
  const Universe* universe = nullptr;  // whose keyspace the last scan covered
  std::string data_dir;                // with its directory (a new Universe may reuse the address)
  bool none = false;                   // that scan found no prefixed key
};

PrefixedKeyCensus& Census() {
  static PrefixedKeyCensus census;
  return census;
}

void NotePrefixedWrite(std::string_view stored) {
  if (IsPrefixed(stored) && !g_prefixed_write.load(std::memory_order_relaxed)) {
    g_prefixed_write.store(true, std::memory_order_release);
  }
}

// The engine pattern for one SCAN step of database `db`, and whether the keys it returns still
// have to be matched against the user's pattern after decoding.
struct EnginePattern {
  Pattern pattern;
  bool match_decoded = false;
};

EnginePattern ForDatabase(int db, std::string_view user) {
  if (db != 0) {
    // 0x00 and 1..15 are never glob metacharacters, so the 2-byte prefix matches itself
    // literally without escapes, and stays the glob's literal prefix that the engine compares
    // before running the matcher.
    std::string prefix{'\0', static_cast<char>(db)};
    if (user.empty()) return {Pattern::Prefix(std::move(prefix)), false};
    return {Pattern::Glob(prefix.append(user)), false};
  }
  if (user.empty()) return {Pattern::All(), false};
  char first = user[0];
  bool literal_first =
      first != '\0' && first != '*' && first != '?' && first != '[' && first != '\\';
  // A pattern starting with a literal byte other than 0x00 can match neither another
  // database's key nor an escaped database-0 key ("\0\0" + key starting with 0x00), so the
  // engine may match it against stored keys directly; any other pattern is matched after
  // decoding.
  if (literal_first) return {Pattern::Glob(std::string(user)), false};
  return {Pattern::All(), true};
}

// Keeps the keys of database `db` (decoded in place) that match `user` when needed.
void DecodeBatch(int db, std::string_view user, bool match_decoded, std::vector<std::string>* batch,
                 std::vector<std::string>* out) {
  for (std::string& stored : *batch) {
    std::string_view key;
    if (!DecodeKey(db, stored, &key)) continue;
    if (match_decoded && !GlobMatch(user, key)) continue;
    size_t strip = stored.size() - key.size();
    if (strip != 0) stored.erase(0, strip);
    out->push_back(std::move(stored));
  }
}

}  // namespace

// --- CommandTable ------------------------------------------------------------------------------

void CommandTable::Add(const CommandSpec& spec) {
  std::string lower = ToLowerAscii(spec.name);
  assert(index_.count(lower) == 0 && "command registered twice");
  index_.emplace(std::move(lower), specs_.size());
  specs_.push_back(spec);
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  // C++17's unordered_map has no heterogeneous lookup, so the lower-cased name goes into a
  // per-thread string whose capacity survives across calls: no allocation per lookup.
  thread_local std::string lower;
  if (lower.capacity() < 32) lower.reserve(32);
  lower.assign(name.data(), name.size());
  for (char& c : lower) c = LowerAscii(c);
  auto it = index_.find(lower);
  return it == index_.end() ? nullptr : &specs_[it->second];
}

const CommandTable& Commands() {
  static const CommandTable table = [] {
    CommandTable t;
    RegisterStringCommands(&t);
    RegisterKeyspaceCommands(&t);
    RegisterExpiryCommands(&t);
    RegisterConnectionCommands(&t);
    RegisterServerCommands(&t);
    return t;
  }();
  return table;
}

// --- Key helpers -------------------------------------------------------------------------------

Status CommandContext::Get(std::string_view key, std::string* value, Cosmic* cosmic) {
  Status s = Peek(key, value, cosmic);
  if (s.ok() || s.IsNotFound()) internal::CountLookup(*this, s.ok());
  return s;
}

Status CommandContext::Peek(std::string_view key, std::string* value, Cosmic* cosmic) {
  return GetIn(client.db, key, value, cosmic);
}

// A value read is recorded like a write (its version is the LSN that produced it): under
// wal.fsync=always the reply waits until that write is durable, so no client reads a value a
// power loss could still take back (Redis likewise sends no reply before the AOF fsync).
Status CommandContext::GetIn(int db, std::string_view key, std::string* value, Cosmic* cosmic) {
  Cosmic local;
  Cosmic* read = cosmic != nullptr ? cosmic : &local;
  Status s = universe().Get(EncodeKey(db, key, KeyBuffer()), value, read);
  if (s.ok()) NoteWrite(*read);
  return s;
}

WriteResult CommandContext::Put(std::string_view key, std::string_view value,
                                int64_t expire_at_ms) {
  return PutIn(client.db, key, value, expire_at_ms);
}

WriteResult CommandContext::PutIn(int db, std::string_view key, std::string_view value,
                                  int64_t expire_at_ms) {
  std::string_view stored = EncodeKey(db, key, KeyBuffer());
  WriteResult r = universe().Put(stored, value, NoWait(expire_at_ms));
  if (r.ok()) {
    NoteWrite(r.cosmic);
    NotePrefixedWrite(stored);
  }
  return r;
}

WriteResult CommandContext::Update(std::string_view key, const UpdateFn& fn) {
  return UpdateIn(client.db, key, fn);
}

WriteResult CommandContext::UpdateIn(int db, std::string_view key, const UpdateFn& fn) {
  std::string_view stored = EncodeKey(db, key, KeyBuffer());
  WriteResult r = universe().Update(stored, fn, NoWait());
  if (r.ok() && r.cosmic.version != 0) {
    NoteWrite(r.cosmic);
    NotePrefixedWrite(stored);
  }
  return r;
}

WriteResult CommandContext::Delete(std::string_view key) {
  WriteResult r = universe().Delete(EncodeKey(client.db, key, KeyBuffer()), NoWait());
  if (r.ok()) NoteWrite(r.cosmic);
  return r;
}

void CommandContext::NoteWrite(const Cosmic& cosmic) {
  if (pending_writes == nullptr || cosmic.version == 0) return;
  for (auto& [shard, lsn] : *pending_writes) {
    if (shard == cosmic.shard) {
      if (cosmic.version > lsn) lsn = cosmic.version;
      return;
    }
  }
  pending_writes->emplace_back(cosmic.shard, cosmic.version);
}

ScanResult CommandContext::Scan(std::string_view pattern, uint64_t cursor, size_t count) {
  return ScanIn(client.db, pattern, cursor, count);
}

// One step examines up to 10 engine batches of `count` keys until `count` keys of the database
// matched, as Redis's SCAN visits up to 10*COUNT buckets: with many databases or a selective
// MATCH a step still returns keys instead of mostly empty batches.
ScanResult CommandContext::ScanIn(int db, std::string_view pattern, uint64_t cursor, size_t count) {
  if (pattern == "*") pattern = {};
  if (count == 0) count = 1;
  EnginePattern engine = ForDatabase(db, pattern);
  ScanResult result;
  result.next_cursor = cursor;
  for (int batch = 0; batch < 10; ++batch) {
    ScanResult step = universe().Scan(engine.pattern, result.next_cursor, count);
    if (!step.ok()) return step;
    DecodeBatch(db, pattern, engine.match_decoded, &step.keys, &result.keys);
    result.next_cursor = step.next_cursor;
    if (result.next_cursor == 0 || result.keys.size() >= count) break;
  }
  return result;
}

uint64_t CommandContext::CountKeys(int db) {
  if (db < 0 || db >= kDatabases) return 0;
  PrefixedKeyCensus& census = Census();
  std::lock_guard<std::mutex> lock(census.mu);
  bool census_holds = census.universe == &universe() && census.none &&
                      census.data_dir == universe().options().data_dir &&
                      !g_prefixed_write.load(std::memory_order_acquire);
  if (census_holds) return db == 0 ? universe().Stats().total.keys : 0;

  // Count the prefixed keys of every database in one pass (keys only, no values).
  g_prefixed_write.store(false, std::memory_order_release);
  std::array<uint64_t, kDatabases> prefixed{};
  uint64_t total_prefixed = 0;
  uint64_t cursor = 0;
  do {
    ScanResult step = universe().Scan(Pattern::Prefix(std::string(1, '\0')), cursor, 4096);
    if (!step.ok()) return 0;
    for (const std::string& stored : step.keys) {
      if (stored.size() >= 2 && static_cast<unsigned char>(stored[1]) < kDatabases) {
        ++prefixed[static_cast<unsigned char>(stored[1])];
      }
      ++total_prefixed;
    }
    cursor = step.next_cursor;
  } while (cursor != 0);
  census.universe = &universe();
  census.data_dir = universe().options().data_dir;
  census.none = total_prefixed == 0;
  if (db != 0) return prefixed[db];
  // Database 0 holds every key except those of databases 1..15 (its escaped keys, "\0\0...",
  // belong to it). Stats counts keys whose expiry passed but are not yet removed, as Redis's
  // DBSIZE does, while the scan skips them: such keys of other databases count in database 0
  // until active expiry removes them.
  uint64_t total = universe().Stats().total.keys;
  uint64_t others = total_prefixed - prefixed[0];
  return total > others ? total - others : 0;
}

// --- Keys, time, errors, parsing ---------------------------------------------------------------

// The engine's clock (common/wall_clock.h), so "already expired" means the same on both sides.
int64_t NowUnixMs() { return SystemWallClock()->NowUnixMillis(); }

std::string_view EncodeKey(int db, std::string_view key, std::string* buffer) {
  if (db == 0 && !IsPrefixed(key)) return key;
  buffer->clear();
  buffer->push_back('\0');
  buffer->push_back(static_cast<char>(db));
  buffer->append(key.data(), key.size());
  return *buffer;
}

bool DecodeKey(int db, std::string_view stored, std::string_view* key) {
  if (!IsPrefixed(stored)) {
    if (db != 0) return false;
    *key = stored;
    return true;
  }
  if (stored.size() < 2 || static_cast<unsigned char>(stored[1]) != db) return false;
  std::string_view rest = stored.substr(2);
  // "\0\0abc" is not how database 0 stores "abc" (that is "abc" itself): no client key.
  if (db == 0 && !IsPrefixed(rest)) return false;
  *key = rest;
  return true;
}

std::string ErrWrongArity(std::string_view command) {
  return "ERR wrong number of arguments for '" + ToLowerAscii(command) + "' command";
}

std::string ErrUnknownCommand(const std::vector<std::string_view>& args) {
  // Redis formats with printf's %.128s and %.*s: at most 128 bytes of the name, arguments
  // quoted until the list reaches 128 bytes, the last one cut to fit, each stopping at a NUL.
  auto c_string = [](std::string_view text, size_t limit) {
    text = text.substr(0, std::min(limit, text.size()));
    return text.substr(0, text.find('\0'));
  };
  std::string listed;
  for (size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    std::string_view shown = c_string(args[i], 128 - listed.size());
    listed.append("'").append(shown).append("' ");
  }
  std::string_view name = args.empty() ? std::string_view() : args[0];
  std::string message = "ERR unknown command '";
  message.append(c_string(name, 128)).append("', with args beginning with: ").append(listed);
  return message;
}

std::string ErrInvalidExpire(std::string_view command) {
  return "ERR invalid expire time in '" + ToLowerAscii(command) + "' command";
}

bool ParseInt64(std::string_view text, int64_t* value) {
  // Redis's string2ll: at most 20 characters, an optional '-', no leading zeros.
  if (text.empty() || text.size() >= 21) return false;
  if (text == "0") {
    *value = 0;
    return true;
  }
  bool negative = text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits[0] < '1' || digits[0] > '9') return false;
  uint64_t magnitude = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (UINT64_MAX - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (magnitude > limit) return false;
  *value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

bool ParseDouble(std::string_view text, long double* value) {
  // Redis's string2ld: strtold over a NUL-terminated copy of under 5 KiB (MAX_LONG_DOUBLE_CHARS),
  // all of it consumed, no leading space, no overflow, no NaN.
  char buffer[5 * 1024];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  long double parsed = std::strtold(buffer, &end);
  if (std::isspace(static_cast<unsigned char>(buffer[0])) ||
      static_cast<size_t>(end - buffer) != text.size() || errno == EINVAL ||
      (errno == ERANGE && (parsed == HUGE_VALL || parsed == -HUGE_VALL || parsed == 0)) ||
      std::isnan(parsed)) {
    return false;
  }
  *value = parsed;
  return true;
}

std::string ToLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = LowerAscii(c);
  return lower;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// --- Private helpers (server/internal/command_util.h) -----------------------------------------

namespace internal {

std::string ErrFromStatus(const Status& status) { return "ERR " + status.ToString(); }

bool ReplyIfFailed(CommandContext& ctx, const Status& status) {
  if (status.ok()) return false;
  ctx.out.Error(ErrFromStatus(status));
  return true;
}

}  // namespace internal

}  // namespace warp::server
