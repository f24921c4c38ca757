#pragma once
// An exclusive lock on a directory, held for the life of the object, so that two processes
// never serve the same state.

#include <memory>
#include <string>

namespace stratus {

// Holds an exclusive flock(2) on DIR/`name`, created if needed. Released on destruction or
// when the process dies (even by SIGKILL).
class DirLock {
 public:
  // Throws std::runtime_error naming the directory when another process holds the lock.
  DirLock(const std::string& dir, const std::string& name);
  // The lock on DIR/`name`, or null when another holder has it. Throws std::runtime_error when
  // the file cannot be opened.
  static std::unique_ptr<DirLock> try_lock(const std::string& dir, const std::string& name);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  // An open descriptor of `path` holding its lock, or -1 when another holder has it. Throws
  // std::runtime_error when the file cannot be opened.
  static int open_locked(const std::string& path);

  int fd_ = -1;
};

}  // namespace stratus
