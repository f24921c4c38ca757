#include "console/serial_terminal.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <set>

#include "common/socket_io.h"
#include "console/serial_relay.h"

namespace stratus::console {
namespace {

// The instances with a serial session open.
struct OpenSessions {
  std::mutex mu;
  std::set<std::string> instances;  // GUARDED_BY(mu)
};

// A connection to a serial port's socket; its instance's session slot goes with it.
class SerialStream : public TerminalStream {
 public:
  SerialStream(int fd, std::shared_ptr<OpenSessions> open, std::string instance)
      : fd_(fd), open_(std::move(open)), instance_(std::move(instance)) {}
  ~SerialStream() override {
    ::close(fd_);
    std::lock_guard<std::mutex> lock(open_->mu);
    open_->instances.erase(instance_);
  }
  std::string read() override {
    char buffer[16 * 1024];
    for (;;) {
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n > 0) return std::string(buffer, static_cast<size_t>(n));
      if (n < 0 && errno == EINTR) continue;
      return "";
    }
  }
  bool write(std::string_view data) override { return send_all(fd_, data); }
  void resize(int, int) override {}  // a serial line has no size to tell
  void hang_up() override { ::shutdown(fd_, SHUT_RDWR); }
  int finish() override { return 0; }

 private:
  int fd_;
  std::shared_ptr<OpenSessions> open_;
  std::string instance_;
};

}  // namespace

TerminalOpener serial_opener(TerminalAccess& access) {
  auto open = std::make_shared<OpenSessions>();
  return [&access, open](const api::HttpRequest& header, int, int) -> Result<std::unique_ptr<TerminalStream>> {
    auto port = access.serial_port(header);
    if (!port.ok()) return port.error();
    std::string instance = connect_parameter(header, "InstanceId");
    {
      std::lock_guard<std::mutex> lock(open->mu);
      if (!open->instances.insert(instance).second) {
        return ApiError{"SerialConsoleSessionLimitExceededException",
                        "The instance currently has 1 active serial console session. Only 1 session is supported "
                        "at a time."};
      }
    }
    const TerminalAccess::SerialPort& at = port.value();
    auto fd = at.relay_address.empty() ? connect_serial_socket(at.socket)
                                       : connect_serial_relay(at.relay_address, at.relay_port, at.relay_token);
    if (!fd.ok()) {
      std::lock_guard<std::mutex> lock(open->mu);
      open->instances.erase(instance);
      return fd.error();
    }
    return std::unique_ptr<TerminalStream>(new SerialStream(fd.value(), open, instance));
  };
}

}  // namespace stratus::console
