// warp::Status: the result of an operation that can fail, in the style of leveldb::Status.
//
// A Status is either ok() or carries a code and a human-readable message that names what was
// wrong and where (a key, a config path and line, a file and offset). An OK status holds no
// allocation, so statuses are cheap to return by value; they are [[nodiscard]] so a dropped error
// is a compiler warning. Thread-safety: a Status is a value; distinct objects need no locking.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "warp/export.h"

namespace warp {

class [[nodiscard]] WARP_EXPORT Status {
 public:
  // Persisted and shown to users: values are append-only.
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound = 1,         // the key (or file, or child) does not exist
    kCorruption = 2,       // stored data failed a check (checksum, magic, manifest)
    kIOError = 3,          // the operating system refused a read, write, sync or lock
    kInvalidArgument = 4,  // the caller passed something malformed or out of range
    kBusy = 5,             // the resource is held by someone else (e.g. a locked data dir)
    kUnavailable = 6,      // the universe is not open, or is closing
  };

  Status() = default;
  Status(const Status& other) : code_(other.code_), message_(Clone(other.message_)) {}
  Status& operator=(const Status& other) {
    code_ = other.code_;
    message_ = Clone(other.message_);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }

  Code code() const { return code_; }
  // The message alone, without the code name ("" when ok).
  const std::string& message() const;
  // "OK" or "<code name>: <message>", e.g. "NotFound: key 'user:1'".
  std::string ToString() const;

 private:
  Status(Code code, std::string_view msg)
      : code_(code), message_(std::make_unique<const std::string>(msg)) {}
  static std::unique_ptr<const std::string> Clone(const std::unique_ptr<const std::string>& m) {
    return m ? std::make_unique<const std::string>(*m) : nullptr;
  }

  Code code_ = Code::kOk;
  // Null when ok (as leveldb's state_): an OK status is created, moved and destroyed without
  // touching the heap, which keeps it cheap on every key operation's result.
  std::unique_ptr<const std::string> message_;
};

}  // namespace warp
