#pragma once
// Makes volume disks follow the volumes the API recorded, and records what they did: creating
// -> (an empty disk, or one over its AMI) -> available; deleting -> (disk gone) -> record
// erased; modified -> (disk grown, in its running VM or as a file) -> modification completed; attaching to a running instance -> (hot-plugged into its VM) -> attached, detaching
// -> (unplugged once the guest let go) -> available; an instance's termination deletes its
// volumes or leaves them available (DeleteOnTermination). Driven by the instance reconciler's
// passes, on its thread.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "block/volume_driver.h"
#include "compute/vm_driver.h"
#include "model/volume.h"
#include "reconciler/snapshot_reconciler.h"
#include "store/store.h"

namespace stratus::reconciler {

class VolumeReconciler {
 public:
  // `snapshots` says which disks its jobs hold (those wait).
  VolumeReconciler(store::Store& store, block::VolumeDriver& disks, compute::VmDriver& vms,
                   const SnapshotReconciler& snapshots)
      : store_(store), disks_(disks), vms_(vms), snapshots_(snapshots) {}

  // Where an instance's VM runs: its run directory, and the device of its root volume.
  struct RunningVm {
    std::string run_dir;
    std::string root_device;
  };
  // The running VM of instance `instance_id`, or nullopt when none runs here.
  using VmLookup = std::function<std::optional<RunningVm>(const std::string& instance_id)>;

  // Makes this reconciler act only on the disks of host `host_id` (disk_host.h); by default
  // those of the region's own server (""). REQUIRES: before the first pass.
  void set_host(std::string host_id) { host_id_ = std::move(host_id); }

  // One pass over the volumes being created, deleted or modified (of this host); `running_vm`
  // says where the VM of an attached volume's instance runs.
  void reconcile_disks(const VmLookup& running_vm);

  // The disk of the root volume (attached at `root_device`) of instance `instance_id` of
  // `region`, made when missing (taking over `made_before`, the instance's root disk from
  // before volumes were records, if it exists): over `image_disk`, or, given `warm_disk` (the
  // disk of a warm pool's saved state, compute::WarmState), as a copy of that. A root volume
  // filled from a snapshot (an AMI users made) has its disk already; given `warm_disk` (a layer
  // over a copy of that disk, see snapshot_root), the layer is put onto it. Throws when it
  // cannot.
  std::filesystem::path root_disk(const std::string& region, const std::string& instance_id,
                                  const std::string& root_device, const std::filesystem::path& image_disk,
                                  const std::filesystem::path& made_before,
                                  const std::filesystem::path& warm_disk = {});

  // The size (GiB) of the root volume of instance `instance_id` when its disk is yet to be made
  // over its image: a launch a warm pool's saved state can serve (its other volumes are plugged
  // once its VM runs). Else nullopt.
  std::optional<int64_t> fresh_root_gib(const std::string& region, const std::string& instance_id,
                                        const std::string& root_device);

  // The root volume of instance `instance_id` when it was filled from a
  // snapshot: the snapshot, the volume's size and its disk. Else nullopt (also while it is being
  // filled). Until the instance's VM first starts, that disk holds the snapshot's blocks alone.
  struct SnapshotRoot {
    std::string snapshot_id;
    int64_t size_gib = 0;
    std::filesystem::path disk;
  };
  std::optional<SnapshotRoot> snapshot_root(const std::string& region, const std::string& instance_id,
                                            const std::string& root_device);

  // The data volumes of the instance to start its VM with (attaching or attached), in disk
  // slots, their disks made when missing; marks attaching ones attached.
  std::vector<compute::DiskSpec> boot_disks(const std::string& region, const std::string& instance_id,
                                            const std::string& root_device);

  // Finishes the attachments and detachments of the instance's volumes: hot-plugs and unplugs
  // its VM's disks when `vm_runs` (the VM of `run_dir`), else only records them.
  void sync_attachments(const std::string& region, const std::string& instance_id, const std::string& run_dir,
                        bool vm_runs);

  // The instance is gone: each volume attached to it is deleted with it, or left available
  // (its DeleteOnTermination); `root_device` and `made_before` as for root_disk. Throws when a
  // disk cannot go.
  void release(const std::string& region, const std::string& instance_id, const std::string& root_device,
               const std::filesystem::path& made_before);

 private:
  // Changes a volume's status; sees its spec as it is when the change is written.
  using StatusChange = std::function<void(model::VolumeStatus& status, const model::VolumeSpec& spec)>;

  // Throws unless a VM may open the disk of `volume` now (it is filled, and no snapshot job
  // holds it).
  void require_free(const model::Volume& volume) const;
  // Moves `made_before` (a root disk from before volumes were records) into the driver as the
  // disk of `volume_id`, when it exists and the volume has no disk yet.
  void take_over(const std::string& volume_id, const std::filesystem::path& made_before);
  // Grows the disk of `volume` to its size: in `vm` when given, else the file.
  void grow(const model::Volume& volume, const std::optional<RunningVm>& vm);
  // The volumes attached to `instance_id` (in use).
  std::vector<model::Volume> attached(const std::string& region, const std::string& instance_id);
  // The volume attached to instance `instance_id` at `root_device`, else nullopt.
  std::optional<model::Volume> root_volume(const std::string& region, const std::string& instance_id,
                                         const std::string& root_device);
  // The one place volume status is written: applies `change` to volume `id` if it is still
  // `expected` (the API may have moved it meanwhile); false if not.
  bool observe(const std::string& id, model::VolumeState expected, const StatusChange& change);

  store::Store& store_;
  block::VolumeDriver& disks_;
  compute::VmDriver& vms_;
  const SnapshotReconciler& snapshots_;
  std::string host_id_;  // whose disks it acts on ("": the region's own server)
};

}  // namespace stratus::reconciler
