#pragma once
// Running instance VMs: the interface the reconciler drives, and its QEMU implementation.
// VMs are daemons of their own (not children of `stratus serve`): they survive its restart
// and are found again by the pid file in their run directory.

#include <string>

#include "common/result.h"
#include "compute/process_runner.h"
#include "compute/qemu_command.h"

namespace stratus::compute {

// Starts, inspects and stops VMs.
class VmDriver {
 public:
  virtual ~VmDriver() = default;
  // Boots the VM of `spec` inside network namespace `netns` (its taps live there).
  virtual Result<bool> start(const VmSpec& spec, const std::string& netns) = 0;
  // True while the VM whose run directory is `run_dir` is running.
  virtual bool running(const std::string& run_dir) = 0;
  // Presses the ACPI power button (a clean guest shutdown follows).
  virtual Result<bool> power_down(const std::string& run_dir) = 0;
  // Resets the VM (a hard reboot, as RebootInstances gives when the guest ignores ACPI).
  virtual Result<bool> reset(const std::string& run_dir) = 0;
  // Ends the VM at once (QMP quit, then SIGKILL by pid).
  virtual Result<bool> kill(const std::string& run_dir) = 0;
};

// VmDriver on qemu-system-x86_64 and QMP.
class QemuDriver : public VmDriver {
 public:
  explicit QemuDriver(ProcessRunner& runner) : runner_(runner) {}
  Result<bool> start(const VmSpec& spec, const std::string& netns) override;
  bool running(const std::string& run_dir) override;
  Result<bool> power_down(const std::string& run_dir) override;
  Result<bool> reset(const std::string& run_dir) override;
  Result<bool> kill(const std::string& run_dir) override;

 private:
  ProcessRunner& runner_;
};

}  // namespace stratus::compute
