#include "compute/vm_driver.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "compute/qmp.h"

namespace stratus::compute {
namespace {

pid_t vm_pid(const std::string& run_dir) {
  std::ifstream in(run_dir + "/qemu.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace

Result<bool> QemuDriver::start(const VmSpec& spec, const std::string& netns) {
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
