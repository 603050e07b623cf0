// TempDir: a fresh directory under $TMPDIR (or /tmp) for one test, removed with its contents
// when the object goes out of scope. Not thread-safe; one per test.
#pragma once

#include <string>

namespace warp::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Whole contents of a file ("" if it cannot be read).
std::string ReadFileOrEmpty(const std::string& path);
// Writes (replaces) a file; aborts the test binary on failure.
void WriteFileOrDie(const std::string& path, const std::string& contents);

}  // namespace warp::testing
