#include "compute/process_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
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

// The first line of /proc/PID/autogroup ("/autogroup-N nice V"), "" where autogroups are off.
std::string autogroup_of(pid_t pid) {
  std::string line;
  std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/autogroup"), line);
  return line;
}

TEST(LowestAutogroupPriority, GivesTheSessionOfADaemonNice19AndLeavesOursAlone) {
  std::string ours = autogroup_of(::getpid());
  if (ours.empty()) GTEST_SKIP() << "scheduler autogroups are off here";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t daemon = ::fork();
  if (daemon == 0) {
    ::setsid();  // a session, so an autogroup, of its own: as QEMU's -daemonize makes
    (void)!::write(ready[1], "x", 1);
    ::execlp("sleep", "sleep", "30", nullptr);
    ::_exit(127);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_NE(autogroup_of(daemon).find(" nice 0"), std::string::npos) << autogroup_of(daemon);
  lowest_autogroup_priority(daemon);
  EXPECT_NE(autogroup_of(daemon).find(" nice 19"), std::string::npos) << autogroup_of(daemon);
  EXPECT_EQ(autogroup_of(::getpid()), ours);
  lowest_autogroup_priority(0);  // no process: nothing to do
  ::kill(daemon, SIGKILL);
  ::waitpid(daemon, nullptr, 0);
}

}  // namespace
}  // namespace stratus::compute
