// The console's terminals through a real HttpServer: Connect's with a real pseudo-terminal, a
// stand-in for the region (which says who may connect where) and for ssh (a shell that shows what
// it was given, then echoes its input): the browser's messages and the server's, resizing, the key
// file's life, a refusal, and the SSH client hung up when the browser leaves. The serial console's
// with a unix socket standing in for QEMU's serial port: both ways, one session at a time.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "console/serial_terminal.h"
#include "console/ssh_terminal.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <cstring>
#include <thread>

#include "api/http_server.h"
#include "common/temp_dir.h"

namespace stratus::console {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

// Lets OS user "ec2-user" connect (to 198.51.100.7) and refuses everyone else; serial sessions
// go to `serial_path`.
class StandInAccess : public TerminalAccess {
 public:
  Result<std::string> push_key(const api::HttpRequest& header, const std::string& public_key) override {
    std::lock_guard<std::mutex> lock(mu);
    pushed.push_back(public_key);
    if (connect_parameter(header, "InstanceOSUser") != "ec2-user") {
      return ApiError{"AccessDeniedException", "not for this user"};
    }
    return std::string("198.51.100.7");
  }
  Result<SerialPort> serial_port(const api::HttpRequest&) override {
    SerialPort port;
    port.socket = serial_path;
    return port;
  }
  std::string serial_path;
  std::mutex mu;
  std::vector<std::string> pushed;
};

// A browser's side of the WebSocket: every message read, text ones parsed.
class Browser {
 public:
  Browser(uint16_t port, const std::string& query, const std::string& path = kConnectPath) : ws_(loop_) {
    asio::ip::tcp::resolver resolver(loop_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1:" + std::to_string(port), path + "?" + query);
  }
  // Reads messages until a text message equal to `status` or output containing `text` shows;
  // the terminal output read meanwhile.
  std::string read_until(const std::string& text, const json& status = nullptr) {
    std::string output;
    for (;;) {
      beast::flat_buffer buffer;
      ws_.read(buffer);
      std::string message = beast::buffers_to_string(buffer.data());
      if (!ws_.got_binary()) {
        texts.push_back(json::parse(message));
        if (!status.is_null() && texts.back() == status) return output;
        continue;
      }
      output += message;
      if (!text.empty() && output.find(text) != std::string::npos) return output;
    }
  }
  void send_binary(const std::string& data) {
    ws_.binary(true);
    ws_.write(asio::buffer(data));
  }
  void send_text(const std::string& data) {
    ws_.binary(false);
    ws_.write(asio::buffer(data));
  }
  void close() { ws_.close(websocket::close_code::normal); }
  std::vector<json> texts;

 private:
  asio::io_context loop_;
  websocket::stream<asio::ip::tcp::socket> ws_;
};

class InstanceTerminalTest : public ::testing::Test {
 protected:
  InstanceTerminalTest() : keys_("instance-terminal-keys") {
    server_ = std::make_unique<api::HttpServer>(
        "127.0.0.1", 0, api::HttpLimits{}, [](api::HttpRequest, api::HttpServer::Responder respond) {
          api::HttpResponse answer;
          answer.status = 404;
          respond(std::move(answer));
        },
        [](api::Refusal, const std::string&, const api::HttpRequest*) { return api::HttpResponse{}; });
    // The stand-in for ssh shows its arguments and whether the key file exists, reports its
    // terminal's size when told to, and echoes the rest.
    server_->add_websocket_route(terminal_route(
        kConnectPath, ssh_opener(access_, keys_.path(), [](const std::string& key, const std::string& user,
                                                           const std::string& address) {
          return std::vector<std::string>{
              "sh", "-c",
              "echo \"as=$0 at=$1 key=$(test -s \"$2\" && echo present)\"; "
              "while read line; do if [ \"$line\" = size ]; then stty size; else echo \"got:$line\"; fi; done",
              user, address, key};
        })));
    server_->add_websocket_route(terminal_route(kSerialPath, serial_opener(access_)));
    runner_ = std::thread([this] { server_->run(2); });
  }
  ~InstanceTerminalTest() override { stop_server(); }
  // Stops the server and destroys it.
  void stop_server() {
    if (!server_) return;
    server_->stop();
    runner_.join();
    server_.reset();
  }
  size_t key_files() {
    return std::distance(std::filesystem::directory_iterator(keys_.path()), std::filesystem::directory_iterator());
  }

  StandInAccess access_;
  TempDir keys_;
  std::unique_ptr<api::HttpServer> server_;
  std::thread runner_;
};

TEST_F(InstanceTerminalTest, SessionCarriesKeystrokesAndOutput) {
  Browser browser(server_->port(), "InstanceId=i-0123456789abcdef0&InstanceOSUser=ec2-user&cols=100&rows=30");
  std::string banner = browser.read_until("key=present");
  EXPECT_NE(banner.find("as=ec2-user at=198.51.100.7 key=present"), std::string::npos) << banner;
  EXPECT_EQ(browser.texts.front(), json({{"status", "connecting"}}));
  EXPECT_EQ(browser.texts.back(), json({{"status", "connected"}}));
  {
    std::lock_guard<std::mutex> lock(access_.mu);
    ASSERT_EQ(access_.pushed.size(), 1u);
    EXPECT_EQ(access_.pushed[0].rfind("ssh-ed25519 ", 0), 0u);
  }
  EXPECT_EQ(key_files(), 1u);
  browser.send_binary("hello\n");
  browser.read_until("got:hello");
  browser.send_text(R"({"resize": [120, 40]})");
  browser.send_binary("size\n");
  browser.read_until("40 120");
  browser.send_binary("\x04");  // end of input: the stand-in ends, and so does the session
  browser.read_until("", json({{"status", "closed"}, {"exit", 0}}));
  EXPECT_EQ(key_files(), 0u);
}

TEST_F(InstanceTerminalTest, RefusalIsToldAndNothingRuns) {
  Browser browser(server_->port(), "InstanceId=i-0123456789abcdef0&InstanceOSUser=root");
  EXPECT_THROW(browser.read_until("as="), boost::system::system_error);  // closed after the refusal
  ASSERT_EQ(browser.texts.size(), 2u);
  EXPECT_EQ(browser.texts[1], json({{"error", "AccessDeniedException: not for this user"}}));
  EXPECT_EQ(key_files(), 0u);
}

TEST_F(InstanceTerminalTest, LeavingHangsUpTheClient) {
  {
    Browser browser(server_->port(), "InstanceId=i-0123456789abcdef0&InstanceOSUser=ec2-user");
    browser.read_until("key=present");
    browser.close();
  }
  // The stand-in is hung up and its key removed once the server hears the browser leave.
  for (int i = 0; i < 50 && key_files() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(key_files(), 0u);
}

// A listening unix socket standing in for QEMU's serial port: accepts one client at a time.
class SerialPortStandIn {
 public:
  explicit SerialPortStandIn(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
  }
  ~SerialPortStandIn() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  // The next client's descriptor.
  int accept() { return ::accept(fd_, nullptr, nullptr); }

 private:
  std::string path_;
  int fd_;
};

TEST_F(InstanceTerminalTest, SerialConsoleBothWaysOneSessionAtATime) {
  access_.serial_path = (keys_.path() / "serial.sock").string();
  SerialPortStandIn port(access_.serial_path);
  const std::string query = "InstanceId=i-0123456789abcdef0";
  auto first = std::make_unique<Browser>(server_->port(), query, kSerialPath);
  first->read_until("", json({{"status", "connected"}}));
  int guest = port.accept();
  ASSERT_GE(guest, 0);
  ASSERT_EQ(::write(guest, "login: ", 7), 7);
  first->read_until("login: ");
  first->send_binary("root\n");
  char typed[5] = {};
  ASSERT_EQ(::read(guest, typed, sizeof typed), 5);
  EXPECT_EQ(std::string(typed, 5), "root\n");

  Browser second(server_->port(), query, kSerialPath);
  EXPECT_THROW(second.read_until("never"), boost::system::system_error);
  ASSERT_EQ(second.texts.size(), 2u);
  EXPECT_EQ(second.texts[1]["error"].get<std::string>().rfind("SerialConsoleSessionLimitExceededException: ", 0), 0u);

  first->close();
  first.reset();
  char rest[8];
  EXPECT_EQ(::read(guest, rest, sizeof rest), 0);  // the server hung up the port's connection
  ::close(guest);
  // The slot is free again once the first session's thread has let go of it.
  bool reopened = false;
  for (int i = 0; i < 40 && !reopened; ++i) {
    Browser third(server_->port(), query, kSerialPath);
    try {
      third.read_until("", json({{"status", "connected"}}));
      reopened = true;
    } catch (const boost::system::system_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(reopened);
}

TEST_F(InstanceTerminalTest, AServerThatGoesEndsItsSessionsFirst) {
  access_.serial_path = (keys_.path() / "serial.sock").string();
  SerialPortStandIn port(access_.serial_path);
  Browser browser(server_->port(), "InstanceId=i-0123456789abcdef0", kSerialPath);
  browser.read_until("", json({{"status", "connected"}}));
  int guest = port.accept();
  ASSERT_GE(guest, 0);
  stop_server();  // with the session open: its thread must be done before the loops go
  pollfd hung_up{guest, POLLIN, 0};
  ASSERT_EQ(::poll(&hung_up, 1, 5000), 1);
  char rest[8];
  EXPECT_EQ(::read(guest, rest, sizeof rest), 0);
  ::close(guest);
}

}  // namespace
}  // namespace stratus::console
