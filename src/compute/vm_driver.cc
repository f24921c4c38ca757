#include "compute/vm_driver.h"

#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/shell_output.h"
#include "compute/identity_port.h"
#include "compute/pci_slots.h"
#include "compute/qmp.h"

namespace stratus::compute {
namespace {

pid_t vm_pid(const std::string& run_dir) { return daemon_pid(run_dir + "/qemu.pid"); }

std::string qmp_socket(const std::string& run_dir) { return run_dir + "/qmp.sock"; }

// NIC slot -> device index of the NIC in it, from the VM's PCI tree.
Result<std::map<int, int>> slots(const std::string& run_dir) {
  auto buses = qmp_execute(qmp_socket(run_dir), "query-pci");
  if (!buses.ok()) return buses.error();
  return nics_in_slots(buses.value());
}

// Disk slot -> the volume whose disk sits there, for the VM of `run_dir`.
Result<std::map<int, std::string>> disk_slots(const std::string& run_dir) {
  auto buses = qmp_execute(qmp_socket(run_dir), "query-pci");
  if (!buses.ok()) return buses.error();
  return disks_in_slots(buses.value());
}

// Runs the QMP `command` on the VM of `run_dir` for its effect; the failure, if any.
Result<bool> qmp_command(const std::string& run_dir, const std::string& command,
                         const nlohmann::json& arguments = nlohmann::json::object()) {
  auto done = qmp_execute(qmp_socket(run_dir), command, arguments);
  if (!done.ok()) return done.error();
  return true;
}

// Runs each QMP command of `steps` (name, arguments) on the VM of `run_dir` in order; the first
// failure, if any.
Result<bool> qmp_commands(const std::string& run_dir,
                          const std::vector<std::pair<std::string, nlohmann::json>>& steps) {
  for (const auto& [command, arguments] : steps) {
    auto done = qmp_command(run_dir, command, arguments);
    if (!done.ok()) return done;
  }
  return true;
}

// The migration capabilities of saved states: RAM in a shared file (VmSpec::ram_file) is left out.
const nlohmann::json kStateCapabilities = {
    {"capabilities", nlohmann::json::array({{{"capability", "x-ignore-shared"}, {"state", true}}})}};

constexpr const char* kRamCopyPrefix = "stratus-ram-";  // restored VMs' RAM files, unlinked once QEMU has them

constexpr int kProbeDeadlineSeconds = 5;
constexpr int kRestoreDeadlineSeconds = 60;   // from QEMU's start to a restored VM running
constexpr int kSaveDeadlineSeconds = 120;     // for QEMU to write a saved state
constexpr int kIdentityDeadlineSeconds = 10;  // for a restored guest's agent to take its identity

// Where views of the VM's disk `node` live: NBD from the VM's QEMU, the fleece file in its run
// directory.
block::ViewPlace view_place(const std::string& run_dir, const std::string& node, const block::ViewSpec& spec) {
  return {qmp_socket(run_dir), node, run_dir + "/nbd.sock", run_dir + "/fleece-" + spec.view_id + ".qcow2"};
}

}  // namespace

bool guest_ram_fits(int64_t memory_mib) {
  struct statvfs fs {};
  if (::statvfs(kGuestRamDir, &fs) != 0) return false;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize) >= memory_mib * (int64_t{1} << 20);
}

void remove_stray_ram_copies(std::chrono::seconds older_than) {
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(kGuestRamDir, ec)) {
    if (entry.path().filename().string().rfind(kRamCopyPrefix, 0) != 0) continue;
    auto written = std::filesystem::last_write_time(entry.path(), ec);
    if (!ec && now - written > older_than) std::filesystem::remove(entry.path(), ec);
  }
}

bool QemuDriver::use_kvm(const std::string& kernel) {
  std::lock_guard<std::mutex> lock(mu_);
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
  if (!spec.incoming.empty()) {
    auto ram = ram_copy(spec);
    if (!ram.ok()) return ram.error();
    spec.ram_file = ram.value();
  }
  std::vector<std::string> argv;
  if (spec.background) argv = {"nice", "-n", "19"};
  argv.insert(argv.end(), {"ip", "netns", "exec", netns});
  std::vector<std::string> qemu = qemu_command(spec);
  argv.insert(argv.end(), qemu.begin(), qemu.end());
  // -daemonize: QEMU returns once the VM is set up (its RAM mapped) and runs on as a daemon of its own.
  const int exit_code = runner_.run(argv);
  // A restored VM's RAM file is QEMU's alone: it goes when QEMU ends.
  if (!spec.incoming.empty()) std::filesystem::remove(spec.ram_file, ec);
  if (exit_code != 0) return ApiError{"InternalError", "qemu failed to start " + spec.name};
  if (spec.background) lowest_autogroup_priority(vm_pid(spec.run_dir));  // its own session's
  if (spec.incoming.empty()) return true;
  auto restore = restore_state(spec.run_dir, spec.incoming);
  if (!restore.ok()) (void)kill(spec.run_dir);
  return restore;
}

Result<std::string> QemuDriver::ram_copy(const VmSpec& spec) {
  if (!guest_ram_fits(spec.memory_mib)) {
    return ApiError{"InternalError", std::string(kGuestRamDir) + " has no room for " +
                                         std::to_string(spec.memory_mib) + " MiB of guest RAM"};
  }
  std::string path = std::string(kGuestRamDir) + "/" + kRamCopyPrefix + "XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return ApiError{"InternalError", std::string("cannot make a RAM file in ") + kGuestRamDir};
  ::close(fd);
  Result<bool> copied = true;
  if (runner_.run({"cp", "--sparse=always", spec.incoming_ram, path}) != 0) {
    copied = ApiError{"InternalError", "cannot copy the saved RAM " + spec.incoming_ram + " to " + kGuestRamDir};
  } else {
    copied = write_uuid_spots(path, spec.incoming_uuid_spots, spec.smbios_uuid);
  }
  if (!copied.ok()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return copied.error();
  }
  return path;
}

Result<bool> QemuDriver::restore_state(const std::string& run_dir, const std::string& state_file) {
  auto asked = qmp_commands(run_dir, {{"migrate-set-capabilities", kStateCapabilities},
                                      {"migrate-incoming", {{"uri", "exec:cat " + state_file}}}});
  if (!asked.ok()) return asked;
  // The restore goes on in the daemon. It ends in the state the VM was saved in: paused.
  for (int i = 0; i < kRestoreDeadlineSeconds * 20; ++i) {
    auto status = qmp_execute(qmp_socket(run_dir), "query-status");
    std::string now = status.ok() ? status.value().value("status", "") : "";
    if (now == "running") return true;
    if (now == "paused") (void)qmp_command(run_dir, "cont");
    if (!running(run_dir)) return ApiError{"InternalError", "qemu could not restore " + state_file};
    ::usleep(50000);
  }
  return ApiError{"InternalError", "restoring " + state_file + " took over " +
                                       std::to_string(kRestoreDeadlineSeconds) + " s"};
}

Result<bool> QemuDriver::save(const std::string& run_dir, const std::string& state_file) {
  auto asked = qmp_commands(run_dir, {{"stop", nlohmann::json::object()},
                                      {"migrate-set-capabilities", kStateCapabilities},
                                      // The default bandwidth (32 MiB/s) would make the devices' state take long.
                                      {"migrate-set-parameters", {{"max-bandwidth", int64_t{1} << 40}}},
                                      {"migrate", {{"uri", "exec:cat > " + state_file}}}});
  if (!asked.ok()) return asked;
  for (int i = 0; i < kSaveDeadlineSeconds * 20; ++i) {
    auto migration = qmp_execute(qmp_socket(run_dir), "query-migrate");
    if (!migration.ok()) return migration.error();
    std::string status = migration.value().value("status", "");
    if (status == "completed") return kill(run_dir);
    if (status == "failed" || status == "cancelled") {
      return ApiError{"InternalError", "saving the VM failed: " + migration.value().value("error-desc", status)};
    }
    ::usleep(50000);
  }
  return ApiError{"InternalError", "saving the VM took over " + std::to_string(kSaveDeadlineSeconds) + " s"};
}

std::string QemuDriver::machine(const std::string& kernel) {
  bool kvm = use_kvm(kernel);
  std::lock_guard<std::mutex> lock(mu_);
  if (qemu_version_.empty()) {
    std::string out = shell_output("qemu-system-x86_64 --version");
    qemu_version_ = out.substr(0, out.find('\n'));
  }
  return std::string(kvm ? "kvm" : "tcg") + " " + qemu_version_;
}

Result<bool> QemuDriver::await_agent(const std::string& run_dir, int seconds) {
  return compute::await_agent(run_dir + "/" + kIdentitySocket, seconds);
}

Result<bool> QemuDriver::tell_identity(const std::string& run_dir, const nlohmann::json& identity) {
  return compute::tell_identity(run_dir + "/" + kIdentitySocket, identity, kIdentityDeadlineSeconds);
}

bool QemuDriver::running(const std::string& run_dir) { return process_alive(vm_pid(run_dir)); }

Result<bool> QemuDriver::power_down(const std::string& run_dir) { return qmp_command(run_dir, "system_powerdown"); }

Result<bool> QemuDriver::press_ctrl_alt_del(const std::string& run_dir) {
  nlohmann::json keys = nlohmann::json::array();
  for (const char* key : {"ctrl", "alt", "delete"}) keys.push_back({{"type", "qcode"}, {"data", key}});
  return qmp_command(run_dir, "send-key", {{"keys", keys}});
}

Result<bool> QemuDriver::reset(const std::string& run_dir) { return qmp_command(run_dir, "system_reset"); }

Result<bool> QemuDriver::kill(const std::string& run_dir) {
  pid_t pid = vm_pid(run_dir);
  if (!process_alive(pid)) return true;
  (void)qmp_command(run_dir, "quit");
  for (int i = 0; i < 50 && process_alive(pid); ++i) ::usleep(20000);
  if (process_alive(pid)) ::kill(pid, SIGKILL);
  for (int i = 0; i < 50 && process_alive(pid); ++i) ::usleep(20000);
  if (process_alive(pid)) return ApiError{"InternalError", "VM " + run_dir + " does not die"};
  return true;
}

Result<std::set<int>> QemuDriver::nics(const std::string& run_dir) {
  auto taken = slots(run_dir);
  if (!taken.ok()) return taken.error();
  std::set<int> out;
  for (const auto& [slot, index] : taken.value()) out.insert(index);
  return out;
}

Result<bool> QemuDriver::plug_nic(const std::string& run_dir, const NicSpec& nic) {
  auto taken = slots(run_dir);
  if (!taken.ok()) return taken.error();
  // A free slot is a NIC root port QEMU knows of with nothing behind it.
  int slot = 0;
  while (taken.value().count(slot)) ++slot;
  auto port = qmp_command(run_dir, "qom-get", {{"path", "/machine/peripheral/" + nic_root_port(slot)},
                                               {"property", "type"}});
  if (!port.ok()) return ApiError{"InternalError", "no free NIC slot in " + run_dir};
  // A tap backend left by an earlier unplug that did not finish goes first.
  (void)qmp_command(run_dir, "netdev_del", {{"id", nic_netdev_id(nic.device_index)}});
  auto netdev = qmp_command(run_dir, "netdev_add", {{"type", "tap"},
                                                    {"id", nic_netdev_id(nic.device_index)},
                                                    {"ifname", nic.tap},
                                                    {"script", "no"},
                                                    {"downscript", "no"}});
  if (!netdev.ok()) return netdev;
  return qmp_command(run_dir, "device_add", {{"driver", "virtio-net-pci"},
                                             {"id", nic_device_id(nic.device_index)},
                                             {"netdev", nic_netdev_id(nic.device_index)},
                                             {"mac", nic.mac},
                                             {"bus", nic_root_port(slot)}});
}

Result<bool> QemuDriver::unplug_nic(const std::string& run_dir, int device_index) {
  auto present = nics(run_dir);
  if (!present.ok()) return present.error();
  if (present.value().count(device_index)) {
    // The guest acknowledges the unplug in its own time; asking again meanwhile is harmless.
    (void)qmp_command(run_dir, "device_del", {{"id", nic_device_id(device_index)}});
    return false;
  }
  (void)qmp_command(run_dir, "netdev_del", {{"id", nic_netdev_id(device_index)}});
  return true;
}

Result<bool> QemuDriver::grow_disk(const std::string& run_dir, const std::string& node, int64_t bytes) {
  return qmp_command(run_dir, "block_resize", {{"node-name", node}, {"size", bytes}});
}

Result<std::set<std::string>> QemuDriver::disks(const std::string& run_dir) {
  auto taken = disk_slots(run_dir);
  if (!taken.ok()) return taken.error();
  std::set<std::string> out;
  for (const auto& [slot, volume_id] : taken.value()) out.insert(volume_id);
  return out;
}

Result<bool> QemuDriver::plug_disk(const std::string& run_dir, const DiskSpec& disk) {
  auto taken = disk_slots(run_dir);
  if (!taken.ok()) return taken.error();
  int slot = 0;
  while (taken.value().count(slot)) ++slot;
  auto port = qmp_command(run_dir, "qom-get", {{"path", "/machine/peripheral/" + disk_root_port(slot)},
                                               {"property", "type"}});
  if (!port.ok()) return ApiError{"InternalError", "no free disk slot in " + run_dir};
  // Block nodes left by an earlier unplug that did not finish go first.
  (void)qmp_command(run_dir, "blockdev-del", {{"node-name", disk.volume_id}});
  (void)qmp_command(run_dir, "blockdev-del", {{"node-name", disk.volume_id + "-file"}});
  auto file = qmp_command(run_dir, "blockdev-add", {{"driver", "file"},
                                                    {"node-name", disk.volume_id + "-file"},
                                                    {"filename", disk.path}});
  if (!file.ok()) return file;
  auto format = qmp_command(run_dir, "blockdev-add", {{"driver", "qcow2"},
                                                      {"node-name", disk.volume_id},
                                                      {"file", disk.volume_id + "-file"}});
  if (!format.ok()) return format;
  // The same device as at boot (qemu_command's disk_device), as QMP arguments.
  return qmp_command(run_dir, "device_add", {{"driver", "virtio-blk-pci"},
                                             {"drive", disk.volume_id},
                                             {"id", kDiskDevicePrefix + disk.volume_id},
                                             {"serial", disk_serial(disk.volume_id)},
                                             {"bus", disk_root_port(slot)}});
}

Result<bool> QemuDriver::unplug_disk(const std::string& run_dir, const std::string& volume_id) {
  auto present = disks(run_dir);
  if (!present.ok()) return present.error();
  if (present.value().count(volume_id)) {
    // The guest acknowledges the unplug in its own time; asking again meanwhile is harmless.
    (void)qmp_command(run_dir, "device_del", {{"id", kDiskDevicePrefix + volume_id}});
    return false;
  }
  (void)qmp_command(run_dir, "blockdev-del", {{"node-name", volume_id}});
  (void)qmp_command(run_dir, "blockdev-del", {{"node-name", volume_id + "-file"}});
  return true;
}

Result<block::NbdExport> QemuDriver::open_view(const std::string& run_dir, const std::string& node,
                                               const block::ViewSpec& spec) {
  block::ViewPlace place = view_place(run_dir, node, spec);
  auto size = block::node_size(place.qmp_socket, node);
  if (!size.ok()) return size.error();
  if (runner_.run({"qemu-img", "create", "-q", "-f", "qcow2", place.fleece_file, std::to_string(size.value())}) != 0) {
    return ApiError{"InternalError", "qemu-img cannot create " + place.fleece_file};
  }
  return block::open_view(place, spec);
}

Result<bool> QemuDriver::close_view(const std::string& run_dir, const std::string& node, const block::ViewSpec& spec,
                                    bool taken) {
  return block::close_view(view_place(run_dir, node, spec), spec, taken);
}

Result<bool> QemuDriver::pause(const std::string& run_dir) { return qmp_command(run_dir, "stop"); }

Result<bool> QemuDriver::resume(const std::string& run_dir) { return qmp_command(run_dir, "cont"); }

}  // namespace stratus::compute
