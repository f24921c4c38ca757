#include "services/ec2/volumes.h"

#include <algorithm>

#include "model/instance.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

using model::VolumeState;

// `volume` as DescribeVolumes lists it.
json listed(CallContext& ctx, const model::Volume& volume) {
  const Zone* zone = ctx.catalog.zone(ctx.region, volume.spec.availability_zone);
  return model::volume_view(volume, zone != nullptr ? zone->id : "");
}

json describe_volumes(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"attachment.attach-time", field("Attachments[].AttachTime")},
      {"attachment.delete-on-termination", field("Attachments[].DeleteOnTermination")},
      {"attachment.device", field("Attachments[].Device")},
      {"attachment.instance-id", field("Attachments[].InstanceId")},
      {"attachment.status", field("Attachments[].State")},
      {"availability-zone", field("AvailabilityZone")},
      {"availability-zone-id", field("AvailabilityZoneId")},
      {"create-time", field("CreateTime")},
      {"encrypted", field("Encrypted")},
      {"fast-restored", field("FastRestored")},
      {"multi-attach-enabled", field("MultiAttachEnabled")},
      {"size", field("Size")},
      {"snapshot-id", field("SnapshotId")},
      {"status", field("State")},
      {"volume-id", field("VolumeId")},
      {"volume-type", field("VolumeType")},
  };
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kVolume, "VolumeIds", "VolumeId", "Volumes", filters, [&ctx](json doc) {
                                        return listed(ctx, model::volume_from_doc(doc));
                                      }});
}

json delete_volume(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, request["VolumeId"].get<std::string>());
  const std::string& id = volume.spec.volume_id;
  switch (volume.status.state) {
    case VolumeState::kAvailable:
    case VolumeState::kError:
      break;
    case VolumeState::kInUse:
      fail("VolumeInUse", "Volume " + id + " is currently attached to " + volume.spec.attachment->instance_id);
    case VolumeState::kCreating:
    case VolumeState::kDeleting:
    case VolumeState::kDeleted:
      fail("IncorrectState", "The volume '" + id + "' is '" + std::string(model::volume_state_name(volume.status.state)) +
                                 "' and cannot be deleted.");
  }
  // The reconciler deletes its disk and then the record.
  volume.status.state = VolumeState::kDeleting;
  save_volume(ctx, volume);
  return json::object();
}

}  // namespace

model::Volume require_volume(CallContext& ctx, const std::string& id) {
  return model::volume_from_doc(require(ctx, kinds::kVolume, id));
}

void save_volume(CallContext& ctx, const model::Volume& volume) {
  save(ctx, kinds::kVolume, volume.spec.volume_id, model::volume_doc(volume));
}

std::vector<model::Volume> attached_volumes(CallContext& ctx, const std::string& instance_id) {
  std::vector<model::Volume> out;
  for (const json& doc : list_where(ctx, kinds::kVolume, "Spec.Attachment.InstanceId", instance_id)) {
    model::Volume volume = model::volume_from_doc(doc);
    if (volume.status.state == VolumeState::kInUse) out.push_back(std::move(volume));
  }
  std::sort(out.begin(), out.end(), [](const model::Volume& a, const model::Volume& b) {
    return a.spec.attachment->device < b.spec.attachment->device;
  });
  return out;
}

json block_device_mappings(CallContext& ctx, const std::string& instance_id) {
  json mappings = json::array();
  for (const model::Volume& volume : attached_volumes(ctx, instance_id)) {
    mappings.push_back(model::block_device_mapping(volume));
  }
  return mappings;
}

void add_volume_actions(ActionTable& table) {
  table["DescribeVolumes"] = {describe_volumes, false};
  table["DeleteVolume"] = {delete_volume, true};
}

void upgrade_root_volumes(store::Store& store) {
  auto txn = store.begin_write();
  bool changed = false;
  for (store::Record& record : txn->list(std::string(kinds::kInstance.kind), std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!instance.api.contains("BlockDeviceMappings")) continue;
    for (const json& mapping : instance.api["BlockDeviceMappings"]) {
      const json& ebs = mapping["Ebs"];
      model::Volume volume;
      volume.spec.volume_id = ebs.value("VolumeId", "");
      volume.spec.availability_zone = instance.api["Placement"].value("AvailabilityZone", "");
      volume.spec.size_gib = instance.spec.root_volume_gib;
      volume.spec.base_image = instance.api.value("ImageId", "");
      volume.spec.create_time = ebs.value("AttachTime", "");
      volume.spec.attachment = model::VolumeAttachment{instance.id(), mapping.value("DeviceName", "/dev/xvda"),
                                                       ebs.value("AttachTime", ""),
                                                       ebs.value("DeleteOnTermination", true)};
      if (instance.status.state != compute::InstanceState::kTerminated) {
        volume.status.state = VolumeState::kInUse;
      } else if (!volume.spec.attachment->delete_on_termination) {
        // Its disk was kept, where the volume driver keeps disks: it becomes an available volume.
        volume.spec.attachment.reset();
        volume.status.state = VolumeState::kAvailable;
      } else {
        continue;
      }
      txn->put({volume.spec.volume_id, std::string(kinds::kVolume.kind), record.region, model::volume_doc(volume)});
    }
    instance.api.erase("BlockDeviceMappings");
    record.doc = model::instance_doc(instance);
    txn->put(record);
    changed = true;
  }
  if (changed) txn->commit();
}

}  // namespace stratus::ec2
