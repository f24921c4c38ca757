#pragma once
// Makes snapshots and volumes made from them follow the store: a pending snapshot gets a
// point-in-time view of its volume's disk (in its running VM's QEMU, or a storage daemon's when
// no VM has it), its changed blocks copied into the block store on a worker thread and its
// manifest written, then completed (or, after a few failed attempts, error); a copied snapshot
// gets its source's manifest; a volume made from a snapshot gets its blocks written into its
// new disk before it is available. Manifests and blocks no snapshot record names any more are
// reclaimed; an image is available once its snapshots are. Driven by the instance reconciler's
// passes, on its thread.

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "block/block_store.h"
#include "block/manifest.h"
#include "block/nbd_disk.h"
#include "block/volume_driver.h"
#include "compute/vm_driver.h"
#include "model/snapshot.h"
#include "model/volume.h"
#include "store/store.h"

namespace stratus::reconciler {

class SnapshotReconciler {
 public:
  // Opens the disk a view exports (block::NbdDisk::connect; tests give a fake).
  using DiskOpener = std::function<Result<std::unique_ptr<block::BlockDevice>>(const block::NbdExport& target)>;

  SnapshotReconciler(store::Store& store, block::VolumeDriver& disks, compute::VmDriver& vms, block::BlockStore& blocks,
                     block::ManifestStore& manifests, DiskOpener open = block::NbdDisk::connect)
      : store_(store), disks_(disks), vms_(vms), blocks_(blocks), manifests_(manifests), open_(std::move(open)) {}
  // Waits for the copies in flight (their views stay for the next process to clear).
  ~SnapshotReconciler();

  // Where the disk of an attached volume is open now: its VM's run directory and block node.
  struct OpenDisk {
    std::string run_dir;
    std::string node;
  };
  // The running VM holding the disk of in-use volume `volume`, or nullopt when none runs.
  using DiskLookup = std::function<std::optional<OpenDisk>(const model::Volume& volume)>;

  // Makes this reconciler act only on the disks of host `host_id` (disk_host.h); the region's own
  // server ("", the default) also copies snapshots, expires idle direct ones, settles images and
  // reclaims blocks. REQUIRES: before the first pass.
  void set_host(std::string host_id) { host_id_ = std::move(host_id); }

  // One pass: finishes the jobs that ended, starts the ones due, reclaims what deleted snapshots
  // left. `open_disk` says where attached volumes' disks are open.
  void reconcile(const DiskLookup& open_disk);

  // True while a job holds the disk of `volume_id` outside any VM: a VM may not open it.
  bool holds_disk(const std::string& volume_id) const;
  // True while a job reads the disk of `volume_id` through its VM: it may not be unplugged.
  bool reads_in_vm(const std::string& volume_id) const;
  // True while CreateImage (with its reboot) waits to read the disks of `instance_id` with its
  // VM down: the VM is powered down and not started again until then (as of the last pass).
  bool wants_down(const std::string& instance_id) const { return quiet_instances_.count(instance_id) > 0; }

 private:
  // A copy or restore running on its own thread.
  struct Job {
    std::string snapshot_id;  // the snapshot taken, copied or restored
    std::string volume_id;    // the volume read or filled (an import: the disk file; "" for a copy)
    std::string view_name;    // its storage daemon's view, when it has one
    block::ViewSpec view;
    std::optional<OpenDisk> in_vm;  // where the view is, when in a VM; else a storage daemon's
    bool restore = false;
    std::shared_ptr<std::atomic<int>> progress = std::make_shared<std::atomic<int>>(0);
    // A snapshot taken: the bytes of its blocks that the one it follows did not hold, once known.
    std::shared_ptr<std::atomic<int64_t>> added_bytes = std::make_shared<std::atomic<int64_t>>(0);
    int reported = 0;  // the progress last written to the record
    std::future<Result<bool>> done;
  };

  // A pending snapshot to start, with the volume it reads as recorded when the pass began.
  struct DueSnapshot {
    model::Snapshot snapshot;
    std::optional<model::Volume> volume;  // nullopt when deleted (or for an import or a copy)
    std::string region;                   // the volume's
  };

  // Ends `job` (it finished, well or not): closes its view and records the outcome.
  void finish(Job& job);
  // Starts what is due: snapshots pending without a job, restores of volumes not yet filled.
  void start_due(const DiskLookup& open_disk);
  // Pauses the running VM whose disk batch snapshot `snapshot` reads, unless it is in `paused`
  // already (added there): the views of one batch (CreateSnapshots) open at one instant.
  void hold_still(const DueSnapshot& due, const DiskLookup& open_disk, std::set<std::string>& paused);
  // Ends in error snapshot `direct` (begun with StartSnapshot) when nothing was written to it
  // and it was not completed for its timeout.
  void expire_if_idle(const model::Snapshot& direct);
  // Starts taking pending snapshot `due`; false when it has to wait (its disk busy).
  bool start_snapshot(const DueSnapshot& due, const DiskLookup& open_disk);
  // Starts importing base image snapshot `snapshot` (or copies another region's import of the
  // same disk); false when it has to wait for that import.
  bool start_import(const model::Snapshot& snapshot);
  // Starts filling the disk of `volume` from its snapshot.
  void start_restore(const model::Volume& volume);
  // The snapshot a new one of `volume` (of `region`) counts its changes from: the latest
  // completed one of it (or the one it was made from) whose manifest is here; "" for none.
  std::string since_of(const std::string& region, const model::Volume& volume);
  // Records `status` for snapshot `id` while it is pending.
  void observe(const std::string& id, const std::function<void(model::SnapshotStatus&)>& change);
  // Makes pending images available once all their snapshots are completed, or failed when one
  // of them failed or is gone.
  void settle_images();
  // Drops manifests of snapshots without a record and then, or anyway when `sweep_anyway`,
  // sweeps the block store of blocks no manifest names (only while no job runs).
  void collect_garbage(bool sweep_anyway);

  store::Store& store_;
  block::VolumeDriver& disks_;
  compute::VmDriver& vms_;
  block::BlockStore& blocks_;
  block::ManifestStore& manifests_;
  DiskOpener open_;
  std::string host_id_;                     // whose disks it acts on ("": the region's own server)
  std::map<std::string, Job> jobs_;         // by snapshot id (a restore: by volume id)
  std::map<std::string, int> failures_;     // snapshot id -> failed attempts so far
  std::set<std::string> quiet_instances_;   // instances whose VMs pending quiesced snapshots wait for
  bool recovered_ = false;                  // the first pass has cleared what a previous process left
};

}  // namespace stratus::reconciler
