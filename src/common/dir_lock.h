#pragma once
// An exclusive lock on a directory, held for the life of the object, so that two processes
// never serve the same state.

#include <string>

namespace stratus {

// Holds an exclusive flock(2) on DIR/`name`, created if needed. Released on destruction or
// when the process dies (even by SIGKILL).
class DirLock {
 public:
  // Throws std::runtime_error naming the directory when another process holds the lock.
  DirLock(const std::string& dir, const std::string& name);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace stratus
