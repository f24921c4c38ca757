#include "compute/kvm_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace stratus::compute {

std::optional<Accelerator> parse_accelerator(std::string_view name) {
  if (name == "auto") return Accelerator::kAuto;
  if (name == "kvm") return Accelerator::kKvm;
  if (name == "tcg") return Accelerator::kTcg;
  return std::nullopt;
}

bool kvm_device_usable() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool kvm_boots_guest(ProcessRunner& runner, const std::string& kernel, const std::string& console_log,
                     int deadline_seconds) {
  ::unlink(console_log.c_str());
  // coreutils' timeout kills QEMU at the deadline (exit status 137), since a guest that hangs
  // under KVM never powers off by itself.
  int status = runner.run({"timeout", "--signal=KILL", std::to_string(deadline_seconds), "qemu-system-x86_64",
                           "-accel", "kvm", "-M", "q35", "-m", "256", "-nodefaults", "-no-user-config", "-display",
                           "none", "-no-reboot", "-serial", "file:" + console_log, "-kernel", kernel, "-append",
                           "console=ttyS0 panic=-1"},
                          /*quiet=*/true);
  std::ifstream in(console_log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::unlink(console_log.c_str());
  return status == 0 && text.find("Linux version") != std::string::npos;
}

}  // namespace stratus::compute
