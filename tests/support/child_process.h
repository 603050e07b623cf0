// ChildProcess: a real program started by a test, with its stdout and stderr captured.
//
// Every wait is bounded by a timeout and driven by the child's output or exit, never by a
// fixed sleep. The destructor kill -9s a child that is still running, so a failing test
// cannot leak servers. Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace warp::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path, or a bare name looked up in PATH) with arguments argv[1..];
  // returns nullptr if fork/exec plumbing failed.
  static std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& argv);
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Everything the child has written so far (stdout and stderr interleaved).
  const std::string& output() const { return output_; }

  // Reads output until it contains `needle`; false if the child exits or time runs out first.
  bool WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout);
  void Signal(int signal_number);
  // Waits for the child to exit; returns its exit code, 128 + signal if killed by a signal,
  // or -1 if it was still running at the deadline (it is then killed).
  int Wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  // Reads what is available within `timeout`; false at end of output.
  bool ReadSome(std::chrono::milliseconds timeout);

  pid_t pid_;
  int fd_;
  bool exited_ = false;
  std::string output_;
};

// Path of a binary built by this project: $WARP_BINARY_DIR/bin/<name>.
std::string BuiltBinary(const std::string& name);
// Path of a file in the source tree: $WARP_SOURCE_DIR/<relative>.
std::string SourceFile(const std::string& relative);

}  // namespace warp::testing
