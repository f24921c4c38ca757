#include "common/pty_process.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace stratus {

Result<std::unique_ptr<PtyProcess>> PtyProcess::start(const std::vector<std::string>& argv, int cols, int rows) {
  if (argv.empty()) return ApiError{"InternalError", "no program to start"};
  winsize size{};
  size.ws_col = static_cast<unsigned short>(cols);
  size.ws_row = static_cast<unsigned short>(rows);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // The environment is made before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> env_strings = {"TERM=xterm-256color"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "TERM=", 5) != 0) env_strings.emplace_back(*e);
  }
  std::vector<char*> env;
  for (std::string& entry : env_strings) env.push_back(entry.data());
  env.push_back(nullptr);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return ApiError{"InternalError", std::string("cannot make a terminal: ") + std::strerror(errno)};
  if (pid == 0) {  // the child
    execvpe(args[0], args.data(), env.data());
    _exit(127);
  }
  fcntl(master, F_SETFD, FD_CLOEXEC);
  return std::unique_ptr<PtyProcess>(new PtyProcess(pid, master));
}

PtyProcess::~PtyProcess() {
  if (!reaped_) {
    hang_up();
    for (int i = 0; i < 20 && waitpid(pid_, &status_, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (waitpid(pid_, &status_, WNOHANG) == 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
    }
  }
  close(master_);
}

std::string PtyProcess::read() {
  char buffer[16 * 1024];
  for (;;) {
    ssize_t n = ::read(master_, buffer, sizeof buffer);
    if (n > 0) return std::string(buffer, static_cast<size_t>(n));
    if (n < 0 && errno == EINTR) continue;
    return "";  // EIO: the terminal's other side closed (the program ended)
  }
}

bool PtyProcess::write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(master_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void PtyProcess::resize(int cols, int rows) {
  winsize size{};
  size.ws_col = static_cast<unsigned short>(cols);
  size.ws_row = static_cast<unsigned short>(rows);
  ioctl(master_, TIOCSWINSZ, &size);
}

void PtyProcess::hang_up() { kill(-pid_, SIGHUP); }

int PtyProcess::wait() {
  if (!reaped_) {
    while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  return WIFSIGNALED(status_) ? 128 + WTERMSIG(status_) : WEXITSTATUS(status_);
}

}  // namespace stratus
