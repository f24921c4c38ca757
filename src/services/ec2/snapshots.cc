#include "services/ec2/snapshots.h"

#include <algorithm>
#include <set>

#include "common/ids.h"
#include "common/timestamp.h"
#include "model/image.h"
#include "model/volume.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/images.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/resources.h"
#include "services/ec2/sharing.h"
#include "services/ec2/tags.h"
#include "services/ec2/volumes.h"

namespace stratus::ec2 {
namespace {

using model::SnapshotState;
using model::VolumeState;

// The volume id AWS shows for a copied snapshot (it was not taken of a volume of this region).
constexpr const char* kCopiedVolumeId = "vol-ffffffff";
// The longest description AWS takes.
constexpr size_t kMaxDescription = 255;

using model::restorable_by;

// The snapshot `id` in the call's region, whoever owns it.
model::Snapshot require_snapshot(CallContext& ctx, const std::string& id) {
  return model::snapshot_from_doc(require(ctx, kinds::kSnapshot, id));
}

// The snapshot `id` if the caller owns it; else InvalidSnapshot.NotFound (a shared snapshot's
// attributes and life are its owner's).
model::Snapshot require_own_snapshot(CallContext& ctx, const std::string& id) {
  model::Snapshot snapshot = require_snapshot(ctx, id);
  if (snapshot.spec.owner_id != ctx.account_id) fail("InvalidSnapshot.NotFound", not_found_message(kinds::kSnapshot, id));
  return snapshot;
}

// The request's Description, checked.
std::string description_of(const json& request, const std::string& fallback = "") {
  std::string description = str(request, "Description", fallback);
  if (description.size() > kMaxDescription) {
    fail("InvalidParameterValue", "Value for parameter description is invalid: at most 255 characters.");
  }
  return description;
}

json create_snapshot(CallContext& ctx, const json& request) {
  model::Volume volume = require_volume(ctx, str(request, "VolumeId"));
  model::Snapshot snapshot = snapshot_of(ctx, volume, description_of(request));
  snapshot.tags = tags_from_specifications(ctx, request, "snapshot");
  save_snapshot(ctx, snapshot);
  return model::snapshot_view(snapshot);
}

json create_snapshots(CallContext& ctx, const json& request) {
  const json& target = request.value("InstanceSpecification", json::object());
  model::Instance instance = require_instance(ctx, str(target, "InstanceId"));
  std::set<std::string> excluded;
  for (const json& id : target.value("ExcludeDataVolumeIds", json::array())) {
    require_volume(ctx, id.get<std::string>());
    excluded.insert(id.get<std::string>());
  }
  bool without_root = target.value("ExcludeBootVolume", false);
  std::string description = description_of(request);
  json tags = tags_from_specifications(ctx, request, "snapshot");
  bool copy_tags = str(request, "CopyTagsFromSource") == "volume";
  json out = json::array();
  std::string batch;
  for (const model::Volume& volume : attached_volumes(ctx, instance.id())) {
    bool root = volume.spec.attachment->device == instance.root_device();
    if ((root && without_root) || excluded.count(volume.spec.volume_id)) continue;
    model::Snapshot snapshot = snapshot_of(ctx, volume, description);
    if (batch.empty()) batch = snapshot.spec.snapshot_id;
    snapshot.spec.batch = batch;  // the reconciler opens the views of one batch together
    snapshot.tags = copy_tags ? volume.tags : json::array();
    for (const json& tag : tags) snapshot.tags.push_back(tag);
    save_snapshot(ctx, snapshot);
    json view = model::snapshot_view(snapshot);
    view["AvailabilityZone"] = volume.spec.availability_zone;
    out.push_back(std::move(view));
  }
  return {{"Snapshots", out}};
}

json describe_snapshots(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"description", field("Description")}, {"encrypted", field("Encrypted")},
      {"owner-alias", field("OwnerAlias")},   {"owner-id", field("OwnerId")},
      {"progress", field("Progress")},        {"snapshot-id", field("SnapshotId")},
      {"start-time", field("StartTime")},     {"status", field("State")},
      {"storage-tier", field("StorageTier")}, {"volume-id", field("VolumeId")},
      {"volume-size", field("VolumeSize")},
  };
  std::vector<std::string> owners, restorers;
  for (const json& o : request.value("OwnerIds", json::array())) {
    std::string owner = o.get<std::string>();
    owners.push_back(owner == "self" ? ctx.account_id : owner == "amazon" ? kAmazonOwnerId : owner);
  }
  for (const json& u : request.value("RestorableByUserIds", json::array())) {
    std::string user = u.get<std::string>();
    restorers.push_back(user == "self" ? ctx.account_id : user);
  }
  std::set<std::string> wanted;
  for (const json& id : request.value("SnapshotIds", json::array())) wanted.insert(id.get<std::string>());
  std::set<std::string> seen;
  std::vector<json> rows;
  for (const json& doc : list(ctx, kinds::kSnapshot)) {
    model::Snapshot snapshot = model::snapshot_from_doc(doc);
    const model::SnapshotSpec& spec = snapshot.spec;
    if (!restorable_by(snapshot, ctx.account_id)) continue;
    if (!wanted.empty() && !wanted.count(spec.snapshot_id)) continue;
    seen.insert(spec.snapshot_id);
    if (!owners.empty() && std::find(owners.begin(), owners.end(), spec.owner_id) == owners.end()) continue;
    if (!restorers.empty() && std::none_of(restorers.begin(), restorers.end(), [&](const std::string& user) {
          return restorable_by(snapshot, user);
        })) {
      continue;
    }
    rows.push_back(model::snapshot_view(snapshot));
  }
  for (const std::string& id : wanted) {
    if (!seen.count(id)) {
      if (kind_for_id(id) != &kinds::kSnapshot) fail("InvalidSnapshotID.Malformed", "Invalid id: \"" + id + "\"");
      fail("InvalidSnapshot.NotFound", not_found_message(kinds::kSnapshot, id));
    }
  }
  return describe_values(std::move(rows), request, filters, "Snapshots", false, member_key("SnapshotId"));
}

json delete_snapshot(CallContext& ctx, const json& request) {
  model::Snapshot snapshot = require_own_snapshot(ctx, str(request, "SnapshotId"));
  const std::string& id = snapshot.spec.snapshot_id;
  for (const json& doc : list(ctx, kinds::kImage)) {
    model::Image image = model::image_from_doc(doc);
    for (const json& mapping : image.api.value("BlockDeviceMappings", json::array())) {
      if (mapping.contains("Ebs") && mapping["Ebs"].value("SnapshotId", "") == id) {
        fail("InvalidSnapshot.InUse", "The snapshot " + id + " is currently in use by " + image.id());
      }
    }
  }
  // The reconciler drops its manifest and the blocks no other snapshot shares.
  remove(ctx, id);
  return json::object();
}

json copy_snapshot(CallContext& ctx, const json& request) {
  std::string source_region = str(request, "SourceRegion");
  model::Snapshot source = require_copyable_snapshot(ctx, source_region, str(request, "SourceSnapshotId"));
  const std::string& source_id = source.spec.snapshot_id;
  model::Snapshot copy =
      copy_of(ctx, source, source_region, description_of(request, "[Copied " + source_id + " from " + source_region + "]"));
  copy.spec.encrypted = copy.spec.encrypted || request.value("Encrypted", false);
  copy.tags = tags_from_specifications(ctx, request, "snapshot");
  save_snapshot(ctx, copy);
  json out = {{"SnapshotId", copy.spec.snapshot_id}};
  if (!copy.tags.empty()) out["Tags"] = copy.tags;
  return out;
}

// The snapshot attribute a request names; fails for names AWS does not know.
std::string attribute_of(const json& request) {
  std::string attribute = str(request, "Attribute");
  if (attribute != "createVolumePermission" && attribute != "productCodes") {
    fail("InvalidParameterValue", "Value (" + attribute + ") for parameter attribute is invalid. Unknown attribute.");
  }
  return attribute;
}

json describe_snapshot_attribute(CallContext& ctx, const json& request) {
  model::Snapshot snapshot = require_own_snapshot(ctx, str(request, "SnapshotId"));
  json out = {{"SnapshotId", snapshot.spec.snapshot_id}};
  if (attribute_of(request) == "productCodes") {
    out["ProductCodes"] = json::array();
    return out;
  }
  json permissions = json::array();
  if (snapshot.spec.public_restore) permissions.push_back({{"Group", "all"}});
  for (const std::string& user : snapshot.spec.restorable_by) permissions.push_back({{"UserId", user}});
  out["CreateVolumePermissions"] = permissions;
  return out;
}

json modify_snapshot_attribute(CallContext& ctx, const json& request) {
  model::Snapshot snapshot = require_own_snapshot(ctx, str(request, "SnapshotId"));
  if (request.contains("Attribute") && attribute_of(request) != "createVolumePermission") {
    fail("InvalidParameterValue", "The attribute productCodes cannot be modified.");
  }
  if (!apply_sharing_changes(request, kCreateVolumePermission,
                             {snapshot.spec.restorable_by, snapshot.spec.public_restore})) {
    fail("MissingParameter", "The request must contain the parameter createVolumePermission or operationType");
  }
  save_snapshot(ctx, snapshot);
  return json::object();
}

json reset_snapshot_attribute(CallContext& ctx, const json& request) {
  model::Snapshot snapshot = require_own_snapshot(ctx, str(request, "SnapshotId"));
  if (attribute_of(request) != "createVolumePermission") {
    fail("InvalidParameterValue", "The attribute productCodes cannot be reset.");
  }
  snapshot.spec.restorable_by.clear();
  snapshot.spec.public_restore = false;
  save_snapshot(ctx, snapshot);
  return json::object();
}

// Throws SnapshotLimitExceeded when the account has its quota of snapshots in the region.
void require_snapshot_room(CallContext& ctx) {
  int64_t own = static_cast<int64_t>(ctx.txn.find(std::string(kinds::kSnapshot.kind), ctx.region, "Spec.OwnerId",
                                                  ctx.account_id).size());
  require_room(own, ctx.limits.snapshots, "SnapshotLimitExceeded",
               "You have reached the limit of " + std::to_string(ctx.limits.snapshots) +
                   " snapshots in this region. Delete snapshots you no longer need, or ask for a higher limit.");
}

}  // namespace

model::Snapshot snapshot_of(CallContext& ctx, const model::Volume& volume, const std::string& description) {
  const std::string& id = volume.spec.volume_id;
  if (volume.status.state != VolumeState::kAvailable && volume.status.state != VolumeState::kInUse) {
    fail("IncorrectState", "The volume '" + id + "' is '" + std::string(model::volume_state_name(volume.status.state)) +
                               "' and cannot be snapshotted.");
  }
  require_snapshot_room(ctx);
  model::Snapshot snapshot;
  model::SnapshotSpec& spec = snapshot.spec;
  spec.snapshot_id = new_resource_id("snap");
  spec.volume_id = id;
  spec.availability_zone = volume.spec.availability_zone;
  spec.volume_size_gib = volume.spec.size_gib;
  spec.description = description;
  spec.encrypted = volume.spec.encrypted;
  spec.owner_id = ctx.account_id;
  spec.start_time = format_iso8601(ctx.now);
  return snapshot;  // pending until the reconciler has its blocks
}

model::Snapshot copy_of(CallContext& ctx, const model::Snapshot& source, const std::string& source_region,
                        const std::string& description) {
  require_snapshot_room(ctx);
  model::Snapshot copy;
  model::SnapshotSpec& spec = copy.spec;
  spec.snapshot_id = new_resource_id("snap");
  spec.volume_id = kCopiedVolumeId;
  spec.volume_size_gib = source.spec.volume_size_gib;
  spec.description = description;
  spec.encrypted = source.spec.encrypted;
  spec.owner_id = ctx.account_id;
  spec.start_time = format_iso8601(ctx.now);
  spec.source_region = source_region;
  spec.source_snapshot = source.spec.snapshot_id;
  return copy;  // pending until the reconciler has copied its manifest
}

void save_snapshot(CallContext& ctx, const model::Snapshot& snapshot) {
  save(ctx, kinds::kSnapshot, snapshot.spec.snapshot_id, model::snapshot_doc(snapshot));
}

model::Snapshot require_copyable_snapshot(CallContext& ctx, const std::string& source_region, const std::string& source_id) {
  auto doc = find_source(ctx, source_region, kinds::kSnapshot, source_id);
  if (!doc || !restorable_by(model::snapshot_from_doc(*doc), ctx.account_id)) {
    fail("InvalidSnapshot.NotFound", not_found_message(kinds::kSnapshot, source_id));
  }
  model::Snapshot source = model::snapshot_from_doc(*doc);
  if (source.status.state != SnapshotState::kCompleted) {
    fail("IncorrectState", "Snapshot '" + source_id + "' is '" +
                               std::string(model::snapshot_state_name(source.status.state)) + "' and cannot be copied.");
  }
  return source;
}

model::Snapshot require_restorable_snapshot(CallContext& ctx, const std::string& id) {
  model::Snapshot snapshot = require_snapshot(ctx, id);
  if (!restorable_by(snapshot, ctx.account_id)) fail("InvalidSnapshot.NotFound", not_found_message(kinds::kSnapshot, id));
  return snapshot;
}

void add_snapshot_actions(ActionTable& table) {
  table["CreateSnapshot"] = {create_snapshot, true};
  table["CreateSnapshots"] = {create_snapshots, true};
  table["DescribeSnapshots"] = {describe_snapshots, false};
  table["DeleteSnapshot"] = {delete_snapshot, true};
  table["CopySnapshot"] = {copy_snapshot, true};
  table["DescribeSnapshotAttribute"] = {describe_snapshot_attribute, false};
  table["ModifySnapshotAttribute"] = {modify_snapshot_attribute, true};
  table["ResetSnapshotAttribute"] = {reset_snapshot_attribute, true};
}

}  // namespace stratus::ec2
