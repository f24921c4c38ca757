#include "net/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stratus::net {

Result<bool> run_in_netns(const std::string& name, const std::function<void()>& fn) {
  int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return ApiError{"InternalError", std::string("cannot open own netns: ") + std::strerror(errno)};
  std::string path = "/run/netns/" + name;
  int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    ::close(home);
    return ApiError{"InternalError", "no network namespace " + name + ": " + std::strerror(errno)};
  }
  if (::setns(target, CLONE_NEWNET) != 0) {
    std::string why = std::strerror(errno);
    ::close(target);
    ::close(home);
    return ApiError{"InternalError", "cannot enter network namespace " + name + ": " + why};
  }
  ::close(target);
  fn();
  int back = ::setns(home, CLONE_NEWNET);
  ::close(home);
  if (back != 0) std::abort();  // a thread stuck in a foreign namespace would misroute everything after
  return true;
}

}  // namespace stratus::net
