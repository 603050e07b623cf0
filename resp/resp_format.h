// The Redis serialization protocol (RESP) as WarpEngine speaks it: what the request parser
// accepts, what the reply writer emits, and the limits. The behaviour follows Redis's own
// networking.c (processMultibulkBuffer, processInlineBuffer) and sds.c (sdssplitargs).
//
// Requests (client -> server), resp_parser.h:
//   multibulk   '*' <count> CRLF  then <count> times:  '$' <len> CRLF <len bytes> CRLF
//               <count> and <len> are strict decimal integers (Redis string2ll: optional '-',
//               no '+', no leading zeros, at most 20 characters). A count <= 0 is an empty
//               command and is skipped. Bulk bytes are binary safe (may hold CR, LF, NUL). As
//               in Redis, the two bytes after a bulk and after each header line are skipped
//               without being checked to be CRLF.
//   inline      any line not starting with '*', ended by LF (an optional CR before it is
//               dropped), split as sdssplitargs does:
//                 - arguments are separated by blanks (isspace: SP HT LF VT FF CR);
//                 - "double quotes" understand \n \r \t \b \a \xHH and \<any> = <any>;
//                 - 'single quotes' understand only \' ;
//                 - a closing quote must be followed by a blank or the end of the line;
//                 - a quote inside an unquoted word starts quoting (a"b c" is one argument);
//                 - a NUL byte ends the line's arguments (the rest is ignored);
//               a line with no arguments is skipped.
//   Many commands may arrive in one read (pipelining) and one command may span many reads.
//
// Errors (the exact texts Redis replies with, prefixed by "-ERR " on the wire); after any of
// them the parser is failed for good and the connection is to be closed after the reply:
//   "Protocol error: too big mbulk count string"   '*' line longer than max_inline_len
//   "Protocol error: invalid multibulk length"     count not an integer or > max_multibulk_len
//   "Protocol error: too big bulk count string"    '$' line longer than max_inline_len
//   "Protocol error: expected '$', got 'x'"         an argument not starting with '$'
//   "Protocol error: invalid bulk length"          len not an integer, < 0 or > max_bulk_len
//   "Protocol error: too big inline request"       inline line longer than max_inline_len
//   "Protocol error: unbalanced quotes in request" inline quoting as above violated
// One deliberate difference: Redis applies the line limits only to bytes still waiting for
// their line end, so whether an over-long line fails depends on how the bytes were split into
// reads. Here a line longer than the limit always fails, so results never depend on the split.
//
// Replies (server -> client), resp_writer.h; RESP3 only when the client said HELLO 3:
//   kind          RESP2                      RESP3
//   simple        +OK CRLF                   same
//   error         -ERR message CRLF          same
//   integer       :42 CRLF                   same
//   bulk          $3 CRLF foo CRLF           same
//   null          $-1 CRLF                   _ CRLF
//   null array    *-1 CRLF                   _ CRLF
//   array         *2 CRLF ...                same
//   set           *2 CRLF ...                ~2 CRLF ...
//   map of n      *2n CRLF k v k v ...       %n CRLF k v ...
//   double        $3 CRLF 1.5 CRLF           ,1.5 CRLF   (also inf, -inf, nan)
//   boolean       :1 CRLF / :0 CRLF          #t CRLF / #f CRLF
//   verbatim      $2 CRLF hi CRLF            =6 CRLF txt:hi CRLF   (INFO, CLIENT INFO)
// Big numbers, attributes and push messages are not written yet.
#pragma once

#include <cstddef>

namespace warp::resp {

// Redis proto-max-bulk-len default: the largest bulk argument accepted.
inline constexpr size_t kDefaultMaxBulkLen = size_t{512} * 1024 * 1024;
// The largest multibulk argument count accepted (Redis before 7.0 hard-coded 1024*1024).
inline constexpr size_t kDefaultMaxMultibulkLen = 1024 * 1024;
// Redis PROTO_INLINE_MAX_SIZE: the longest inline request and header line.
inline constexpr size_t kDefaultMaxInlineLen = 64 * 1024;

enum class Protocol { kResp2 = 2, kResp3 = 3 };

}  // namespace warp::resp
