#include "compute/vm_driver.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "compute/qmp.h"

namespace stratus::compute {
namespace {

pid_t vm_pid(const std::string& run_dir) { return daemon_pid(run_dir + "/qemu.pid"); }

constexpr int kProbeDeadlineSeconds = 5;

}  // namespace

bool QemuDriver::use_kvm(const std::string& kernel) {
  if (accelerator_ == Accelerator::kAuto) {
    bool kvm = false;
    if (kvm_device_usable()) {
      std::error_code ec;
      std::filesystem::create_directories(probe_dir_, ec);
      kvm = kvm_boots_guest(runner_, kernel, probe_dir_ + "/kvm-probe.log", kProbeDeadlineSeconds);
    }
    std::fprintf(stderr, "stratus: %s\n", kvm ? "KVM runs guests here: VMs use KVM"
                                              : "KVM does not run a probe guest here: VMs use TCG (slower)");
    accelerator_ = kvm ? Accelerator::kKvm : Accelerator::kTcg;
  }
  return accelerator_ == Accelerator::kKvm;
}

Result<bool> QemuDriver::start(const VmSpec& given, const std::string& netns) {
  VmSpec spec = given;
  spec.kvm = use_kvm(spec.kernel);
  std::error_code ec;
  std::filesystem::create_directories(spec.run_dir, ec);
  if (ec) return ApiError{"InternalError", "cannot create " + spec.run_dir + ": " + ec.message()};
  std::vector<std::string> argv = {"ip", "netns", "exec", netns};
  std::vector<std::string> qemu = qemu_command(spec);
  argv.insert(argv.end(), qemu.begin(), qemu.end());
  // -daemonize: QEMU returns once the VM is set up and runs on as a daemon of its own.
  if (runner_.run(argv) != 0) return ApiError{"InternalError", "qemu failed to start " + spec.name};
  return true;
}

bool QemuDriver::running(const std::string& run_dir) { return process_alive(vm_pid(run_dir)); }

Result<bool> QemuDriver::power_down(const std::string& run_dir) {
  auto done = qmp_execute(run_dir + "/qmp.sock", "system_powerdown");
  if (!done.ok()) return done.error();
  return true;
}

Result<bool> QemuDriver::reset(const std::string& run_dir) {
  auto done = qmp_execute(run_dir + "/qmp.sock", "system_reset");
  if (!done.ok()) return done.error();
  return true;
}

Result<bool> QemuDriver::kill(const std::string& run_dir) {
  pid_t pid = vm_pid(run_dir);
  if (!process_alive(pid)) return true;
  (void)qmp_execute(run_dir + "/qmp.sock", "quit");
  for (int i = 0; i < 50 && process_alive(pid); ++i) ::usleep(20000);
  if (process_alive(pid)) ::kill(pid, SIGKILL);
  for (int i = 0; i < 50 && process_alive(pid); ++i) ::usleep(20000);
  if (process_alive(pid)) return ApiError{"InternalError", "VM " + run_dir + " does not die"};
  return true;
}

}  // namespace stratus::compute
