#pragma once
// A program on a pseudo-terminal of its own (a new session whose controlling terminal it is):
// what it writes is read from the terminal, what is written to the terminal is its input.

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus {

class PtyProcess {
 public:
  // Starts `argv` (argv[0] found on PATH) with TERM=xterm-256color on a terminal of `cols` x
  // `rows`. Errors: no terminal could be made or the process not started.
  static Result<std::unique_ptr<PtyProcess>> start(const std::vector<std::string>& argv, int cols, int rows);
  // Hangs up (SIGHUP to its process group; SIGKILL after 2 s) and reaps it.
  ~PtyProcess();
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  // What the program wrote next: blocks until some arrives; "" once it ended or hung up.
  // One reader at a time.
  std::string read();
  // Writes all of `data` to its input (false when the terminal is gone). Thread-safe with read().
  bool write(std::string_view data);
  // Resizes its terminal (the program gets SIGWINCH). Thread-safe.
  void resize(int cols, int rows);
  // Sends SIGHUP to its process group: read() then returns "" once it exits. Thread-safe.
  void hang_up();
  // Waits for it to end; its exit status (128 + signal when killed). Call once, after read() gave "".
  int wait();

 private:
  PtyProcess(pid_t pid, int master) : pid_(pid), master_(master) {}

  pid_t pid_;
  int master_;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace stratus
