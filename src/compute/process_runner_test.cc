#include "compute/process_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>

#include "common/temp_dir.h"

namespace stratus::compute {
namespace {

// A shell (in a process group of its own) waiting on `sleep 30`, with `extra` on its command line.
pid_t spawn_sleeper(const std::string& extra) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execlp("sh", "sh", "-c", "sleep 30; true", extra.c_str(), nullptr);
    ::_exit(127);
  }
  return pid;
}

TEST(DaemonPid, OnlyALiveProcessWhoseCommandLineNamesThePidFile) {
  TempDir dir("daemon-pid-test");
  std::string pid_file = (dir.path() / "d.pid").string();
  EXPECT_EQ(daemon_pid(pid_file), 0);  // no file

  pid_t ours = spawn_sleeper("--pid-file=" + pid_file);
  pid_t stranger = spawn_sleeper("--something-else");
  ::usleep(100000);
  std::ofstream(pid_file) << ours << "\n";
  EXPECT_EQ(daemon_pid(pid_file), ours);
  std::ofstream(pid_file, std::ios::trunc) << stranger << "\n";  // a pid reused by another process
  EXPECT_EQ(daemon_pid(pid_file), 0);

  for (pid_t p : {ours, stranger}) {
    ::kill(-p, SIGKILL);  // the shell and its sleep
    ::waitpid(p, nullptr, 0);
  }
  std::ofstream(pid_file, std::ios::trunc) << ours << "\n";
  EXPECT_EQ(daemon_pid(pid_file), 0);  // gone
}

}  // namespace
}  // namespace stratus::compute
