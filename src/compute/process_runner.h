#pragma once
// Running external programs (debootstrap, qemu-img, ...) behind an interface, so that code
// which drives them can be unit-tested with a fake.

#include <string>
#include <vector>

namespace stratus::compute {

// Runs programs to completion.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs argv[0] (looked up in PATH) with `argv`, inheriting stdin/stdout/stderr, and waits.
  // Returns its exit status, or -1 when it could not be started or died of a signal.
  virtual int run(const std::vector<std::string>& argv) = 0;
};

// ProcessRunner on posix_spawnp(3) and waitpid(2).
class SpawnProcessRunner : public ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv) override;
};

}  // namespace stratus::compute
