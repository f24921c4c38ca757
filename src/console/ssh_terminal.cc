#include "console/ssh_terminal.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/ids.h"
#include "common/pty_process.h"
#include "common/ssh_keys.h"

namespace stratus::console {
namespace {

namespace fs = std::filesystem;

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

// An SSH client on a pseudo-terminal; its key file goes with it.
class SshStream : public TerminalStream {
 public:
  SshStream(std::unique_ptr<PtyProcess> process, std::string key_file)
      : process_(std::move(process)), key_file_(std::move(key_file)) {}
  ~SshStream() override {
    process_.reset();
    std::error_code ignored;
    fs::remove(key_file_, ignored);
  }
  std::string read() override { return process_->read(); }
  bool write(std::string_view data) override { return process_->write(data); }
  void resize(int cols, int rows) override { process_->resize(cols, rows); }
  void hang_up() override { process_->hang_up(); }
  int finish() override {
    std::error_code ignored;
    fs::remove(key_file_, ignored);
    return process_->wait();
  }

 private:
  std::unique_ptr<PtyProcess> process_;
  std::string key_file_;
};

}  // namespace

std::vector<std::string> openssh_command(const std::string& key_file, const std::string& user,
                                         const std::string& address) {
  return {"ssh", "-tt", "-i", key_file, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o",
          "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o",
          "ServerAliveInterval=30", "--", user + "@" + address};
}

TerminalOpener ssh_opener(TerminalAccess& access, fs::path key_dir, SshCommand ssh) {
  return [&access, key_dir = std::move(key_dir), ssh = std::move(ssh)](
             const api::HttpRequest& header, int cols, int rows) -> Result<std::unique_ptr<TerminalStream>> {
    auto key = generate_ssh_key_pair("ed25519");
    std::string key_file = key ? write_private_key(key_dir, key->private_key_pem) : "";
    if (key_file.empty()) return ApiError{"InternalError", "cannot make a key for the session"};
    auto address = access.push_key(header, key->public_key.openssh);
    if (!address.ok()) {
      fs::remove(key_file);
      return address.error();
    }
    auto process = PtyProcess::start(ssh(key_file, connect_parameter(header, "InstanceOSUser"), address.value()),
                                     cols, rows);
    if (!process.ok()) {
      fs::remove(key_file);
      return ApiError{"InternalError", process.error().message};
    }
    return std::unique_ptr<TerminalStream>(new SshStream(std::move(process.value()), key_file));
  };
}

}  // namespace stratus::console
