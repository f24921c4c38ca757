#include "reconciler/volume_reconciler.h"

#include <cstdio>

#include "common/timestamp.h"
#include "compute/warm_pool.h"
#include "reconciler/disk_host.h"

namespace stratus::reconciler {
namespace {

namespace fs = std::filesystem;
using model::AttachmentState;
using model::VolumeState;

// The attachment has completed: the disk is in the VM (or will be when it starts).
void mark_attached(model::VolumeStatus& s, const model::VolumeSpec&) { s.attachment = AttachmentState::kAttached; }

// The volume is off its instance: available.
void mark_available(model::VolumeStatus& s, const model::VolumeSpec&) {
  s.state = VolumeState::kAvailable;
  s.attachment = AttachmentState::kAttached;
}

}  // namespace

void VolumeReconciler::require_free(const model::Volume& volume) const {
  const std::string& id = volume.spec.volume_id;
  if (!volume.status.filled) throw std::runtime_error("volume " + id + " is still being filled from its snapshot");
  if (snapshots_.holds_disk(id)) throw std::runtime_error("volume " + id + " is being read for a snapshot");
}

void VolumeReconciler::take_over(const std::string& volume_id, const fs::path& made_before) {
  if (!fs::exists(made_before) || disks_.exists(volume_id)) return;
  auto adopted = disks_.adopt(volume_id, made_before);
  if (!adopted.ok()) throw std::runtime_error(adopted.error().message);
}

std::vector<model::Volume> VolumeReconciler::attached(const std::string& region, const std::string& instance_id) {
  std::vector<model::Volume> out;
  auto txn = store_.begin_read();
  for (const store::Record& record : txn->find("volume", region, "Spec.Attachment.InstanceId", instance_id)) {
    model::Volume volume = model::volume_from_doc(record.doc);
    if (volume.status.state == VolumeState::kInUse) out.push_back(std::move(volume));
  }
  return out;
}

bool VolumeReconciler::observe(const std::string& id, VolumeState expected, const StatusChange& change) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record) return false;
  model::Volume volume = model::volume_from_doc(record->doc);
  if (volume.status.state != expected) return false;
  change(volume.status, volume.spec);
  record->doc = model::volume_doc(volume);
  txn->put(*record);
  txn->commit();
  return true;
}

void VolumeReconciler::reconcile_disks(const VmLookup& running_vm) {
  std::vector<model::Volume> pending;
  {
    auto txn = store_.begin_read();
    for (const store::Record& record : txn->list("volume", std::nullopt)) {
      model::Volume volume = model::volume_from_doc(record.doc);
      if (!volume.status.filled) continue;  // the snapshot reconciler fills it first
      if (disk_host(*txn, volume) != host_id_) continue;  // another host's
      if (volume.status.state == VolumeState::kCreating || volume.status.state == VolumeState::kDeleting ||
          !volume.status.modified) {
        pending.push_back(std::move(volume));
      }
    }
  }
  for (const model::Volume& volume : pending) {
    const std::string& id = volume.spec.volume_id;
    if (!volume.status.modified && volume.status.state != VolumeState::kDeleting) {
      bool in_use = volume.status.state == VolumeState::kInUse;
      try {
        grow(volume, in_use ? running_vm(volume.spec.attachment->instance_id) : std::nullopt);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "stratus: modifying %s: %s\n", id.c_str(), e.what());
        continue;
      }
      observe(id, volume.status.state, [](model::VolumeStatus& s, const model::VolumeSpec&) {
        s.modified = true;
        s.modified_time = format_iso8601(unix_now());
      });
      continue;
    }
    if (volume.status.state == VolumeState::kCreating) {
      auto made = disks_.create(id, volume.spec.size_gib, "");
      if (!made.ok()) {
        std::fprintf(stderr, "stratus: creating %s: %s\n", id.c_str(), made.error().message.c_str());
        observe(id, VolumeState::kCreating, [](model::VolumeStatus& s, const model::VolumeSpec&) {
          s.state = VolumeState::kError;
        });
        continue;
      }
      observe(id, VolumeState::kCreating,
              [](model::VolumeStatus& s, const model::VolumeSpec&) { s.state = VolumeState::kAvailable; });
      continue;
    }
    auto removed = disks_.remove(id);
    if (!removed.ok()) {
      std::fprintf(stderr, "stratus: deleting %s: %s\n", id.c_str(), removed.error().message.c_str());
      continue;
    }
    auto txn = store_.begin_write();
    auto current = txn->get(id);
    if (current && model::volume_from_doc(current->doc).status.state == VolumeState::kDeleting) {
      txn->erase(id);
      txn->commit();
    }
  }
}

void VolumeReconciler::grow(const model::Volume& volume, const std::optional<RunningVm>& vm) {
  const std::string& id = volume.spec.volume_id;
  if (!disks_.exists(id)) return;  // made at its new size when it is first used
  Result<bool> grown = true;
  if (vm) {
    bool root = volume.spec.attachment->device == vm->root_device;
    grown = vms_.grow_disk(vm->run_dir, root ? "root" : id, volume.spec.size_gib << 30);
  } else {
    grown = disks_.grow(id, volume.spec.size_gib);
  }
  if (!grown.ok()) throw std::runtime_error(grown.error().message);
}

fs::path VolumeReconciler::root_disk(const std::string& region, const std::string& instance_id,
                                     const std::string& root_device, const fs::path& image_disk,
                                     const fs::path& made_before, const fs::path& warm_disk) {
  for (const model::Volume& volume : attached(region, instance_id)) {
    if (volume.spec.attachment->device != root_device) continue;
    const std::string& id = volume.spec.volume_id;
    require_free(volume);
    take_over(id, made_before);
    if (disks_.exists(id)) {
      if (!warm_disk.empty() && volume.spec.base_image.empty()) {
        auto applied = disks_.apply_layer(id, warm_disk, compute::kWarmWritesBitmap, volume.spec.snapshot_id);
        if (!applied.ok()) throw std::runtime_error(applied.error().message);
      }
      return disks_.path(id);
    }
    // Copy-on-write over the base image: launching copies nothing.
    if (volume.spec.base_image.empty() || image_disk.empty()) throw std::runtime_error("its root disk is missing");
    auto made = warm_disk.empty()
                    ? disks_.create(id, volume.spec.size_gib, image_disk, volume.spec.snapshot_id)
                    : disks_.copy(id, warm_disk, compute::kWarmWritesBitmap, volume.spec.snapshot_id);
    if (!made.ok()) throw std::runtime_error(made.error().message);
    return disks_.path(id);
  }
  throw std::runtime_error("it has no root volume");
}

std::optional<model::Volume> VolumeReconciler::root_volume(const std::string& region, const std::string& instance_id,
                                                            const std::string& root_device) {
  for (model::Volume& volume : attached(region, instance_id)) {
    if (volume.spec.attachment->device == root_device) return std::move(volume);
  }
  return std::nullopt;
}

std::optional<int64_t> VolumeReconciler::fresh_root_gib(const std::string& region, const std::string& instance_id,
                                                        const std::string& root_device) {
  auto root = root_volume(region, instance_id, root_device);
  if (!root || root->spec.base_image.empty() || disks_.exists(root->spec.volume_id)) return std::nullopt;
  return root->spec.size_gib;
}

std::optional<VolumeReconciler::SnapshotRoot> VolumeReconciler::snapshot_root(const std::string& region,
                                                                              const std::string& instance_id,
                                                                              const std::string& root_device) {
  auto root = root_volume(region, instance_id, root_device);
  if (!root) return std::nullopt;
  const std::string& id = root->spec.volume_id;
  if (!root->spec.base_image.empty() || root->spec.snapshot_id.empty() || !root->status.filled ||
      snapshots_.holds_disk(id) || !disks_.exists(id)) {
    return std::nullopt;
  }
  return SnapshotRoot{root->spec.snapshot_id, root->spec.size_gib, disks_.path(id)};
}

std::vector<compute::DiskSpec> VolumeReconciler::boot_disks(const std::string& region, const std::string& instance_id,
                                                            const std::string& root_device) {
  std::vector<compute::DiskSpec> out;
  for (const model::Volume& volume : attached(region, instance_id)) {
    if (volume.spec.attachment->device == root_device || volume.status.attachment == AttachmentState::kDetaching) {
      continue;
    }
    const std::string& id = volume.spec.volume_id;
    require_free(volume);
    // Volumes a launch asked for (RunInstances BlockDeviceMappings) get their disks here.
    auto made = disks_.create(id, volume.spec.size_gib, "");
    if (!made.ok()) throw std::runtime_error(made.error().message);
    out.push_back({id, disks_.path(id).string(), static_cast<int>(out.size())});
    if (volume.status.attachment == AttachmentState::kAttaching) observe(id, VolumeState::kInUse, mark_attached);
  }
  return out;
}

void VolumeReconciler::sync_attachments(const std::string& region, const std::string& instance_id,
                                        const std::string& run_dir, bool vm_runs) {
  for (const model::Volume& volume : attached(region, instance_id)) {
    const std::string& id = volume.spec.volume_id;
    switch (volume.status.attachment) {
      case AttachmentState::kAttached:
        break;
      case AttachmentState::kAttaching:
        if (snapshots_.holds_disk(id)) break;  // plugged once the snapshot has read it
        if (vm_runs) {
          auto present = vms_.disks(run_dir);
          if (!present.ok()) throw std::runtime_error(present.error().message);
          if (!present.value().count(id)) {
            auto plugged = vms_.plug_disk(run_dir, {id, disks_.path(id).string(), 0});
            if (!plugged.ok()) throw std::runtime_error(plugged.error().message);
          }
        }  // else the VM gets the disk when it starts
        observe(id, VolumeState::kInUse, mark_attached);
        break;
      case AttachmentState::kDetaching:
        if (snapshots_.reads_in_vm(id)) break;  // unplugged once the snapshot has read it
        if (vm_runs) {
          auto gone = vms_.unplug_disk(run_dir, id);
          if (!gone.ok()) throw std::runtime_error(gone.error().message);
          if (!gone.value()) break;  // the guest has yet to let go
        }
        observe(id, VolumeState::kInUse, mark_available);
        break;
    }
  }
}

void VolumeReconciler::release(const std::string& region, const std::string& instance_id,
                               const std::string& root_device, const fs::path& made_before) {
  for (const model::Volume& volume : attached(region, instance_id)) {
    const std::string& id = volume.spec.volume_id;
    if (volume.spec.attachment->device == root_device) take_over(id, made_before);
    if (volume.spec.attachment->delete_on_termination) {
      auto removed = disks_.remove(id);
      if (!removed.ok()) throw std::runtime_error(removed.error().message);
      auto txn = store_.begin_write();
      txn->erase(id);
      txn->commit();
    } else {
      observe(id, VolumeState::kInUse, mark_available);
    }
  }
}

}  // namespace stratus::reconciler
