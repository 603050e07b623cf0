#include "resp/resp_writer.h"

#include <charconv>
#include <cmath>

namespace warp::resp {

namespace {

constexpr std::string_view kCrlf = "\r\n";

}  // namespace

void ReplyWriter::Line(char type, std::string_view text) {
  out_->push_back(type);
  size_t at = out_->size();
  out_->append(text.data(), text.size());
  // A CR or LF inside would end the line early and desynchronise the client.
  for (size_t i = at; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append(kCrlf);
}

void ReplyWriter::Header(char type, int64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out_->push_back(type);
  out_->append(digits, result.ptr);
  out_->append(kCrlf);
}

void ReplyWriter::SimpleString(std::string_view text) { Line('+', text); }

void ReplyWriter::Error(std::string_view message) { Line('-', message); }

void ReplyWriter::Integer(int64_t value) { Header(':', value); }

void ReplyWriter::Bulk(std::string_view bytes) {
  Header('$', static_cast<int64_t>(bytes.size()));
  out_->append(bytes.data(), bytes.size());
  out_->append(kCrlf);
}

void ReplyWriter::Verbatim(std::string_view text) {
  if (protocol_ != Protocol::kResp3) return Bulk(text);
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append("txt:");
  out_->append(text.data(), text.size());
  out_->append(kCrlf);
}

void ReplyWriter::Null() { out_->append(protocol_ == Protocol::kResp3 ? "_\r\n" : "$-1\r\n"); }

void ReplyWriter::NullArray() { out_->append(protocol_ == Protocol::kResp3 ? "_\r\n" : "*-1\r\n"); }

void ReplyWriter::ArrayHeader(size_t count) { Header('*', static_cast<int64_t>(count)); }

void ReplyWriter::SetHeader(size_t count) {
  Header(protocol_ == Protocol::kResp3 ? '~' : '*', static_cast<int64_t>(count));
}

void ReplyWriter::MapHeader(size_t pairs) {
  if (protocol_ == Protocol::kResp3) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(2 * pairs));
  }
}

void ReplyWriter::Double(double value) {
  char text[32];
  std::string_view formatted;
  if (std::isnan(value)) {
    formatted = "nan";
  } else if (std::isinf(value)) {
    formatted = value > 0 ? "inf" : "-inf";
  } else {
    // Shortest round-trip form, as Redis 7.2's fpconv_dtoa writes it: 1.5, 0.1, 1e+300.
    auto result = std::to_chars(text, text + sizeof(text), value);
    formatted = std::string_view(text, static_cast<size_t>(result.ptr - text));
  }
  if (protocol_ == Protocol::kResp3) {
    Line(',', formatted);
  } else {
    Bulk(formatted);
  }
}

void ReplyWriter::Boolean(bool value) {
  if (protocol_ == Protocol::kResp3) {
    out_->append(value ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(value ? ":1\r\n" : ":0\r\n");
  }
}

}  // namespace warp::resp
