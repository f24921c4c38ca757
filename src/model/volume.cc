#include "model/volume.h"

#include <algorithm>

#include "common/enum_names.h"

namespace stratus::model {
namespace {

using nlohmann::json;

constexpr std::pair<VolumeState, std::string_view> kStateNames[] = {
    {VolumeState::kCreating, "creating"}, {VolumeState::kAvailable, "available"}, {VolumeState::kInUse, "in-use"},
    {VolumeState::kDeleting, "deleting"}, {VolumeState::kDeleted, "deleted"},     {VolumeState::kError, "error"}};

std::optional<int64_t> optional_from(const json& doc, const char* key) {
  if (!doc.contains(key) || doc[key].is_null()) return std::nullopt;
  return doc[key].get<int64_t>();
}

constexpr std::pair<AttachmentState, std::string_view> kAttachmentNames[] = {
    {AttachmentState::kAttaching, "attaching"}, {AttachmentState::kAttached, "attached"},
    {AttachmentState::kDetaching, "detaching"}};

}  // namespace

std::string_view attachment_state_name(AttachmentState state) {
  return name_in(kAttachmentNames, state, "attached");
}

std::string_view volume_state_name(VolumeState state) { return name_in(kStateNames, state, "error"); }

std::optional<VolumeState> parse_volume_state(std::string_view name) { return value_in(kStateNames, name); }

Volume volume_from_doc(const json& doc) {
  Volume v;
  const json& s = doc.value("Spec", json::object());
  v.spec.volume_id = s.value("VolumeId", "");
  v.spec.availability_zone = s.value("AvailabilityZone", "");
  v.spec.volume_type = s.value("VolumeType", "gp3");
  v.spec.size_gib = s.value("SizeGiB", int64_t{8});
  v.spec.iops = optional_from(s, "Iops");
  v.spec.throughput = optional_from(s, "Throughput");
  v.spec.encrypted = s.value("Encrypted", false);
  v.spec.snapshot_id = s.value("SnapshotId", "");
  v.spec.base_image = s.value("BaseImage", "");
  v.spec.create_time = s.value("CreateTime", "");
  v.spec.auto_enable_io = s.value("AutoEnableIO", false);
  if (s.contains("Modification")) {
    const json& m = s["Modification"];
    v.spec.modification = VolumeModification{m.value("OriginalSizeGiB", int64_t{0}), m.value("OriginalType", ""),
                                             optional_from(m, "OriginalIops"), optional_from(m, "OriginalThroughput"),
                                             m.value("StartTime", "")};
  }
  v.spec.modified_at = s.value("ModifiedAt", std::vector<int64_t>{});
  if (s.contains("Attachment")) {
    const json& a = s["Attachment"];
    v.spec.attachment = VolumeAttachment{a.value("InstanceId", ""), a.value("Device", ""), a.value("AttachTime", ""),
                                         a.value("DeleteOnTermination", false)};
  }
  const json& st = doc.value("Status", json::object());
  v.status.state = parse_volume_state(st.value("State", "creating")).value_or(VolumeState::kError);
  v.status.filled = st.value("Filled", true);
  v.status.modified = st.value("Modified", true);
  v.status.modified_time = st.value("ModifiedTime", "");
  v.status.attachment =
      value_in(kAttachmentNames, st.value("Attachment", "attached")).value_or(AttachmentState::kAttached);
  v.tags = doc.value("Tags", json::array());
  return v;
}

json volume_doc(const Volume& v) {
  json spec = {{"VolumeId", v.spec.volume_id},
               {"AvailabilityZone", v.spec.availability_zone},
               {"VolumeType", v.spec.volume_type},
               {"SizeGiB", v.spec.size_gib},
               {"Encrypted", v.spec.encrypted},
               {"SnapshotId", v.spec.snapshot_id},
               {"BaseImage", v.spec.base_image},
               {"CreateTime", v.spec.create_time},
               {"AutoEnableIO", v.spec.auto_enable_io}};
  if (v.spec.iops) spec["Iops"] = *v.spec.iops;
  if (v.spec.throughput) spec["Throughput"] = *v.spec.throughput;
  if (const auto& m = v.spec.modification) {
    json modification = {{"OriginalSizeGiB", m->original_size_gib},
                         {"OriginalType", m->original_type},
                         {"StartTime", m->start_time}};
    if (m->original_iops) modification["OriginalIops"] = *m->original_iops;
    if (m->original_throughput) modification["OriginalThroughput"] = *m->original_throughput;
    spec["Modification"] = std::move(modification);
  }
  if (!v.spec.modified_at.empty()) spec["ModifiedAt"] = v.spec.modified_at;
  if (const auto& a = v.spec.attachment) {
    spec["Attachment"] = {{"InstanceId", a->instance_id},
                          {"Device", a->device},
                          {"AttachTime", a->attach_time},
                          {"DeleteOnTermination", a->delete_on_termination}};
  }
  return {{"Spec", std::move(spec)},
          {"Status",
           {{"State", std::string(volume_state_name(v.status.state))},
            {"Attachment", std::string(attachment_state_name(v.status.attachment))},
            {"Filled", v.status.filled},
            {"Modified", v.status.modified},
            {"ModifiedTime", v.status.modified_time}}},
          {"Tags", v.tags}};
}

json volume_view(const Volume& v, const std::string& zone_id) {
  json attachments = json::array();
  const auto& a = v.spec.attachment;  // the last one asked for: in force while the volume is in use
  if (a && v.status.state == VolumeState::kInUse) {
    attachments.push_back({{"AttachTime", a->attach_time},
                           {"Device", a->device},
                           {"InstanceId", a->instance_id},
                           {"State", std::string(attachment_state_name(v.status.attachment))},
                           {"VolumeId", v.spec.volume_id},
                           {"DeleteOnTermination", a->delete_on_termination}});
  }
  json view = {{"Attachments", attachments},
               {"AvailabilityZone", v.spec.availability_zone},
               {"AvailabilityZoneId", zone_id},
               {"CreateTime", v.spec.create_time},
               {"Encrypted", v.spec.encrypted},
               {"Size", v.spec.size_gib},
               {"SnapshotId", v.spec.snapshot_id},
               {"State", std::string(volume_state_name(v.status.state))},
               {"VolumeId", v.spec.volume_id},
               {"VolumeType", v.spec.volume_type},
               {"MultiAttachEnabled", false},
               {"FastRestored", false},
               {"Tags", v.tags}};
  // What AWS reports when none was asked for: gp3's baseline, gp2's 3 IOPS per GiB (100 to 16000).
  if (v.spec.iops) {
    view["Iops"] = *v.spec.iops;
  } else if (v.spec.volume_type == "gp3") {
    view["Iops"] = 3000;
  } else if (v.spec.volume_type == "gp2") {
    view["Iops"] = std::clamp<int64_t>(3 * v.spec.size_gib, 100, 16000);
  }
  if (v.spec.throughput) {
    view["Throughput"] = *v.spec.throughput;
  } else if (v.spec.volume_type == "gp3") {
    view["Throughput"] = 125;
  }
  return view;
}

json modification_view(const Volume& v) {
  const VolumeModification& m = *v.spec.modification;
  json view = {{"VolumeId", v.spec.volume_id},
               {"ModificationState", v.status.modified ? "completed" : "modifying"},
               {"Progress", v.status.modified ? 100 : 0},
               {"StartTime", m.start_time},
               {"TargetSize", v.spec.size_gib},
               {"TargetVolumeType", v.spec.volume_type},
               {"OriginalSize", m.original_size_gib},
               {"OriginalVolumeType", m.original_type}};
  if (v.status.modified) view["EndTime"] = v.status.modified_time;
  if (v.spec.iops) view["TargetIops"] = *v.spec.iops;
  if (v.spec.throughput) view["TargetThroughput"] = *v.spec.throughput;
  if (m.original_iops) view["OriginalIops"] = *m.original_iops;
  if (m.original_throughput) view["OriginalThroughput"] = *m.original_throughput;
  return view;
}

json block_device_mapping(const Volume& v) {
  const VolumeAttachment& a = *v.spec.attachment;
  return {{"DeviceName", a.device},
          {"Ebs",
           {{"AttachTime", a.attach_time},
            {"DeleteOnTermination", a.delete_on_termination},
            {"Status", std::string(attachment_state_name(v.status.attachment))},
            {"VolumeId", v.spec.volume_id}}}};
}

}  // namespace stratus::model
