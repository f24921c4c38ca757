#pragma once
// Whether KVM really runs guests here. /dev/kvm may exist while guests hang under it (as on
// the machines stratus is developed on), so the probe boots a real guest kernel under KVM
// with a deadline: it must print its banner and power off (panic=-1 with -no-reboot, there
// being no root disk) before the deadline.

#include <optional>
#include <string>
#include <string_view>

#include "compute/process_runner.h"

namespace stratus::compute {

// How VMs are accelerated.
enum class Accelerator { kAuto, kKvm, kTcg };

// The accelerator named "auto", "kvm" or "tcg", or nullopt.
std::optional<Accelerator> parse_accelerator(std::string_view name);

// True when /dev/kvm can be opened for reading and writing.
bool kvm_device_usable();

// Boots `kernel` under KVM in QEMU, writing its console to `console_log`; true when the guest
// printed "Linux version" and QEMU exited cleanly within `deadline_seconds`.
// The caller checks kvm_device_usable() first.
bool kvm_boots_guest(ProcessRunner& runner, const std::string& kernel, const std::string& console_log,
                     int deadline_seconds);

}  // namespace stratus::compute
