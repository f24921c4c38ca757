#include "console/serial_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/digest.h"
#include "common/socket_io.h"
#include "common/timestamp.h"

namespace stratus::console {
namespace {

constexpr int64_t kTokenSeconds = 60;
constexpr size_t kMaxTokenLine = 512;

ApiError unavailable(const std::string& why) {
  return ApiError{"SerialConsoleSessionUnavailableException",
                  "Unable to start a serial console session (" + why + "). Please try again."};
}

std::string signature(const std::string& secret, const std::string& instance_id, const std::string& expiry) {
  return to_hex(hmac_sha256(secret, "serial-relay\n" + instance_id + "\n" + expiry));
}

// Reads one line (without its newline) of at most kMaxTokenLine bytes, byte by byte so that
// nothing after it is consumed; nullopt when the connection ends or times out first.
std::optional<std::string> read_line(int fd) {
  std::string line;
  while (line.size() < kMaxTokenLine) {
    char c = 0;
    ssize_t n = ::recv(fd, &c, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    if (c == '\n') return line;
    line.push_back(c);
  }
  return std::nullopt;
}

// Copies bytes both ways between `a` and `b` until either ends.
void join(int a, int b) {
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  char buffer[16 * 1024];
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !send_all(fds[1 - i].fd, std::string_view(buffer, static_cast<size_t>(n)))) return;
    }
  }
}

}  // namespace

std::string serial_relay_token(const std::string& secret, const std::string& instance_id, int64_t now) {
  std::string expiry = std::to_string(now + kTokenSeconds);
  return instance_id + " " + expiry + " " + signature(secret, instance_id, expiry);
}

std::optional<std::string> check_serial_relay_token(const std::string& secret, const std::string& token, int64_t now) {
  size_t first = token.find(' '), second = token.find(' ', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  std::string instance_id = token.substr(0, first), expiry = token.substr(first + 1, second - first - 1);
  if (!constant_time_equal(token.substr(second + 1), signature(secret, instance_id, expiry))) return std::nullopt;
  try {
    if (std::stoll(expiry) < now) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return instance_id;
}

Result<int> connect_serial_socket(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return ApiError{"InternalError", "serial socket path too long"};
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ApiError{"InternalError", std::string("socket: ") + std::strerror(errno)};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd);
    return unavailable(std::strerror(error));
  }
  return fd;
}

Result<int> connect_serial_relay(const std::string& address, int port, const std::string& token) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &to.sin_addr) != 1) return unavailable("no address for its host");
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ApiError{"InternalError", std::string("socket: ") + std::strerror(errno)};
  timeval timeout{5, 0};  // for the connection and the answer; the session itself has none
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    int error = errno;
    ::close(fd);
    return unavailable("its host: " + std::string(std::strerror(error)));
  }
  auto answer = send_all(fd, token + "\n") ? read_line(fd) : std::nullopt;
  if (answer != "ok") {
    ::close(fd);
    return unavailable("its host: " + (answer ? *answer : std::string("no answer")));
  }
  timeval none{0, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  return fd;
}

SerialRelay::SerialRelay(std::string secret, std::function<std::filesystem::path(const std::string&)> socket_of)
    : secret_(std::move(secret)), socket_of_(std::move(socket_of)) {}

SerialRelay::~SerialRelay() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);
  for (int client : clients_) ::shutdown(client, SHUT_RDWR);
  lock.unlock();
  if (acceptor_.joinable()) acceptor_.join();
  lock.lock();
  ended_.wait(lock, [this] { return clients_.empty(); });
  if (listener_ >= 0) ::close(listener_);
}

Result<int> SerialRelay::start(const std::string& address, int port) {
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &at.sin_addr) != 1) return ApiError{"InternalError", "bad relay address " + address};
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  socklen_t length = sizeof at;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 ||
      ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&at), &length) != 0) {
    return ApiError{"InternalError", "serial relay on " + address + ":" + std::to_string(port) + ": " + std::strerror(errno)};
  }
  acceptor_ = std::thread([this] {
    for (;;) {
      int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (client < 0 || stopping_) {
        if (client >= 0) ::close(client);
        return;
      }
      clients_.insert(client);
      std::thread([this, client] { serve(client); }).detach();
    }
  });
  return static_cast<int>(ntohs(at.sin_port));
}

void SerialRelay::serve(int client) {
  timeval timeout{5, 0};  // for the token line
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  auto line = read_line(client);
  auto instance_id = line ? check_serial_relay_token(secret_, *line, unix_now()) : std::nullopt;
  if (!instance_id) {
    send_all(client, "refused: not a valid token\n");
  } else if (auto port = connect_serial_socket(socket_of_(*instance_id).string()); !port.ok()) {
    send_all(client, port.error().message + "\n");
  } else {
    timeval none{0, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    if (send_all(client, "ok\n")) join(client, port.value());
    ::close(port.value());
  }
  std::lock_guard lock(mu_);
  ::close(client);
  clients_.erase(client);
  ended_.notify_all();
}

}  // namespace stratus::console
