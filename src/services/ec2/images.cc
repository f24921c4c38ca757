#include "services/ec2/images.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

#include "common/ids.h"
#include "common/timestamp.h"
#include "compute/instance_state.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/resources.h"
#include "services/ec2/sharing.h"
#include "services/ec2/snapshots.h"
#include "services/ec2/tags.h"
#include "services/ec2/volumes.h"

namespace stratus::ec2 {
namespace {

std::string date_stamp(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

// True when `image` belongs to one of the requested owners ("self", "amazon", "all", or an id).
bool owned_by(const json& image, const json& owners, const std::string& account_id) {
  for (const json& owner : owners) {
    std::string o = owner.get<std::string>();
    if (o == "all") return true;
    if (o == "self" && image.value("OwnerId", "") == account_id) return true;
    if (o == image.value("ImageOwnerAlias", "")) return true;
    if (o == image.value("OwnerId", "")) return true;
  }
  return false;
}

// True when one of `users` ("self", "all" or an account id) may launch `image`.
bool executable_by(const model::Image& image, const json& users, const std::string& account_id) {
  for (const json& user : users) {
    std::string u = user.get<std::string>();
    if (u == "all" ? image.spec.is_public : model::launchable_by(image, u == "self" ? account_id : u)) return true;
  }
  return false;
}

const FilterTable& image_filters() {
  static const FilterTable table = {
      {"architecture", field("Architecture")},
      {"block-device-mapping.device-name", field("BlockDeviceMappings[].DeviceName")},
      {"block-device-mapping.snapshot-id", field("BlockDeviceMappings[].Ebs.SnapshotId")},
      {"block-device-mapping.volume-size", field("BlockDeviceMappings[].Ebs.VolumeSize")},
      {"block-device-mapping.volume-type", field("BlockDeviceMappings[].Ebs.VolumeType")},
      {"block-device-mapping.delete-on-termination", field("BlockDeviceMappings[].Ebs.DeleteOnTermination")},
      {"creation-date", field("CreationDate")},
      {"description", field("Description")},
      {"ena-support", field("EnaSupport")},
      {"hypervisor", field("Hypervisor")},
      {"image-id", field("ImageId")},
      {"image-type", field("ImageType")},
      {"is-public", field("Public")},
      {"manifest-location", field("ImageLocation")},
      {"name", field("Name")},
      {"owner-alias", field("ImageOwnerAlias")},
      {"owner-id", field("OwnerId")},
      {"platform-details", field("PlatformDetails")},
      {"root-device-name", field("RootDeviceName")},
      {"root-device-type", field("RootDeviceType")},
      {"source-instance-id", field("SourceInstanceId")},
      {"state", field("State")},
      {"virtualization-type", field("VirtualizationType")},
  };
  return table;
}

json describe_images(CallContext& ctx, const json& request) {
  // Without ids, a caller sees public images, its own and those shared with it.
  std::vector<json> visible;
  for (const json& doc : list(ctx, kinds::kImage)) {
    model::Image image = model::image_from_doc(doc);
    if (!model::launchable_by(image, ctx.account_id)) continue;
    json view = model::image_view(image);
    if (request.contains("Owners") && !request["Owners"].empty() && !owned_by(view, request["Owners"], ctx.account_id)) {
      continue;
    }
    if (request.contains("ExecutableUsers") && !request["ExecutableUsers"].empty() &&
        !executable_by(image, request["ExecutableUsers"], ctx.account_id)) {
      continue;
    }
    visible.push_back(std::move(view));
  }
  if (request.contains("ImageIds") && !request["ImageIds"].empty()) {
    if (request.contains("MaxResults")) {
      fail("InvalidParameterCombination", "The parameter ImageIds cannot be used with the parameter maxResults");
    }
    std::vector<json> chosen;
    std::string missing;
    for (const json& id : request["ImageIds"]) {
      auto it = std::find_if(visible.begin(), visible.end(), [&](const json& image) { return image["ImageId"] == id; });
      if (it == visible.end()) {
        std::string text = id.get<std::string>();
        if (!is_resource_id(text, "ami")) fail("InvalidAMIID.Malformed", "Invalid id: \"" + text + "\" (expecting \"ami-...\")");
        missing += (missing.empty() ? "" : ", ") + text;
      } else {
        chosen.push_back(*it);
      }
    }
    if (!missing.empty()) fail("InvalidAMIID.NotFound", "The image id '[" + missing + "]' does not exist");
    visible = std::move(chosen);
  }
  return describe_values(std::move(visible), request, image_filters(), "Images", false, member_key("ImageId"));
}

// The image `id` the caller owns; InvalidAMIID.NotFound (or .Malformed) when it cannot see it,
// AuthFailure when it is another account's.
model::Image require_own_image(CallContext& ctx, const std::string& id) {
  model::Image image = model::image_from_doc(require(ctx, kinds::kImage, id));
  if (!model::launchable_by(image, ctx.account_id)) fail("InvalidAMIID.NotFound", not_found_message(kinds::kImage, id));
  if (image.owner() != ctx.account_id) fail("AuthFailure", "Not authorized for image:" + id);
  return image;
}

void save_image(CallContext& ctx, const model::Image& image) {
  save(ctx, kinds::kImage, image.id(), model::image_doc(image));
}

// Fails as AWS does unless `name` is a valid AMI name not yet used by the caller in the region.
void check_name(CallContext& ctx, const std::string& name) {
  static constexpr std::string_view kPunctuation = "()./-_ '@[]";
  bool valid = name.size() >= 3 && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || kPunctuation.find(c) != std::string_view::npos;
               });
  if (!valid) {
    fail("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may contain letters, "
                                     "numbers, spaces and ( ) . - / _ ' @ [ ]");
  }
  for (const json& doc : list(ctx, kinds::kImage)) {
    model::Image other = model::image_from_doc(doc);
    if (other.owner() == ctx.account_id && other.api.value("Name", "") == name) {
      fail("InvalidAMIName.Duplicate", "AMI name " + name + " is already in use by AMI " + other.id());
    }
  }
}

// A new pending image of the caller named `name`, booting from `boot_directory`, with the
// members every machine image here has; the caller adds its mappings. Not saved.
model::Image new_image(const CallContext& ctx, const std::string& owner, const std::string& name,
                       const std::string& description, const std::string& boot_directory) {
  model::Image image;
  image.api = {{"ImageId", new_resource_id("ami")},
               {"ImageLocation", owner + "/" + name},
               {"OwnerId", owner},
               {"Architecture", "x86_64"},
               {"ImageType", "machine"},
               {"Name", name},
               {"CreationDate", format_iso8601(ctx.now)},
               {"RootDeviceType", "ebs"},
               {"RootDeviceName", "/dev/xvda"},
               {"VirtualizationType", "hvm"},
               {"Hypervisor", "xen"},
               {"EnaSupport", true},
               {"PlatformDetails", "Linux/UNIX"},
               {"UsageOperation", "RunInstances"},
               {"BootMode", "legacy-bios"},
               {"ImdsSupport", "v2.0"},
               {"BlockDeviceMappings", json::array()}};
  if (!description.empty()) image.api["Description"] = description;
  image.spec.boot_directory = boot_directory;
  return image;
}

// The mapping of an image's volume made from `snapshot` at `device`.
json snapshot_mapping(const std::string& device, const model::Snapshot& snapshot, const std::string& type,
                      bool delete_on_termination) {
  return {{"DeviceName", device},
          {"Ebs",
           {{"SnapshotId", snapshot.spec.snapshot_id},
            {"VolumeSize", snapshot.spec.volume_size_gib},
            {"VolumeType", type},
            {"DeleteOnTermination", delete_on_termination},
            {"Encrypted", snapshot.spec.encrypted}}}};
}

// The boot directory of the newest base image of the call's region (what a registered image
// boots with); fails when the region has none.
std::string base_boot_directory(CallContext& ctx) {
  std::string newest, directory;
  for (const json& doc : list(ctx, kinds::kImage)) {
    model::Image image = model::image_from_doc(doc);
    if (image.spec.base_disk.empty()) continue;
    std::string created = image.api.value("CreationDate", "");
    if (created >= newest) newest = created, directory = image.spec.boot_directory;
  }
  if (directory.empty()) fail("InvalidParameterValue", "This region has no base image to boot a registered image with.");
  return directory;
}

json create_image(CallContext& ctx, const json& request) {
  model::Instance instance = require_instance(ctx, str(request, "InstanceId"));
  compute::InstanceState state = instance.status.state;
  if (state != compute::InstanceState::kRunning && state != compute::InstanceState::kStopped) {
    fail("IncorrectInstanceState", "The instance '" + instance.id() + "' is not in a state from which it can be imaged.");
  }
  std::string name = str(request, "Name");
  check_name(ctx, name);
  auto source = find(ctx, kinds::kImage, instance.api.value("ImageId", ""));
  if (!source) fail("InvalidAMIID.NotFound", "The image of instance " + instance.id() + " is gone; it cannot be imaged.");
  model::Image image = new_image(ctx, ctx.account_id, name, str(request, "Description"),
                                 model::image_from_doc(*source).spec.boot_directory);
  image.api["RootDeviceName"] = instance.root_device();
  image.api["SourceInstanceId"] = instance.id();
  std::set<std::string> left_out;
  for (const json& mapping : request.value("BlockDeviceMappings", json::array())) {
    if (mapping.contains("NoDevice")) left_out.insert(str(mapping, "DeviceName"));
  }
  // A reboot (the default) reads the disks while the guest is down: a clean file system.
  bool quiesce = !request.value("NoReboot", false) && state == compute::InstanceState::kRunning;
  json snapshot_tags = tags_from_specifications(ctx, request, "snapshot", {"image"});
  std::string batch;
  for (const model::Volume& volume : attached_volumes(ctx, instance.id())) {
    const model::VolumeAttachment& a = *volume.spec.attachment;
    if (left_out.count(a.device) && a.device != instance.root_device()) continue;
    model::Snapshot snapshot =
        snapshot_of(ctx, volume, "Created by CreateImage(" + instance.id() + ") for " + image.id());
    if (batch.empty()) batch = snapshot.spec.snapshot_id;
    snapshot.spec.batch = batch;
    snapshot.spec.quiesce = quiesce;
    snapshot.tags = snapshot_tags;
    save_snapshot(ctx, snapshot);
    image.api["BlockDeviceMappings"].push_back(
        snapshot_mapping(a.device, snapshot, volume.spec.volume_type, a.delete_on_termination));
  }
  image.tags = tags_from_specifications(ctx, request, "image", {"snapshot"});
  save_image(ctx, image);  // pending until its snapshots are completed
  return {{"ImageId", image.id()}};
}

json register_image(CallContext& ctx, const json& request) {
  std::string name = str(request, "Name");
  check_name(ctx, name);
  if (request.contains("ImageLocation")) {
    fail("InvalidParameterValue", "Images from manifests in S3 (ImageLocation) are not supported; register an EBS "
                                  "snapshot with BlockDeviceMappings.");
  }
  std::string architecture = str(request, "Architecture", "x86_64");
  if (architecture != "x86_64") {
    fail("InvalidParameterValue", "Value (" + architecture + ") for parameter architecture is invalid: this region "
                                  "runs x86_64 guests.");
  }
  model::Image image = new_image(ctx, ctx.account_id, name, str(request, "Description"), base_boot_directory(ctx));
  std::string root_device = str(request, "RootDeviceName", "/dev/xvda");
  image.api["RootDeviceName"] = root_device;
  bool has_root = false;
  for (const json& mapping : request.value("BlockDeviceMappings", json::array())) {
    std::string device = str(mapping, "DeviceName");
    const json& ebs = mapping.value("Ebs", json::object());
    if (!ebs.contains("SnapshotId")) {
      fail("InvalidBlockDeviceMapping", "The device " + device + " needs a snapshot: only EBS snapshots are supported.");
    }
    model::Snapshot snapshot = require_restorable_snapshot(ctx, str(ebs, "SnapshotId"));
    if (snapshot.status.state != model::SnapshotState::kCompleted) {
      fail("IncorrectState", "Snapshot '" + snapshot.spec.snapshot_id + "' is not 'completed'.");
    }
    json registered =
        snapshot_mapping(device, snapshot, str(ebs, "VolumeType", "gp3"), ebs.value("DeleteOnTermination", true));
    int64_t size = ebs.value("VolumeSize", snapshot.spec.volume_size_gib);
    if (size < snapshot.spec.volume_size_gib) {
      fail("InvalidBlockDeviceMapping", "Volume of size " + std::to_string(size) + "GB is smaller than snapshot '" +
                                            snapshot.spec.snapshot_id + "', expect size >= " +
                                            std::to_string(snapshot.spec.volume_size_gib) + "GB");
    }
    registered["Ebs"]["VolumeSize"] = size;
    has_root = has_root || device == root_device;
    image.api["BlockDeviceMappings"].push_back(std::move(registered));
  }
  if (!has_root) {
    fail("InvalidBlockDeviceMapping", "The root device " + root_device + " needs a block device mapping with a snapshot.");
  }
  if (request.contains("EnaSupport")) image.api["EnaSupport"] = request["EnaSupport"];
  if (request.contains("BootMode")) image.api["BootMode"] = request["BootMode"];
  image.status.state = model::ImageState::kAvailable;  // its snapshots exist
  image.tags = tags_from_specifications(ctx, request, "image");
  save_image(ctx, image);
  return {{"ImageId", image.id()}};
}

json deregister_image(CallContext& ctx, const json& request) {
  model::Image image = require_own_image(ctx, str(request, "ImageId"));
  remove(ctx, image.id());  // its snapshots stay, as on AWS, unless asked otherwise
  json out = json::object();
  if (request.value("DeleteAssociatedSnapshots", false)) {
    json deleted = json::array();
    for (const json& mapping : image.api.value("BlockDeviceMappings", json::array())) {
      std::string id = mapping.value("Ebs", json::object()).value("SnapshotId", "");
      if (id.empty() || !find(ctx, kinds::kSnapshot, id)) continue;
      remove(ctx, id);
      deleted.push_back({{"SnapshotId", id}, {"ReturnCode", "success"}});
    }
    out["DeleteSnapshotResults"] = deleted;
  }
  out["Return"] = true;
  return out;
}

json copy_image(CallContext& ctx, const json& request) {
  std::string source_region = str(request, "SourceRegion");
  std::string source_id = str(request, "SourceImageId");
  auto doc = find_source(ctx, source_region, kinds::kImage, source_id);
  if (!doc || !model::launchable_by(model::image_from_doc(*doc), ctx.account_id)) {
    fail("InvalidAMIID.NotFound", not_found_message(kinds::kImage, source_id));
  }
  model::Image source = model::image_from_doc(*doc);
  if (source.status.state != model::ImageState::kAvailable) {
    fail("IncorrectState", "The image '" + source_id + "' is not 'available'.");
  }
  if (!source.spec.base_disk.empty()) {
    fail("InvalidRequest", "The base image " + source_id + " is offered in every region: launch it there.");
  }
  std::string name = str(request, "Name");
  check_name(ctx, name);
  model::Image copy = new_image(ctx, ctx.account_id, name, str(request, "Description", source.api.value("Description", "")),
                                source.spec.boot_directory);
  for (const char* member : {"RootDeviceName", "Architecture", "EnaSupport", "BootMode"}) {
    if (source.api.contains(member)) copy.api[member] = source.api[member];
  }
  for (json mapping : source.api.value("BlockDeviceMappings", json::array())) {
    std::string snapshot_id = mapping.value("Ebs", json::object()).value("SnapshotId", "");
    if (!snapshot_id.empty()) {
      model::Snapshot snapshot = require_copyable_snapshot(ctx, source_region, snapshot_id);
      model::Snapshot copied = copy_of(ctx, snapshot, source_region,
                                       "Copied for DestinationAmi " + copy.id() + " from SourceAmi " + source_id +
                                           " for SourceSnapshot " + snapshot_id);
      save_snapshot(ctx, copied);
      mapping["Ebs"]["SnapshotId"] = copied.spec.snapshot_id;
    }
    copy.api["BlockDeviceMappings"].push_back(std::move(mapping));
  }
  copy.tags = tags_from_specifications(ctx, request, "image");
  save_image(ctx, copy);  // pending until its snapshots are copied
  return {{"ImageId", copy.id()}};
}

// The image attribute a request names; fails for names AWS does not know.
std::string image_attribute_of(const json& request) {
  static const std::set<std::string> kKnown = {"description", "kernel", "ramdisk", "launchPermission", "productCodes",
                                               "blockDeviceMapping", "sriovNetSupport", "bootMode", "imdsSupport",
                                               "lastLaunchedTime", "deregistrationProtection", "tpmSupport",
                                               "uefiData"};
  std::string attribute = str(request, "Attribute");
  if (!kKnown.count(attribute)) fail("InvalidRequest", "Value (" + attribute + ") for parameter attribute is invalid.");
  return attribute;
}

json describe_image_attribute(CallContext& ctx, const json& request) {
  model::Image image = require_own_image(ctx, str(request, "ImageId"));
  std::string attribute = image_attribute_of(request);
  json out = {{"ImageId", image.id()}};
  if (attribute == "description") {
    out["Description"] = {{"Value", image.api.value("Description", "")}};
  } else if (attribute == "launchPermission") {
    json permissions = json::array();
    if (image.spec.is_public) permissions.push_back({{"Group", "all"}});
    for (const std::string& user : image.spec.launch_permissions) permissions.push_back({{"UserId", user}});
    out["LaunchPermissions"] = permissions;
  } else if (attribute == "blockDeviceMapping") {
    out["BlockDeviceMappings"] = image.api.value("BlockDeviceMappings", json::array());
  } else if (attribute == "productCodes") {
    out["ProductCodes"] = json::array();
  } else if (attribute == "bootMode") {
    out["BootMode"] = {{"Value", image.api.value("BootMode", "legacy-bios")}};
  } else if (attribute == "imdsSupport") {
    out["ImdsSupport"] = {{"Value", image.api.value("ImdsSupport", "v2.0")}};
  } else if (attribute == "deregistrationProtection") {
    out["DeregistrationProtection"] = {{"Value", "disabled"}};
  }
  return out;  // kernel, ramdisk, sriovNetSupport, lastLaunchedTime, tpmSupport, uefiData: not set here
}

json modify_image_attribute(CallContext& ctx, const json& request) {
  model::Image image = require_own_image(ctx, str(request, "ImageId"));
  std::string attribute = request.contains("Attribute") ? image_attribute_of(request) : "";
  if (request.contains("Description") || attribute == "description") {
    image.api["Description"] =
        request.contains("Description") ? request["Description"].value("Value", "") : str(request, "Value");
  } else if (request.contains("LaunchPermission") || request.contains("OperationType") || attribute == "launchPermission") {
    apply_sharing_changes(request, kLaunchPermission, {image.spec.launch_permissions, image.spec.is_public});
  } else {
    fail("InvalidParameterCombination", "Only the description and launchPermission attributes can be modified.");
  }
  save_image(ctx, image);
  return json::object();
}

json reset_image_attribute(CallContext& ctx, const json& request) {
  model::Image image = require_own_image(ctx, str(request, "ImageId"));
  if (image_attribute_of(request) != "launchPermission") {
    fail("InvalidRequest", "Only the launchPermission attribute can be reset.");
  }
  image.spec.is_public = false;
  image.spec.launch_permissions.clear();
  save_image(ctx, image);
  return json::object();
}

}  // namespace

// Gives base image `image` (of `base`) an amazon-owned, public snapshot of its disk, when it has
// none yet: imported into the block store by the reconciler, restorable like any snapshot.
void ensure_base_snapshot(CallContext& ctx, model::Image& image, const BaseImage& base) {
  json& ebs = image.api["BlockDeviceMappings"][0]["Ebs"];
  if (ebs.contains("SnapshotId")) return;
  model::Snapshot snapshot;
  model::SnapshotSpec& spec = snapshot.spec;
  spec.snapshot_id = new_resource_id("snap");
  spec.volume_id = "vol-ffffffff";
  spec.volume_size_gib = base.size_gib;
  spec.description = "Root disk of " + image.api.value("Name", "") + " (" + image.id() + ")";
  spec.owner_id = kAmazonOwnerId;
  spec.start_time = format_iso8601(base.built_at);
  spec.public_restore = true;
  spec.import_from = image.spec.base_disk;
  save_snapshot(ctx, snapshot);
  ebs["SnapshotId"] = spec.snapshot_id;
  save_image(ctx, image);
}

std::string register_base_image(CallContext& ctx, const BaseImage& base) {
  for (const json& existing : list(ctx, kinds::kImage)) {
    model::Image image = model::image_from_doc(existing);
    if (image.spec.recipe_hash != base.recipe_hash) continue;
    ensure_base_snapshot(ctx, image, base);  // base images registered before they had one
    return image.id();
  }
  std::string name = base.name + "-" + date_stamp(base.built_at) + "-" + base.recipe_hash.substr(0, 8);
  model::Image image = new_image(ctx, kAmazonOwnerId, name,
                                 "Debian 12 (bookworm) with cloud-init, built by stratus from Debian packages",
                                 base.directory);
  image.api["ImageLocation"] = "amazon/" + name;
  image.api["ImageOwnerAlias"] = "amazon";
  image.api["CreationDate"] = format_iso8601(base.built_at);
  image.api["BlockDeviceMappings"] = json::array({{{"DeviceName", "/dev/xvda"},
                                                   {"Ebs",
                                                    {{"DeleteOnTermination", true},
                                                     {"VolumeSize", base.size_gib},
                                                     {"VolumeType", "gp3"},
                                                     {"Encrypted", false}}}}});
  image.spec.base_disk = base.directory + "/disk.qcow2";
  image.spec.recipe_hash = base.recipe_hash;
  image.spec.is_public = true;
  image.status.state = model::ImageState::kAvailable;  // its root volumes start as its disk, not its snapshot
  ensure_base_snapshot(ctx, image, base);
  return image.id();
}

model::Image require_launchable_image(CallContext& ctx, const std::string& id) {
  if (!is_resource_id(id, "ami")) fail("InvalidAMIID.Malformed", "Invalid id: \"" + id + "\" (expecting \"ami-...\")");
  auto doc = find(ctx, kinds::kImage, id);
  if (!doc || !model::launchable_by(model::image_from_doc(*doc), ctx.account_id)) {
    fail("InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist");
  }
  model::Image image = model::image_from_doc(*doc);
  if (image.status.state != model::ImageState::kAvailable) {
    fail("InvalidAMIID.Unavailable", "The image '" + id + "' is " +
                                         std::string(model::image_state_name(image.status.state)) +
                                         " and cannot be launched yet.");
  }
  return image;
}

void add_image_actions(ActionTable& table) {
  table["DescribeImages"] = {describe_images, false};
  table["CreateImage"] = {create_image, true};
  table["RegisterImage"] = {register_image, true};
  table["DeregisterImage"] = {deregister_image, true};
  table["CopyImage"] = {copy_image, true};
  table["DescribeImageAttribute"] = {describe_image_attribute, false};
  table["ModifyImageAttribute"] = {modify_image_attribute, true};
  table["ResetImageAttribute"] = {reset_image_attribute, true};
}

}  // namespace stratus::ec2
