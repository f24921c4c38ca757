#include "services/ec2/volumes.h"

#include <algorithm>
#include <set>

#include "common/ids.h"
#include "common/timestamp.h"
#include "compute/qemu_command.h"
#include "model/instance.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/resources.h"
#include "services/ec2/snapshots.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

using model::VolumeState;

// Data volumes an instance may have attached besides its root volume (its VM's disk slots).
constexpr size_t kMaxDataVolumes = compute::kDiskSlots;

// `volume` as DescribeVolumes lists it.
json listed(CallContext& ctx, const model::Volume& volume) {
  return model::volume_view(volume, ctx.catalog.zone_id(ctx.region, volume.spec.availability_zone));
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

// The largest volume AWS makes of `type`, and the smallest (GiB).
std::pair<int64_t, int64_t> size_range(const std::string& type) {
  if (type == "io1" || type == "io2") return {4, 16384};
  if (type == "st1" || type == "sc1") return {125, 16384};
  if (type == "standard") return {1, 1024};
  return {1, 16384};  // gp2, gp3
}

// Fails as AWS does unless `spec`'s type, size, IOPS and throughput go together.
void check_performance(const model::VolumeSpec& spec) {
  static const std::set<std::string> kTypes = {"gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"};
  const std::string& type = spec.volume_type;
  if (!kTypes.count(type)) fail("InvalidParameterValue", "Value (" + type + ") for parameter volumeType is invalid.");
  auto [smallest, largest] = size_range(type);
  if (spec.size_gib < smallest || spec.size_gib > largest) {
    fail("InvalidParameterValue", "Volume of " + std::to_string(spec.size_gib) + "GiB is not valid for " + type +
                                      " volumes: the size must be " + std::to_string(smallest) + "-" +
                                      std::to_string(largest) + " GiB.");
  }
  bool provisioned = type == "io1" || type == "io2";
  if (spec.iops) {
    int64_t iops = *spec.iops;
    if (!provisioned && type != "gp3") {
      fail("InvalidParameterCombination", "The parameter iops is not supported for " + type + " volumes.");
    }
    int64_t lowest = type == "gp3" ? 3000 : 100, highest = type == "gp3" ? 16000 : type == "io1" ? 64000 : 256000;
    int64_t per_gib = type == "io1" ? 50 : type == "io2" ? 1000 : 500;
    if (iops < lowest || iops > highest) {
      fail("InvalidParameterValue", "Volume iops of " + std::to_string(iops) + " is not valid for " + type +
                                        " volumes: it must be " + std::to_string(lowest) + "-" +
                                        std::to_string(highest) + ".");
    }
    if (iops > per_gib * spec.size_gib) {
      fail("InvalidParameterValue", "Iops to volume size ratio of " + std::to_string(iops / spec.size_gib) +
                                        " is too high; maximum is " + std::to_string(per_gib) + ".");
    }
  } else if (provisioned) {
    fail("MissingParameter", "The request must contain the parameter iops for " + type + " volumes.");
  }
  if (spec.throughput) {
    if (type != "gp3") fail("InvalidParameterCombination", "The parameter throughput is only valid for gp3 volumes.");
    int64_t throughput = *spec.throughput, iops = spec.iops.value_or(3000);
    if (throughput < 125 || throughput > 1000) {
      fail("InvalidParameterValue", "Throughput of " + std::to_string(throughput) + " MiB/s is not valid: it must be "
                                    "125-1000.");
    }
    if (throughput * 4 > iops) {
      fail("InvalidParameterValue", "Throughput of " + std::to_string(throughput) + " MiB/s is too high for " +
                                        std::to_string(iops) + " IOPS; at most 0.25 MiB/s per IOPS.");
    }
  }
}

// Throws VolumeModificationRateExceeded when `volume` was modified as often as the quota allows
// in the 24 hours before now; else records this modification (and forgets older ones).
void count_modification(CallContext& ctx, model::Volume& volume) {
  constexpr int64_t kDay = 24 * 60 * 60;
  std::vector<int64_t>& times = volume.spec.modified_at;
  std::erase_if(times, [&](int64_t t) { return t <= ctx.now - kDay; });
  if (static_cast<int64_t>(times.size()) >= ctx.limits.volume_modifications_per_day) {
    std::string next = times.empty() ? format_iso8601(ctx.now + kDay) : format_iso8601(times.front() + kDay);
    fail("VolumeModificationRateExceeded",
         "You've reached the maximum modification rate per volume limit (" +
             std::to_string(ctx.limits.volume_modifications_per_day) + " in 24 hours). Wait until " + next +
             " before modifying volume " + volume.spec.volume_id + " again.");
  }
  times.push_back(ctx.now);
}

json create_volume(CallContext& ctx, const json& request) {
  model::Volume volume;
  model::VolumeSpec& spec = volume.spec;
  spec.availability_zone = str(request, "AvailabilityZone");
  if (spec.availability_zone.empty() && request.contains("AvailabilityZoneId")) {
    std::string zone_id = str(request, "AvailabilityZoneId");
    const Zone* zone = ctx.catalog.zone(ctx.region, zone_id);
    if (zone != nullptr && zone->id == zone_id) spec.availability_zone = zone->name;
    if (spec.availability_zone.empty()) {
      fail("InvalidParameterValue", "Invalid availability zone id: [" + str(request, "AvailabilityZoneId") + "]");
    }
  }
  if (spec.availability_zone.empty()) {
    fail("MissingParameter", "The request must contain the parameter AvailabilityZone or AvailabilityZoneId");
  }
  if (ctx.catalog.zone(ctx.region, spec.availability_zone) == nullptr) {
    fail("InvalidParameterValue", "Invalid availability zone: [" + spec.availability_zone + "]");
  }
  if (request.contains("SnapshotId")) {
    model::Snapshot snapshot = require_restorable_snapshot(ctx, str(request, "SnapshotId"));
    spec.snapshot_id = snapshot.spec.snapshot_id;
    if (snapshot.status.state != model::SnapshotState::kCompleted) {
      fail("IncorrectState", "Snapshot '" + spec.snapshot_id + "' is not 'completed'.");
    }
    spec.size_gib = request.value("Size", snapshot.spec.volume_size_gib);
    if (spec.size_gib < snapshot.spec.volume_size_gib) {
      fail("InvalidParameterValue", "Volume of size " + std::to_string(spec.size_gib) + "GiB is smaller than snapshot '" +
                                        spec.snapshot_id + "', expect size >= " +
                                        std::to_string(snapshot.spec.volume_size_gib) + "GiB");
    }
    volume.status.filled = false;  // until the reconciler has written the snapshot's blocks
  } else if (!request.contains("Size")) {
    fail("MissingParameter", "The request must contain the parameter size or snapshotId");
  } else {
    spec.size_gib = request["Size"].get<int64_t>();
  }
  if (request.value("MultiAttachEnabled", false)) {
    fail("InvalidParameterValue", "Multi-Attach is not supported by this region.");
  }
  spec.volume_id = new_resource_id("vol");
  spec.volume_type = str(request, "VolumeType", "gp2");  // AWS's default for CreateVolume
  if (request.contains("Iops")) spec.iops = request["Iops"].get<int64_t>();
  if (request.contains("Throughput")) spec.throughput = request["Throughput"].get<int64_t>();
  check_performance(spec);
  spec.encrypted = request.value("Encrypted", false);
  spec.create_time = format_iso8601(ctx.now);
  volume.tags = tags_from_specifications(ctx, request, "volume");
  require_storage_room(ctx, spec.volume_type, spec.size_gib);
  volume.status.state = VolumeState::kCreating;  // until the reconciler has made its disk
  save_volume(ctx, volume);
  return listed(ctx, volume);
}

// A device name AWS takes for an EBS volume on a Linux instance: /dev/sd[b-z] or /dev/xvd[b-z],
// optionally with a second letter (/dev/xvdba).
bool valid_device(const std::string& device) {
  for (std::string_view prefix : {"/dev/sd", "/dev/xvd"}) {
    if (device.rfind(prefix, 0) != 0) continue;
    std::string_view rest = std::string_view(device).substr(prefix.size());
    if (rest.empty() || rest.size() > 2 || rest[0] < 'b' || rest[0] > 'z') return false;
    return rest.size() == 1 || (rest[1] >= 'a' && rest[1] <= 'z');
  }
  return false;
}

// `volume`'s attachment as AttachVolume and DetachVolume answer.
json attachment_result(const model::Volume& volume) {
  const model::VolumeAttachment& a = *volume.spec.attachment;
  return {{"AttachTime", a.attach_time},
          {"Device", a.device},
          {"InstanceId", a.instance_id},
          {"State", std::string(model::attachment_state_name(volume.status.attachment))},
          {"VolumeId", volume.spec.volume_id},
          {"DeleteOnTermination", a.delete_on_termination}};
}

json attach_volume(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, request["VolumeId"].get<std::string>());
  model::Instance instance = require_instance(ctx, request["InstanceId"].get<std::string>());
  const std::string& id = volume.spec.volume_id;
  std::string device = request["Device"].get<std::string>();
  compute::InstanceState state = instance.status.state;
  if (state == compute::InstanceState::kTerminated || state == compute::InstanceState::kShuttingDown) {
    fail("IncorrectInstanceState", "Instance '" + instance.id() + "' is not 'running'.");
  }
  if (volume.status.state == VolumeState::kInUse) {
    fail("VolumeInUse", id + " is already attached to an instance");
  }
  if (volume.status.state != VolumeState::kAvailable) {
    fail("IncorrectState", "vol '" + id + "' is not 'available'.");
  }
  if (volume.spec.availability_zone != instance.api["Placement"].value("AvailabilityZone", "")) {
    fail("InvalidVolume.ZoneMismatch", "The volume '" + id + "' is not in the same availability zone as instance '" +
                                           instance.id() + "'");
  }
  if (!valid_device(device)) {
    fail("InvalidParameterValue", "Value (" + device + ") for parameter device is invalid. " + device +
                                      " is not a valid EBS device name.");
  }
  std::vector<model::Volume> others = attached_volumes(ctx, instance.id());
  for (const model::Volume& other : others) {
    if (other.spec.attachment->device == device) {
      fail("InvalidParameterValue", "Invalid value '" + device + "' for unixDevice. Attachment point " + device +
                                        " is already in use");
    }
  }
  if (others.size() > kMaxDataVolumes) {
    fail("AttachmentLimitExceeded", "Instance " + instance.id() + " has reached its limit of attached volumes.");
  }
  volume.spec.attachment = model::VolumeAttachment{instance.id(), device, format_iso8601(ctx.now), false};
  volume.status.state = VolumeState::kInUse;
  volume.status.attachment = model::AttachmentState::kAttaching;  // until the reconciler has plugged it
  save_volume(ctx, volume);
  return attachment_result(volume);
}

json detach_volume(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, request["VolumeId"].get<std::string>());
  const std::string& id = volume.spec.volume_id;
  if (volume.status.state != VolumeState::kInUse) {
    fail("IncorrectState", "Volume '" + id + "' is in the '" +
                               std::string(model::volume_state_name(volume.status.state)) + "' state.");
  }
  const model::VolumeAttachment& a = *volume.spec.attachment;
  if ((request.contains("InstanceId") && request["InstanceId"] != a.instance_id) ||
      (request.contains("Device") && request["Device"] != a.device)) {
    fail("InvalidAttachment.NotFound", "Volume '" + id + "' is not attached as requested.");
  }
  auto instance = find_instance(ctx, a.instance_id);
  if (instance && a.device == instance->root_device() &&
      instance->status.state != compute::InstanceState::kStopped) {
    fail("IncorrectState", "Unable to detach root volume '" + id + "' from instance '" + a.instance_id + "'");
  }
  volume.status.attachment = model::AttachmentState::kDetaching;  // until the guest has let go
  save_volume(ctx, volume);
  return attachment_result(volume);
}

json describe_volume_status(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"availability-zone", field("AvailabilityZone")},
                                      {"volume-status.status", field("VolumeStatus.Status")},
                                      {"volume-status.details-name", field("VolumeStatus.Details[].Name")},
                                      {"volume-status.details-status", field("VolumeStatus.Details[].Status")}};
  std::vector<json> rows;
  std::vector<model::Volume> volumes;
  if (request.contains("VolumeIds") && !request["VolumeIds"].empty()) {
    for (const json& id : request["VolumeIds"]) volumes.push_back(require_volume(ctx, id.get<std::string>()));
  } else {
    for (const json& doc : list(ctx, kinds::kVolume)) volumes.push_back(model::volume_from_doc(doc));
  }
  for (const model::Volume& volume : volumes) {
    bool ok = volume.status.state != VolumeState::kError;
    json details = json::array({{{"Name", "io-enabled"}, {"Status", ok ? "passed" : "failed"}},
                                {{"Name", "io-performance"}, {"Status", "not-applicable"}}});
    rows.push_back({{"VolumeId", volume.spec.volume_id},
                    {"AvailabilityZone", volume.spec.availability_zone},
                    {"AvailabilityZoneId", ctx.catalog.zone_id(ctx.region, volume.spec.availability_zone)},
                    {"VolumeStatus", {{"Status", ok ? "ok" : "impaired"}, {"Details", details}}},
                    {"Actions", json::array()},
                    {"Events", json::array()}});
  }
  return describe_values(std::move(rows), request, filters, "VolumeStatuses", false, member_key("VolumeId"));
}

json describe_volume_attribute(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, request["VolumeId"].get<std::string>());
  std::string attribute = request["Attribute"].get<std::string>();
  json out = {{"VolumeId", volume.spec.volume_id}};
  if (attribute == "autoEnableIO") {
    out["AutoEnableIO"] = {{"Value", volume.spec.auto_enable_io}};
  } else if (attribute == "productCodes") {
    out["ProductCodes"] = json::array();
  } else {
    fail("InvalidParameterValue", "Value (" + attribute + ") for parameter attribute is invalid.");
  }
  return out;
}

json modify_volume_attribute(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, request["VolumeId"].get<std::string>());
  if (!request.contains("AutoEnableIO")) fail("MissingParameter", "The request must contain the parameter AutoEnableIO");
  volume.spec.auto_enable_io = request["AutoEnableIO"].value("Value", false);
  save_volume(ctx, volume);
  return json::object();
}

json modify_volume(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, request["VolumeId"].get<std::string>());
  const std::string& id = volume.spec.volume_id;
  if (volume.status.state != VolumeState::kAvailable && volume.status.state != VolumeState::kInUse) {
    fail("IncorrectState", "Volume '" + id + "' is '" + std::string(model::volume_state_name(volume.status.state)) +
                               "' and cannot be modified.");
  }
  if (!volume.status.modified) {
    fail("IncorrectModificationState", "Volume " + id + " is already being modified.");
  }
  model::VolumeModification before{volume.spec.size_gib, volume.spec.volume_type, volume.spec.iops,
                                   volume.spec.throughput, format_iso8601(ctx.now)};
  model::VolumeSpec& spec = volume.spec;
  if (request.contains("Size")) {
    int64_t size = request["Size"].get<int64_t>();
    if (size < spec.size_gib) {
      fail("InvalidParameterValue", "New size cannot be smaller than existing size (" +
                                        std::to_string(spec.size_gib) + " GiB).");
    }
    spec.size_gib = size;
  }
  if (request.contains("VolumeType")) {
    std::string type = request["VolumeType"].get<std::string>();
    if (type != spec.volume_type) {
      // Performance settings of the old type do not carry over.
      spec.iops.reset();
      spec.throughput.reset();
    }
    spec.volume_type = type;
  }
  if (request.contains("Iops")) spec.iops = request["Iops"].get<int64_t>();
  if (request.contains("Throughput")) spec.throughput = request["Throughput"].get<int64_t>();
  if (request.value("MultiAttachEnabled", false)) {
    fail("InvalidParameterValue", "Multi-Attach is not supported by this region.");
  }
  check_performance(spec);
  if (spec.size_gib == before.original_size_gib && spec.volume_type == before.original_type &&
      spec.iops == before.original_iops && spec.throughput == before.original_throughput) {
    fail("InvalidParameterValue", "New parameters of volume " + id + " are the same as the current ones.");
  }
  require_storage_room(ctx, spec.volume_type,
                       spec.volume_type == before.original_type ? spec.size_gib - before.original_size_gib
                                                                : spec.size_gib);
  count_modification(ctx, volume);
  spec.modification = before;
  volume.status.modified = false;  // until the reconciler has grown its disk
  volume.status.modified_time.clear();
  save_volume(ctx, volume);
  return {{"VolumeModification", model::modification_view(volume)}};
}

json describe_volumes_modifications(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"modification-state", field("ModificationState")},  {"original-iops", field("OriginalIops")},
      {"original-size", field("OriginalSize")},            {"original-volume-type", field("OriginalVolumeType")},
      {"original-throughput", field("OriginalThroughput")}, {"start-time", field("StartTime")},
      {"target-iops", field("TargetIops")},                {"target-size", field("TargetSize")},
      {"target-volume-type", field("TargetVolumeType")},    {"target-throughput", field("TargetThroughput")},
      {"volume-id", field("VolumeId")}};
  std::vector<json> rows;
  for (const json& id : request.value("VolumeIds", json::array())) {
    model::Volume volume = require_volume(ctx, id.get<std::string>());
    if (!volume.spec.modification) {
      fail("InvalidVolumeModification.NotFound", "Modification for volume '" + volume.spec.volume_id +
                                                     "' does not exist.");
    }
  }
  std::set<std::string> wanted;
  for (const json& id : request.value("VolumeIds", json::array())) wanted.insert(id.get<std::string>());
  for (const json& doc : list(ctx, kinds::kVolume)) {
    model::Volume volume = model::volume_from_doc(doc);
    if (!volume.spec.modification || (!wanted.empty() && !wanted.count(volume.spec.volume_id))) continue;
    rows.push_back(model::modification_view(volume));
  }
  return describe_values(std::move(rows), request, filters, "VolumesModifications", false, member_key("VolumeId"));
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

void require_storage_room(CallContext& ctx, const std::string& type, int64_t adding_gib) {
  int64_t used = 0;
  for (const json& doc : list(ctx, kinds::kVolume)) {
    model::Volume volume = model::volume_from_doc(doc);
    if (volume.spec.volume_type == type) used += volume.spec.size_gib;
  }
  if (used + adding_gib > ctx.limits.volume_storage_tib * 1024) {
    fail("VolumeLimitExceeded", "You have exceeded your maximum " + type + " storage limit of " +
                                    std::to_string(ctx.limits.volume_storage_tib) + " TiB in this region.");
  }
}

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

std::vector<model::Volume> launch_volumes(CallContext& ctx, const json& request, const model::Image& image,
                                          const std::string& zone) {
  std::string root_device = image.api.value("RootDeviceName", "/dev/xvda");
  std::vector<model::Volume> out;
  // A volume at `device` as `ebs` (a mapping's Ebs) asks, from its snapshot when it names one.
  auto volume_for = [&](const std::string& device, const json& ebs, bool from_image) {
    model::Volume volume;
    volume.spec.availability_zone = zone;
    volume.spec.volume_type = from_image ? "gp3" : "gp2";  // gp2 as CreateVolume's default
    volume.spec.attachment = model::VolumeAttachment{"", device, "", true};
    if (ebs.contains("SnapshotId")) {
      std::string snapshot_id = str(ebs, "SnapshotId");
      model::Snapshot snapshot = require_restorable_snapshot(ctx, snapshot_id);
      if (snapshot.status.state != model::SnapshotState::kCompleted) {
        fail("IncorrectState", "Snapshot '" + snapshot_id + "' is not 'completed'.");
      }
      volume.spec.snapshot_id = snapshot_id;
      volume.spec.size_gib = snapshot.spec.volume_size_gib;
      volume.status.filled = false;  // the reconciler writes the snapshot's blocks before the VM starts
    } else if (!ebs.contains("VolumeSize")) {
      fail("InvalidBlockDeviceMapping", "The device '" + device + "' needs a volume size or a snapshot");
    }
    return volume;
  };
  for (const json& mapping : image.api.value("BlockDeviceMappings", json::array())) {
    std::string device = str(mapping, "DeviceName");
    const json& ebs = mapping.value("Ebs", json::object());
    model::Volume volume;
    if (device == root_device && !image.spec.base_disk.empty()) {
      // The base image: its root volume starts as its disk, copy-on-write.
      volume.spec.availability_zone = zone;
      volume.spec.size_gib = ebs.value("VolumeSize", int64_t{8});
      volume.spec.base_image = image.id();
      volume.spec.snapshot_id = str(ebs, "SnapshotId");  // the same blocks, imported
      volume.spec.attachment = model::VolumeAttachment{"", device, "", true};
    } else {
      volume = volume_for(device, ebs, true);
    }
    volume.spec.size_gib = ebs.value("VolumeSize", volume.spec.size_gib);
    volume.spec.volume_type = ebs.value("VolumeType", "gp3");
    volume.spec.attachment->delete_on_termination = ebs.value("DeleteOnTermination", true);
    if (device == root_device) out.insert(out.begin(), std::move(volume));
    else out.push_back(std::move(volume));
  }
  if (out.empty() || out[0].spec.attachment->device != root_device) {
    fail("InvalidAMIID.Unavailable", "The image " + image.id() + " has no root device mapping.");
  }
  std::set<std::string> requested;
  for (const json& mapping : request.value("BlockDeviceMappings", json::array())) {
    std::string device = str(mapping, "DeviceName");
    if (!requested.insert(device).second) {
      fail("InvalidBlockDeviceMapping", "The device '" + device + "' is used in more than one block-device mapping");
    }
    auto existing = std::find_if(out.begin(), out.end(),
                                 [&](const model::Volume& v) { return v.spec.attachment->device == device; });
    if (mapping.contains("NoDevice")) {  // suppresses one of the image's mappings (never its root)
      if (existing != out.end() && existing != out.begin()) out.erase(existing);
      continue;
    }
    if (mapping.contains("VirtualName")) {
      fail("UnsupportedOperation", "Instance store volumes (" + str(mapping, "VirtualName") +
                                       ") are not offered by this region's instance types.");
    }
    const json ebs = mapping.value("Ebs", json::object());
    bool root = device == root_device;
    model::Volume volume;
    if (existing != out.end()) {
      if (!root && ebs.contains("SnapshotId")) volume = volume_for(device, ebs, false);
      else volume = *existing;
    } else {
      if (!valid_device(device)) fail("InvalidBlockDeviceMapping", "Invalid device name " + device);
      volume = volume_for(device, ebs, false);
    }
    int64_t least = volume.spec.size_gib;
    int64_t size = ebs.value("VolumeSize", volume.spec.size_gib);
    if ((root || !volume.spec.snapshot_id.empty()) && size < least) {
      std::string source = volume.spec.snapshot_id.empty() ? image.id() : volume.spec.snapshot_id;
      fail("InvalidBlockDeviceMapping", "Volume of size " + std::to_string(size) + "GB is smaller than snapshot '" +
                                            source + "', expect size >= " + std::to_string(least) + "GB");
    }
    volume.spec.size_gib = size;
    volume.spec.volume_type = ebs.value("VolumeType", volume.spec.volume_type);
    if (ebs.contains("Iops")) volume.spec.iops = ebs["Iops"].get<int64_t>();
    if (ebs.contains("Throughput")) volume.spec.throughput = ebs["Throughput"].get<int64_t>();
    volume.spec.encrypted = ebs.value("Encrypted", volume.spec.encrypted);
    volume.spec.attachment->delete_on_termination =
        ebs.value("DeleteOnTermination", volume.spec.attachment->delete_on_termination);
    if (existing != out.end()) *existing = std::move(volume);
    else out.push_back(std::move(volume));
  }
  for (const model::Volume& volume : out) check_performance(volume.spec);
  if (out.size() - 1 > kMaxDataVolumes) {
    fail("InvalidBlockDeviceMapping", "At most " + std::to_string(kMaxDataVolumes) + " volumes besides the root "
                                      "volume can be attached to an instance here.");
  }
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
  table["CreateVolume"] = {create_volume, true};
  table["AttachVolume"] = {attach_volume, true};
  table["DetachVolume"] = {detach_volume, true};
  table["DescribeVolumes"] = {describe_volumes, false};
  table["DescribeVolumeStatus"] = {describe_volume_status, false};
  table["DescribeVolumeAttribute"] = {describe_volume_attribute, false};
  table["ModifyVolumeAttribute"] = {modify_volume_attribute, true};
  table["ModifyVolume"] = {modify_volume, true};
  table["DescribeVolumesModifications"] = {describe_volumes_modifications, false};
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
      volume.spec.size_gib = record.doc.value("_RootVolumeSizeGiB", int64_t{8});  // that layout's key
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
