#include "console/serial_relay.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "common/temp_dir.h"
#include "common/timestamp.h"

namespace stratus::console {
namespace {

TEST(SerialRelayTokenTest, NamesItsInstanceUntilItExpiresAndOnlyWithItsSecret) {
  std::string token = serial_relay_token("secret", "i-0123", 1000);
  EXPECT_EQ(check_serial_relay_token("secret", token, 1000), "i-0123");
  EXPECT_EQ(check_serial_relay_token("secret", token, 1060), "i-0123");
  EXPECT_EQ(check_serial_relay_token("secret", token, 1061), std::nullopt);   // expired
  EXPECT_EQ(check_serial_relay_token("another", token, 1000), std::nullopt);  // not signed with it
  std::string other = token;
  other.replace(0, 6, "i-9999");  // another instance, the same signature
  EXPECT_EQ(check_serial_relay_token("secret", other, 1000), std::nullopt);
  EXPECT_EQ(check_serial_relay_token("secret", "", 1000), std::nullopt);
  EXPECT_EQ(check_serial_relay_token("secret", "i-0123 x y", 1000), std::nullopt);
}

// A serial port stand-in: a unix socket that echoes what it reads, upper-cased.
class EchoPort {
 public:
  explicit EchoPort(const std::string& path) {
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    thread_ = std::thread([this] {
      int fd = ::accept(listener_, nullptr, nullptr);
      char buffer[256];
      ssize_t n;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < n; ++i) buffer[i] = static_cast<char>(std::toupper(buffer[i]));
        if (::write(fd, buffer, static_cast<size_t>(n)) != n) break;
      }
      ::close(fd);
    });
  }
  ~EchoPort() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }

 private:
  int listener_;
  std::thread thread_;
};

TEST(SerialRelayTest, AGenuineTokenJoinsTheInstancesPortOthersAreRefused) {
  TempDir dir("serial-relay-test");
  std::string port_path = (dir.path() / "i-0123.serial").string();
  EchoPort port(port_path);
  SerialRelay relay("secret", [&](const std::string& id) { return dir.path() / (id + ".serial"); });
  auto listening = relay.start("127.0.0.1", 0);
  ASSERT_TRUE(listening.ok()) << listening.error().message;

  auto refused = connect_serial_relay("127.0.0.1", listening.value(), serial_relay_token("wrong", "i-0123", unix_now()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "SerialConsoleSessionUnavailableException");
  EXPECT_NE(refused.error().message.find("not a valid token"), std::string::npos);
  auto absent = connect_serial_relay("127.0.0.1", listening.value(), serial_relay_token("secret", "i-0999", unix_now()));
  ASSERT_FALSE(absent.ok());  // no such port on this host

  auto fd = connect_serial_relay("127.0.0.1", listening.value(), serial_relay_token("secret", "i-0123", unix_now()));
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  ASSERT_EQ(::write(fd.value(), "login\n", 6), 6);
  std::string got;
  char buffer[64];
  while (got.size() < 6) {
    ssize_t n = ::read(fd.value(), buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    got.append(buffer, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, "LOGIN\n");
  ::close(fd.value());
}

TEST(SerialRelayTest, StoppingEndsOpenSessions) {
  TempDir dir("serial-relay-stop-test");
  EchoPort port((dir.path() / "i-0123.serial").string());
  auto relay = std::make_unique<SerialRelay>("secret", [&](const std::string& id) { return dir.path() / (id + ".serial"); });
  auto listening = relay->start("127.0.0.1", 0);
  ASSERT_TRUE(listening.ok());
  auto fd = connect_serial_relay("127.0.0.1", listening.value(), serial_relay_token("secret", "i-0123", unix_now()));
  ASSERT_TRUE(fd.ok());
  relay.reset();  // returns only once the session ended
  char c;
  EXPECT_EQ(::read(fd.value(), &c, 1), 0);  // the relay hung up
  ::close(fd.value());
}

}  // namespace
}  // namespace stratus::console
