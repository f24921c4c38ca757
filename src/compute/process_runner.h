#pragma once
// Running external programs (debootstrap, qemu-img, ...) behind an interface, so that code
// which drives them can be unit-tested with a fake.

#include <sys/types.h>

#include <string>
#include <vector>

namespace stratus::compute {

// Runs programs to completion.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs argv[0] (looked up in PATH) with `argv` and waits; the child gets no file
  // descriptors beyond stdin/stdout/stderr. Inherits stdout/stderr, or
  // discards them when `quiet` (for probes whose failure is an answer, not an error).
  // Returns its exit status, or -1 when it could not be started or died of a signal.
  virtual int run(const std::vector<std::string>& argv, bool quiet = false) = 0;
};

// True when process `pid` exists and has not exited (a zombie no one has reaped counts as
// exited: daemons re-parented to a non-reaping init linger as zombies).
bool process_alive(pid_t pid);

// The pid recorded in `pid_file` when that process is alive and its command line names
// `pid_file` (as a daemon started with --pid-file does), else 0: a pid reused by another
// process after a host restart is not taken for the daemon.
pid_t daemon_pid(const std::string& pid_file);

// Gives the scheduler autogroup of process `pid` (its session's; see sched(7)) nice 19. Where
// autogroups are on, the kernel shares CPU between sessions before it weighs the nice values
// of the processes inside one, so a daemon in a session of its own (a QEMU started with
// -daemonize) yields to the rest only so. Does nothing where autogroups are off or `pid` is 0.
void lowest_autogroup_priority(pid_t pid);

// ProcessRunner on posix_spawnp(3) and waitpid(2).
class SpawnProcessRunner : public ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv, bool quiet = false) override;
};

}  // namespace stratus::compute
