#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace warp::testing {

namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  pid_t pid = ::fork();
  if (pid < 0) return nullptr;
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());  // a bare name is looked up in PATH
    ::_exit(127);
  }
  ::close(fds[1]);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, fds[0]));
}

ChildProcess::~ChildProcess() {
  if (!exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::close(fd_);
}

bool ChildProcess::ReadSome(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;  // nothing yet
  char buffer[4096];
  ssize_t n = ::read(fd_, buffer, sizeof(buffer));
  if (n <= 0) return false;
  output_.append(buffer, static_cast<size_t>(n));
  return true;
}

bool ChildProcess::WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (output_.find(needle) == std::string::npos) {
    int left = RemainingMs(deadline);
    if (left == 0) return false;
    if (!ReadSome(std::chrono::milliseconds(left)))
      return output_.find(needle) != std::string::npos;
  }
  return true;
}

void ChildProcess::Signal(int signal_number) { ::kill(pid_, signal_number); }

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  // The pipe reaches end-of-file when the child exits: wait on that, then reap.
  while (RemainingMs(deadline) > 0) {
    if (!ReadSome(std::chrono::milliseconds(RemainingMs(deadline)))) break;
  }
  int status = 0;
  if (::waitpid(pid_, &status, RemainingMs(deadline) > 0 ? 0 : WNOHANG) != pid_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return -1;
  }
  exited_ = true;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string BuiltBinary(const std::string& name) {
  return EnvOr("WARP_BINARY_DIR", WARP_DEFAULT_BINARY_DIR) + "/bin/" + name;
}

std::string SourceFile(const std::string& relative) {
  return EnvOr("WARP_SOURCE_DIR", WARP_DEFAULT_SOURCE_DIR) + "/" + relative;
}

}  // namespace warp::testing
