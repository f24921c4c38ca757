#include "common/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace stratus {

int DirLock::open_locked(const std::string& path) {
  // O_CLOEXEC: the VMs and dnsmasq this process starts outlive it and must not keep its locks.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

DirLock::DirLock(const std::string& dir, const std::string& name) : fd_(open_locked(dir + "/" + name)) {
  if (fd_ < 0) throw std::runtime_error("another stratus process is serving " + dir);
}

std::unique_ptr<DirLock> DirLock::try_lock(const std::string& dir, const std::string& name) {
  int fd = open_locked(dir + "/" + name);
  return fd < 0 ? nullptr : std::unique_ptr<DirLock>(new DirLock(fd));
}

DirLock::~DirLock() { ::close(fd_); }

}  // namespace stratus
