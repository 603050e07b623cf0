#include "resp/resp_parser.h"

#include <algorithm>
#include <cstring>

namespace warp::resp {

namespace {

// Redis's string2ll: an optional '-', then "0" alone or a digit 1-9 and more digits, at most 20
// characters, no overflow. Anything else (a '+', spaces, leading zeros, "-0") is rejected.
bool ParseStrictInt(const char* p, size_t n, int64_t* value) {
  if (n == 0 || n > 20) return false;
  if (n == 1 && p[0] == '0') {
    *value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = p[0] == '-';
  if (negative && ++i == n) return false;
  if (p[i] < '1' || p[i] > '9') return false;
  uint64_t v = 0;
  for (; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(p[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > uint64_t{INT64_MAX} + 1) return false;
    *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > uint64_t{INT64_MAX}) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

// C isspace() in the "C" locale, which sdssplitargs uses between arguments.
bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

RequestParser::RequestParser(ParserOptions options) : options_(options) {}

void RequestParser::Feed(std::string_view data) {
  if (failed_) return;
  // Only the unparsed tail moves; the capacity stays, so steady-state feeding never allocates.
  if (start_ > 0) {
    buf_.erase(0, start_);
    cursor_ -= start_;
    start_ = 0;
  }
  buf_.append(data.data(), data.size());
}

RequestParser::Result RequestParser::Next() {
  if (failed_) return Result::kError;
  args_.clear();
  while (true) {
    if (kind_ == Kind::kNone) {
      if (cursor_ == buf_.size()) return Result::kNeedMore;
      kind_ = buf_[cursor_] == '*' ? Kind::kMultibulk : Kind::kInline;
    }
    Step step = kind_ == Kind::kMultibulk ? ParseMultibulk() : ParseInline();
    if (step == Step::kNeedMore) return Result::kNeedMore;
    if (step == Step::kError) return Result::kError;
    // The views stay valid after start_ moves on: buf_ only changes in the next Feed().
    const char* base = kind_ == Kind::kMultibulk ? buf_.data() + start_ : scratch_.data();
    for (const auto& [offset, length] : spans_) args_.emplace_back(base + offset, length);
    spans_.clear();
    kind_ = Kind::kNone;
    start_ = cursor_;
    if (!args_.empty()) return Result::kCommand;
  }
}

RequestParser::Step RequestParser::FindLineEnd(char delim, const char* too_big_error, size_t* end) {
  size_t avail = buf_.size() - cursor_;
  size_t window = std::min(avail, std::max(options_.max_inline_len + 1, options_.max_inline_len));
  // scanned_ remembers the search across calls so bytes arriving one at a time are not
  // rescanned from the line start each time.
  const char* from = buf_.data() + cursor_;
  if (scanned_ < window) {
    const void* hit = std::memchr(from + scanned_, delim, window - scanned_);
    if (hit != nullptr) {
      scanned_ = static_cast<size_t>(static_cast<const char*>(hit) - from);
      *end = cursor_ + scanned_;
      // A header line is only complete with the byte after its '\r' (Redis skips it unseen).
      if (delim == '\r' && *end + 1 >= buf_.size()) return Step::kNeedMore;
      return Step::kDone;
    }
    scanned_ = window;
  }
  if (avail > options_.max_inline_len) return Fail(too_big_error);
  return Step::kNeedMore;
}

RequestParser::Step RequestParser::ParseMultibulk() {
  size_t end = 0;
  if (!have_count_) {
    Step step = FindLineEnd('\r', "Protocol error: too big mbulk count string", &end);
    if (step != Step::kDone) return step;
    int64_t count = 0;
    if (!ParseStrictInt(buf_.data() + cursor_ + 1, end - cursor_ - 1, &count) ||
        (count > 0 && static_cast<uint64_t>(count) > options_.max_multibulk_len)) {
      return Fail("Protocol error: invalid multibulk length");
    }
    cursor_ = end + 2;
    scanned_ = 0;
    if (count <= 0) return Step::kDone;  // an empty command, skipped as Redis does
    have_count_ = true;
    args_left_ = count;
    bulk_len_ = -1;
  }
  while (args_left_ > 0) {
    if (bulk_len_ < 0) {
      Step step = FindLineEnd('\r', "Protocol error: too big bulk count string", &end);
      if (step != Step::kDone) return step;
      if (buf_[cursor_] != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") + buf_[cursor_] + "'");
      }
      int64_t length = 0;
      if (!ParseStrictInt(buf_.data() + cursor_ + 1, end - cursor_ - 1, &length) || length < 0 ||
          static_cast<uint64_t>(length) > options_.max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      cursor_ = end + 2;
      scanned_ = 0;
      bulk_len_ = length;
    }
    size_t length = static_cast<size_t>(bulk_len_);
    if (buf_.size() - cursor_ < length + 2) return Step::kNeedMore;
    spans_.emplace_back(cursor_ - start_, length);
    cursor_ += length + 2;  // the trailing CRLF is skipped unchecked, as in Redis
    bulk_len_ = -1;
    --args_left_;
  }
  have_count_ = false;
  return Step::kDone;
}

RequestParser::Step RequestParser::ParseInline() {
  size_t newline = 0;
  Step step = FindLineEnd('\n', "Protocol error: too big inline request", &newline);
  if (step != Step::kDone) return step;
  size_t end = newline;
  if (end > cursor_ && buf_[end - 1] == '\r') --end;
  if (!SplitInline(buf_.data() + cursor_, end - cursor_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  cursor_ = newline + 1;
  scanned_ = 0;
  return Step::kDone;
}

// A transcription of sdssplitargs' state machine; the line is treated as NUL-terminated at n,
// and an embedded NUL ends it early, as the C original sees it.
bool RequestParser::SplitInline(const char* line, size_t n) {
  scratch_.clear();
  spans_.clear();
  auto at = [line, n](size_t i) { return i < n ? line[i] : '\0'; };
  size_t i = 0;
  while (true) {
    while (at(i) != '\0' && IsBlank(at(i))) ++i;
    if (at(i) == '\0') return true;
    size_t begin = scratch_.size();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && IsHexDigit(at(i + 2)) && IsHexDigit(at(i + 3))) {
          scratch_.push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          scratch_.push_back(Unescape(at(++i)));
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsBlank(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          scratch_.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          scratch_.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsBlank(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          scratch_.push_back(c);
        }
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
        done = true;
      } else if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        scratch_.push_back(c);
      }
      if (at(i) != '\0') ++i;
    }
    spans_.emplace_back(begin, scratch_.size() - begin);
  }
}

RequestParser::Step RequestParser::Fail(std::string message) {
  failed_ = true;
  error_ = std::move(message);
  args_.clear();
  return Step::kError;
}

}  // namespace warp::resp
