#include "compute/identity_port.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "common/socket_io.h"

namespace stratus::compute {
namespace {

using Clock = std::chrono::steady_clock;

// A connection to a unix socket, closed on destruction.
class Connection {
 public:
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Connects to `path`, retrying until `deadline` (QEMU may not listen yet); false if it never could.
  bool open(const std::string& path, Clock::time_point deadline) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return false;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    while (Clock::now() < deadline) {
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd_ < 0) return false;
      if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return true;
      ::close(fd_);
      fd_ = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Writes all of `text`; false on failure.
  bool write(const std::string& text) { return send_all(fd_, text); }
  // Reads lines until one equals `wanted`; false when the peer closes or `deadline` passes.
  bool await_line(const std::string& wanted, Clock::time_point deadline) {
    std::string pending;
    while (true) {
      for (size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
        if (pending.compare(0, end, wanted) == 0 && end == wanted.size()) return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[256];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return false;
      pending.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace

Result<bool> await_agent(const std::string& socket_path, int seconds) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  Connection port;
  if (!port.open(socket_path, deadline)) return ApiError{"InternalError", "cannot connect to " + socket_path};
  if (!port.await_line("ready", deadline)) {
    return ApiError{"InternalError", "the guest agent did not say it was ready within " + std::to_string(seconds) + " s"};
  }
  return true;
}

Result<bool> tell_identity(const std::string& socket_path, const nlohmann::json& identity, int seconds) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  Connection port;
  if (!port.open(socket_path, deadline)) return ApiError{"InternalError", "cannot connect to " + socket_path};
  if (!port.write(identity.dump() + "\n") || !port.await_line("ok", deadline)) {
    return ApiError{"InternalError", "the guest agent did not take its identity within " + std::to_string(seconds) + " s"};
  }
  return true;
}

}  // namespace stratus::compute
