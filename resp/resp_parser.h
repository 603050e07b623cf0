// RequestParser: the incremental RESP request parser of one client connection. Bytes are fed
// as they arrive from the socket; complete commands come out as argument lists. It accepts
// multibulk and inline requests exactly as Redis does (resp_format.h has the grammar, the
// limits and every error text).
//
// Usage:
//   parser.Feed(bytes_just_read);
//   RequestParser::Result r;
//   while ((r = parser.Next()) == RequestParser::Result::kCommand) Run(parser.args());
//   if (r == RequestParser::Result::kError) { reply "-ERR " + parser.error(); close; }
//
// Lifetime: the string_views of args() point into the parser's own buffers (multibulk
// arguments into the input buffer without copying, unescaped inline arguments into a scratch
// buffer) and stay valid until the next call of Feed() or Next().
//
// Memory: the parser keeps its buffers' capacity, so in a steady state (commands of similar
// size) neither Feed() nor Next() allocates. Consumed input is dropped by Feed(), which moves
// only the unparsed tail (at most one partial command) to the front. A partial command is
// parsed incrementally: each byte is scanned a bounded number of times however the input is
// split. Buffered input is bounded by the limits: one command of at most max_multibulk_len
// arguments of at most max_bulk_len bytes each, or one line of max_inline_len bytes.
// The capacity is never given back: a connection that once sent a huge command keeps the memory
// until the parser is destroyed.
//
// Errors: once Next() returns kError, error() holds Redis's message (without "ERR "), every
// later Next() returns kError again and Feed() ignores its input: the connection must be
// closed, as Redis does after replying.
//
// Thread-safety: none; one parser per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "resp/resp_format.h"

namespace warp::resp {

struct ParserOptions {
  size_t max_bulk_len = kDefaultMaxBulkLen;            // Redis proto-max-bulk-len
  size_t max_multibulk_len = kDefaultMaxMultibulkLen;  // arguments of one multibulk command
  size_t max_inline_len = kDefaultMaxInlineLen;        // an inline line or a header line
};

class RequestParser {
 public:
  enum class Result {
    kCommand,   // args() holds a complete command with at least one argument
    kNeedMore,  // every complete command was returned; Feed() more bytes
    kError,     // protocol error, see error(); the parser stays failed
  };

  explicit RequestParser(ParserOptions options = ParserOptions());

  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Appends bytes received from the client. Invalidates args().
  void Feed(std::string_view data);

  // Parses the next complete command from the bytes fed so far. Empty commands (a blank
  // inline line, "*0\r\n") are consumed silently. Invalidates the previous args().
  Result Next();

  // The arguments of the command the last Next() returned kCommand for.
  const std::vector<std::string_view>& args() const { return args_; }

  bool failed() const { return failed_; }
  // The protocol error, e.g. "Protocol error: invalid bulk length"; empty unless failed().
  const std::string& error() const { return error_; }

  // Bytes fed but not yet returned as part of a command.
  size_t buffered_bytes() const { return buf_.size() - start_; }

 private:
  enum class Kind { kNone, kMultibulk, kInline };
  // What the parse of one command ended with; kDone also covers empty commands.
  enum class Step { kDone, kNeedMore, kError };

  Step ParseMultibulk();
  Step ParseInline();
  // Finds the end byte `delim` of the line starting at cursor_, at most max_inline_len bytes
  // away. kDone: *end is its offset and (for '\r') the byte after it has arrived too.
  Step FindLineEnd(char delim, const char* too_big_error, size_t* end);
  // sdssplitargs over line[0, n): unescaped arguments into scratch_, spans into spans_.
  bool SplitInline(const char* line, size_t n);
  Step Fail(std::string message);

  ParserOptions options_;
  std::string buf_;     // fed bytes; [0, start_) is consumed and dropped by the next Feed()
  size_t start_ = 0;    // first byte of the command being parsed
  size_t cursor_ = 0;   // next byte to parse
  size_t scanned_ = 0;  // bytes after cursor_ already searched for a line end
  Kind kind_ = Kind::kNone;
  bool have_count_ = false;  // multibulk: the '*' line has been parsed
  int64_t args_left_ = 0;    // multibulk: arguments still to come
  int64_t bulk_len_ = -1;    // multibulk: length of the current argument, -1 before its '$'
  // Arguments of the command being parsed as (offset, length): relative to start_ in buf_ for
  // multibulk, into scratch_ for inline. Offsets survive Feed() moving the buffer.
  std::vector<std::pair<size_t, size_t>> spans_;
  std::string scratch_;
  std::vector<std::string_view> args_;
  bool failed_ = false;
  std::string error_;
};

}  // namespace warp::resp
