#include "console/instance_terminal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/query_decoder.h"
#include "common/ids.h"
#include "common/pty_process.h"
#include "common/ssh_keys.h"

namespace stratus::console {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Query parameter `name` as a terminal dimension: `fallback` when absent or not a number, else
// clamped to 10..1000.
int dimension(const api::HttpRequest& header, const std::string& name, int fallback) {
  std::string text = connect_parameter(header, name);
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos) return fallback;
  return std::clamp(std::stoi(text), 10, 1000);
}

// Writes `pem` to a new file in `dir` only its owner may read; its path, or "" when it cannot.
std::string write_private_key(const fs::path& dir, const std::string& pem) {
  std::error_code ignored;
  fs::create_directories(dir, ignored);
  fs::path path = dir / ("console-" + random_string(16, "0123456789abcdef"));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return "";
  bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  ::close(fd);
  if (!written) fs::remove(path, ignored);
  return written ? path.string() : "";
}

// One connection: the key, the push, the SSH client and the pumping of its output.
class InstanceTerminal : public api::WebSocketPeer, public std::enable_shared_from_this<InstanceTerminal> {
 public:
  InstanceTerminal(TerminalAccess& access, fs::path key_dir, SshCommand ssh, api::HttpRequest header,
                   std::shared_ptr<api::WebSocketLink> link)
      : access_(access),
        key_dir_(std::move(key_dir)),
        ssh_(std::move(ssh)),
        header_(std::move(header)),
        link_(std::move(link)) {}

  // Runs the connection on a thread of its own, which holds the terminal until it ends.
  void start() {
    std::thread([self = shared_from_this()] { self->run(); }).detach();
  }

  void on_message(std::string data, bool binary) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!process_) return;  // before the session is up, keystrokes have nowhere to go
    if (binary) {
      process_->write(data);
      return;
    }
    json control = json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (control.is_object() && control.contains("resize") && control["resize"].is_array() &&
        control["resize"].size() == 2 && control["resize"][0].is_number_integer() &&
        control["resize"][1].is_number_integer()) {
      process_->resize(std::clamp(control["resize"][0].get<int>(), 10, 1000),
                       std::clamp(control["resize"][1].get<int>(), 10, 1000));
    }
  }

  void on_closed() override {
    std::lock_guard<std::mutex> lock(mu_);
    left_ = true;
    if (process_) process_->hang_up();
  }

 private:
  void run() {
    link_->send_text(json{{"status", "connecting"}}.dump());
    auto key = generate_ssh_key_pair("ed25519");
    std::string key_file = key ? write_private_key(key_dir_, key->private_key_pem) : "";
    if (key_file.empty()) return fail("InternalError: cannot make a key for the session");
    auto address = access_.push_key(header_, key->public_key.openssh);
    if (!address.ok()) {
      fs::remove(key_file);
      return fail(address.error().code + ": " + address.error().message);
    }
    auto started = PtyProcess::start(ssh_(key_file, connect_parameter(header_, "InstanceOSUser"), address.value()),
                                     dimension(header_, "cols", 80), dimension(header_, "rows", 24));
    if (!started.ok()) {
      fs::remove(key_file);
      return fail("InternalError: " + started.error().message);
    }
    PtyProcess* process = started.value().get();
    {
      std::lock_guard<std::mutex> lock(mu_);
      process_ = std::move(started.value());
      if (left_) process_->hang_up();
    }
    link_->send_text(json{{"status", "connected"}}.dump());
    for (std::string out = process->read(); !out.empty(); out = process->read()) link_->send_binary(std::move(out));
    int exit_status = process->wait();
    fs::remove(key_file);
    link_->send_text(json{{"status", "closed"}, {"exit", exit_status}}.dump());
    link_->close(1000, "The SSH session ended.");
  }

  // Tells the browser why there is no session, and closes.
  void fail(const std::string& why) {
    link_->send_text(json{{"error", why}}.dump());
    link_->close(1008, "No session.");
  }

  TerminalAccess& access_;
  const fs::path key_dir_;
  const SshCommand ssh_;
  const api::HttpRequest header_;
  const std::shared_ptr<api::WebSocketLink> link_;
  std::mutex mu_;
  std::unique_ptr<PtyProcess> process_;  // GUARDED_BY(mu_) for setting; the run thread reads through it
  bool left_ = false;                    // the browser left; GUARDED_BY(mu_)
};

}  // namespace

std::string connect_parameter(const api::HttpRequest& header, const std::string& name) {
  size_t question = header.target.find('?');
  if (question == std::string::npos) return "";
  auto params = api::parse_form(header.target.substr(question + 1));
  if (!params.ok()) return "";
  for (const auto& [key, value] : params.value()) {
    if (key == name) return value;
  }
  return "";
}

std::vector<std::string> openssh_command(const std::string& key_file, const std::string& user,
                                         const std::string& address) {
  return {"ssh", "-tt", "-i", key_file, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o",
          "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o",
          "ServerAliveInterval=30", "--", user + "@" + address};
}

api::WebSocketRoute terminal_route(TerminalAccess& access, fs::path key_dir, SshCommand ssh) {
  api::WebSocketRoute route;
  route.claims = [](const api::HttpRequest& header) {
    return header.target.substr(0, header.target.find('?')) == kConnectPath;
  };
  route.open = [&access, key_dir = std::move(key_dir), ssh = std::move(ssh)](
                   const api::HttpRequest& header, std::shared_ptr<api::WebSocketLink> link) {
    auto terminal = std::make_shared<InstanceTerminal>(access, key_dir, ssh, header, std::move(link));
    terminal->start();
    return std::shared_ptr<api::WebSocketPeer>(terminal);
  };
  return route;
}

}  // namespace stratus::console
