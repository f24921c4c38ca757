#include "compute/process_runner.h"

#include <fcntl.h>
#include <spawn.h>

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

extern char** environ;

namespace stratus::compute {

bool process_alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');  // the command name may contain spaces and parentheses
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

pid_t daemon_pid(const std::string& pid_file) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || !process_alive(pid)) return 0;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return args.find(pid_file) != std::string::npos ? pid : 0;
}

void lowest_autogroup_priority(pid_t pid) {
  if (pid <= 0) return;
  std::ofstream autogroup("/proc/" + std::to_string(pid) + "/autogroup");
  autogroup << "19\n";  // absent where autogroups are off: the stream fails, nothing to do
}

int SpawnProcessRunner::run(const std::vector<std::string>& argv, bool quiet) {
  if (argv.empty()) return -1;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Children (QEMU and dnsmasq daemons among them) must not inherit our sockets: a VM holding
  // the API's or the metadata service's listening socket would keep it open past a restart.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace stratus::compute
