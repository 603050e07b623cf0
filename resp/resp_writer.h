// ReplyWriter: encodes Redis replies in RESP2 or RESP3 (resp_format.h lists every encoding),
// appending to a caller-owned output buffer that the connection later writes to its socket.
//
// The protocol version is a setting of the writer (a connection switches it on HELLO 3); the
// same calls then produce the RESP3 type or its RESP2 fallback, so command handlers never
// look at the version. Aggregates are written as a header followed by their elements:
//   writer.MapHeader(1); writer.Bulk("field"); writer.Integer(7);
// REQUIRES: exactly the announced number of elements follows each header (2 per map pair).
//
// Simple strings and errors cannot hold CR or LF on the wire; the writer replaces them with
// spaces (Redis does the same for error texts). Bulk strings are binary safe.
//
// Lifetime: the output string must outlive the writer. Thread-safety: none. The writer never
// allocates on its own; the output string grows and keeps its capacity when the caller clears
// it after a write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "resp/resp_format.h"

namespace warp::resp {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, Protocol protocol = Protocol::kResp2)
      : out_(out), protocol_(protocol) {}

  Protocol protocol() const { return protocol_; }
  void set_protocol(Protocol protocol) { protocol_ = protocol; }

  void SimpleString(std::string_view text);  // +text
  // The full error text including its code, e.g. "ERR unknown command" or "WRONGTYPE ...".
  void Error(std::string_view message);  // -message
  void Integer(int64_t value);           // :value
  void Bulk(std::string_view bytes);     // $len bytes
  void Null();                           // a missing string: $-1 / _
  void NullArray();                      // a missing aggregate: *-1 / _
  void ArrayHeader(size_t count);        // *count
  void SetHeader(size_t count);          // ~count / *count
  void MapHeader(size_t pairs);          // %pairs / *(2 * pairs)
  // Shortest text that reads back as the same double; "inf", "-inf", "nan" otherwise.
  void Double(double value);  // ,text / bulk text
  void Boolean(bool value);   // #t #f / :1 :0
  // Text meant for humans (INFO, CLIENT INFO): RESP3 verbatim string "=len\r\ntxt:text",
  // a bulk string in RESP2.
  void Verbatim(std::string_view text);

 private:
  void Line(char type, std::string_view text);  // type, text with CR/LF blanked, CRLF
  void Header(char type, int64_t value);        // type, decimal value, CRLF

  std::string* out_;
  Protocol protocol_;
};

}  // namespace warp::resp
