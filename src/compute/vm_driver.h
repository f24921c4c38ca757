#pragma once
// Running instance VMs: the interface the reconciler drives, and its QEMU implementation.
// VMs are daemons of their own (not children of `stratus serve`): they survive its restart
// and are found again by the pid file in their run directory.

#include <set>
#include <string>

#include "block/disk_view.h"
#include "common/result.h"
#include "compute/kvm_probe.h"
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
  // Presses Ctrl+Alt+Del on the VM's keyboard (the guest's init reboots it cleanly).
  virtual Result<bool> press_ctrl_alt_del(const std::string& run_dir) = 0;
  // Resets the VM (a hard reboot, for a guest that ignores Ctrl+Alt+Del).
  virtual Result<bool> reset(const std::string& run_dir) = 0;
  // Ends the VM at once (QMP quit, then SIGKILL by pid).
  virtual Result<bool> kill(const std::string& run_dir) = 0;
  // The device indexes of the NICs the VM has now.
  virtual Result<std::set<int>> nics(const std::string& run_dir) = 0;
  // Hot-plugs `nic` (its tap exists in the VM's namespace) into a free NIC slot. Errors: no
  // free slot, or QEMU refuses.
  virtual Result<bool> plug_nic(const std::string& run_dir, const NicSpec& nic) = 0;
  // Unplugs the NIC at `device_index`: asks the guest to let go of it, and once it has (a later
  // call), releases its tap. True when the NIC is gone and its tap released.
  virtual Result<bool> unplug_nic(const std::string& run_dir, int device_index) = 0;
  // Grows the disk whose block node is `node` ("root", or a data volume's id) to `bytes` while
  // the VM runs; the guest sees the new capacity.
  virtual Result<bool> grow_disk(const std::string& run_dir, const std::string& node, int64_t bytes) = 0;
  // The volume ids of the data disks the VM has now.
  virtual Result<std::set<std::string>> disks(const std::string& run_dir) = 0;
  // Hot-plugs the disk of volume `disk.volume_id` (file `disk.path`) into a free disk slot
  // (`disk.slot` is not used). Errors: no free slot, or QEMU refuses.
  virtual Result<bool> plug_disk(const std::string& run_dir, const DiskSpec& disk) = 0;
  // Unplugs the disk of `volume_id`: asks the guest to let go of it, and once it has (a later
  // call), closes its file. True when the disk is gone and its file closed.
  virtual Result<bool> unplug_disk(const std::string& run_dir, const std::string& volume_id) = 0;
  // Opens the view `spec` of the disk whose block node is `node` ("root", or a data volume's
  // id) while the VM runs, and exports it over NBD from the VM's QEMU (block::open_view): the
  // guest writes on, and the view keeps showing the disk as it was when it opened.
  virtual Result<block::NbdExport> open_view(const std::string& run_dir, const std::string& node,
                                             const block::ViewSpec& spec) = 0;
  // Ends that view (block::close_view).
  virtual Result<bool> close_view(const std::string& run_dir, const std::string& node, const block::ViewSpec& spec,
                                  bool taken) = 0;
  // Stops the VM's vCPUs (the guest is frozen, its disks still): views opened meanwhile show
  // one instant.
  virtual Result<bool> pause(const std::string& run_dir) = 0;
  // Lets a paused VM run on (nothing when it runs).
  virtual Result<bool> resume(const std::string& run_dir) = 0;
};

// VmDriver on qemu-system-x86_64 and QMP. Single-threaded: one caller at a time.
class QemuDriver : public VmDriver {
 public:
  // With kAuto, the first start() probes KVM with its guest's kernel (kvm_boots_guest, the
  // probe's console under `probe_dir`) and every VM uses KVM if the probe guest booted, else TCG.
  QemuDriver(ProcessRunner& runner, Accelerator accelerator, std::string probe_dir)
      : runner_(runner), accelerator_(accelerator), probe_dir_(std::move(probe_dir)) {}
  Result<bool> start(const VmSpec& spec, const std::string& netns) override;
  bool running(const std::string& run_dir) override;
  Result<bool> power_down(const std::string& run_dir) override;
  Result<bool> press_ctrl_alt_del(const std::string& run_dir) override;
  Result<bool> reset(const std::string& run_dir) override;
  Result<bool> kill(const std::string& run_dir) override;
  Result<std::set<int>> nics(const std::string& run_dir) override;
  Result<bool> plug_nic(const std::string& run_dir, const NicSpec& nic) override;
  Result<bool> unplug_nic(const std::string& run_dir, int device_index) override;
  Result<bool> grow_disk(const std::string& run_dir, const std::string& node, int64_t bytes) override;
  Result<std::set<std::string>> disks(const std::string& run_dir) override;
  Result<bool> plug_disk(const std::string& run_dir, const DiskSpec& disk) override;
  Result<bool> unplug_disk(const std::string& run_dir, const std::string& volume_id) override;
  Result<block::NbdExport> open_view(const std::string& run_dir, const std::string& node,
                                     const block::ViewSpec& spec) override;
  Result<bool> close_view(const std::string& run_dir, const std::string& node, const block::ViewSpec& spec,
                          bool taken) override;
  Result<bool> pause(const std::string& run_dir) override;
  Result<bool> resume(const std::string& run_dir) override;

 private:
  // Whether VMs run under KVM (decided on first use when auto).
  bool use_kvm(const std::string& kernel);

  ProcessRunner& runner_;
  Accelerator accelerator_;
  std::string probe_dir_;
};

}  // namespace stratus::compute
