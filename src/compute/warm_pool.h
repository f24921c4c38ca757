#pragma once
// The warm pool (docs/design/warm-pool.md): saved states of guests booted once to just before
// their per-instance work, from which instances are restored in about a second instead of
// booted in half a minute. A state is made in the background on first demand for its layout
// (image, size, device layout, machine), kept beside the image's disk (so every stratus process
// on the machine shares it), and forgotten when more than `keep` states of one image exist (the
// least recently used first). Restored disks are copies of the state's disk, so nothing depends
// on a state once its instance runs. AMIs that users made have no image disk: the first launch
// of one gives its root snapshot a disk of the pool's own (snapshot_disk), and restores put the
// state's layer onto the volume filled from that snapshot.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "compute/process_runner.h"
#include "compute/vm_driver.h"

namespace stratus::compute {

// The qcow2 bitmap of a state's disk that records the warm boot's writes over the image's disk.
inline constexpr const char* kWarmWritesBitmap = "warm-writes";

// Everything a saved state depends on: a VM restored from it must match it all.
struct WarmLayout {
  std::string image_disk;  // the image's disk (absolute): the state's disk is a layer over it
  std::string boot_dir;    // its vmlinuz and initrd.img
  int vcpus = 1;
  int64_t memory_mib = 512;
  int64_t root_gib = 8;    // the root disk's size
  int nic_slots = 2;       // VmSpec::nic_slots; the state has one NIC, in the first
  int disk_slots = kDiskSlots;
  std::string machine;     // VmDriver::machine()
};

// The layout of a VM with `vcpus`, `memory_mib` and `nic_slots` (and kDiskSlots) whose root disk
// of `root_gib` lies over `image_disk`, booting the kernel in `boot_dir`, as `vms` runs it: the
// one way to fill a WarmLayout, so that states made ahead and launches agree on their keys.
WarmLayout warm_layout(const std::filesystem::path& image_disk, const std::filesystem::path& boot_dir, int vcpus,
                       int64_t memory_mib, int nic_slots, int64_t root_gib, VmDriver& vms);

// The 16 hex digits naming `layout`'s state (a hash of all of it).
std::string warm_key(const WarmLayout& layout);

// A complete saved state on disk.
struct WarmState {
  std::filesystem::path dir;
  std::filesystem::path state() const { return dir / "state.bin"; }    // QEMU's migration stream (devices)
  std::filesystem::path ram() const { return dir / "ram.img"; }        // the guest's RAM, sparse
  std::filesystem::path disk() const { return dir / "disk.qcow2"; }    // over the image's disk
  std::filesystem::path console() const { return dir / "console.log"; }  // the warm boot's console
  std::filesystem::path record() const { return dir / "layout.json"; }  // its layout; written last
  // Where ram() names the warm boot's SMBIOS UUID (VmSpec::incoming_uuid_spots); none when the
  // record cannot be read.
  std::vector<UuidSpot> uuid_spots() const;
};

// True when the image whose boot files are in `boot_dir` has the warm pool's guest agent (its
// image.json says "warm_agent").
bool image_has_warm_agent(const std::filesystem::path& boot_dir);

// Saved states, and a thread that makes them.
class WarmPool {
 public:
  // Keeps up to `keep` states per image (0 disables the pool). Warm boots run through `vms`
  // inside namespaces of their own, with run directories under `run_root`. The disks of AMIs
  // that users made (snapshot_disk) live under `snapshots_root` (empty: such AMIs get none).
  WarmPool(VmDriver& vms, ProcessRunner& runner, int keep, std::filesystem::path run_root,
           std::filesystem::path snapshots_root = {});
  // Stops the maker (a warm boot under way is abandoned and cleaned up).
  ~WarmPool();
  WarmPool(const WarmPool&) = delete;
  WarmPool& operator=(const WarmPool&) = delete;

  // The state of `layout` when it is ready; else nullopt, and the state is made in the
  // background (once per process: a failed warm boot is not retried). Thread-safe.
  std::optional<WarmState> find(const WarmLayout& layout);
  // Waits until no state is being made or waiting to be (for tests and benchmarks).
  void wait_idle();

  // The disk that the states of AMIs whose root is snapshot `snapshot_id` lie over, as an
  // image's disk (WarmLayout::image_disk): made on the first call as a copy of `fresh_disk` (a
  // volume's disk holding that snapshot's blocks and nothing written since), in a directory of
  // its own under the snapshots root, whose warm/ then holds its states. Empty when the pool is
  // off or has no snapshots root, or when the copy fails (logged). Not thread-safe against
  // forget_snapshots.
  std::filesystem::path snapshot_disk(const std::string& snapshot_id, const std::filesystem::path& fresh_disk);
  // Deletes the disk and the states of each snapshot for which `exists` is false.
  void forget_snapshots(const std::function<bool(const std::string& snapshot_id)>& exists);

 private:
  void loop();
  // Makes the state of `layout` unless it exists or another process is making it; throws
  // std::runtime_error when the warm boot fails.
  void make(const WarmLayout& layout);
  // Forgets the least recently used states in `states_dir` beyond keep_, sparing `spared`.
  void evict(const std::filesystem::path& states_dir, const std::filesystem::path& spared);

  VmDriver& vms_;
  ProcessRunner& runner_;
  const int keep_;
  const std::filesystem::path run_root_;
  const std::filesystem::path snapshots_root_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<WarmLayout> queue_;   // GUARDED_BY(mu_)
  std::set<std::string> asked_;    // GUARDED_BY(mu_): keys queued, made or failed by this process
  bool busy_ = false;              // GUARDED_BY(mu_): a state is being made
  bool stopping_ = false;          // GUARDED_BY(mu_)
  std::string warm_run_dir_;       // GUARDED_BY(mu_): of the warm boot under way, "" when none
  std::thread thread_;
};

}  // namespace stratus::compute
