#pragma once
// Running instance VMs: the interface the reconciler drives, and its QEMU implementation.
// VMs are daemons of their own (not children of `stratus serve`): they survive its restart
// and are found again by the pid file in their run directory.

#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "block/disk_view.h"
#include "common/result.h"
#include "compute/kvm_probe.h"
#include "compute/process_runner.h"
#include "compute/qemu_command.h"

namespace stratus::compute {

// True when kGuestRamDir has room now for `memory_mib` of guest RAM (a VM whose RAM is a file
// there dies when the file cannot grow).
bool guest_ram_fits(int64_t memory_mib);

// Deletes the RAM files of restores under kGuestRamDir written more than `older_than` ago: a
// restore unlinks its file as soon as QEMU has it, so such a file is a crash's leftover.
void remove_stray_ram_copies(std::chrono::seconds older_than);

// Starts, inspects and stops VMs.
class VmDriver {
 public:
  virtual ~VmDriver() = default;
  // Boots the VM of `spec` inside network namespace `netns` (its taps live there); when
  // `spec.incoming` names a saved state, restores it instead (its RAM a copy of
  // `spec.incoming_ram` naming `spec.smbios_uuid` at `spec.incoming_uuid_spots`, in a file of
  // its own under kGuestRamDir that goes with QEMU) and returns once the VM runs.
  virtual Result<bool> start(const VmSpec& spec, const std::string& netns) = 0;
  // Saves the running VM of `run_dir` to `state_file` (what VmSpec::incoming restores) and ends
  // it; its disks are left as the state expects them, and so is its RAM when that is in a
  // VmSpec::ram_file (the state leaves such RAM out).
  virtual Result<bool> save(const std::string& run_dir, const std::string& state_file) = 0;
  // What a saved state depends on beyond its VM's spec: the accelerator VMs booting `kernel`
  // use, and the QEMU build. States made under another machine do not restore.
  virtual std::string machine(const std::string& kernel) = 0;
  // Waits up to `seconds` for the warm pool's agent in the VM of `run_dir` to say it is ready
  // to be saved (compute/identity_port.h).
  virtual Result<bool> await_agent(const std::string& run_dir, int seconds) = 0;
  // Gives the agent in the restored VM of `run_dir` its instance's `identity`; true once it took it.
  virtual Result<bool> tell_identity(const std::string& run_dir, const nlohmann::json& identity) = 0;
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

// VmDriver on qemu-system-x86_64 and QMP. Thread-safe as long as no two callers work on the
// same VM (the warm pool saves its VMs from a thread of its own).
class QemuDriver : public VmDriver {
 public:
  // With kAuto, the first start() probes KVM with its guest's kernel (kvm_boots_guest, the
  // probe's console under `probe_dir`) and every VM uses KVM if the probe guest booted, else TCG.
  QemuDriver(ProcessRunner& runner, Accelerator accelerator, std::string probe_dir)
      : runner_(runner), accelerator_(accelerator), probe_dir_(std::move(probe_dir)) {}
  Result<bool> start(const VmSpec& spec, const std::string& netns) override;
  Result<bool> save(const std::string& run_dir, const std::string& state_file) override;
  std::string machine(const std::string& kernel) override;
  Result<bool> await_agent(const std::string& run_dir, int seconds) override;
  Result<bool> tell_identity(const std::string& run_dir, const nlohmann::json& identity) override;
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
  // A new file under kGuestRamDir holding the RAM `spec` restores (QemuDriver::start); its path.
  Result<std::string> ram_copy(const VmSpec& spec);
  // Loads `state_file` into the VM of `run_dir` (started with -incoming defer) and lets it run.
  Result<bool> restore_state(const std::string& run_dir, const std::string& state_file);

  ProcessRunner& runner_;
  std::mutex mu_;
  Accelerator accelerator_;  // GUARDED_BY(mu_)
  std::string qemu_version_;  // GUARDED_BY(mu_); "" until machine() first asks
  std::string probe_dir_;
};

}  // namespace stratus::compute
