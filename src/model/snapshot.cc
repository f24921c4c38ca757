#include "model/snapshot.h"

#include "common/enum_names.h"

namespace stratus::model {
namespace {

using nlohmann::json;

constexpr std::pair<SnapshotState, std::string_view> kStateNames[] = {
    {SnapshotState::kPending, "pending"}, {SnapshotState::kCompleted, "completed"}, {SnapshotState::kError, "error"}};

}  // namespace

std::string_view snapshot_state_name(SnapshotState state) { return name_in(kStateNames, state, "error"); }

Snapshot snapshot_from_doc(const json& doc) {
  Snapshot out;
  const json& s = doc.value("Spec", json::object());
  SnapshotSpec& spec = out.spec;
  spec.snapshot_id = s.value("SnapshotId", "");
  spec.volume_id = s.value("VolumeId", "");
  spec.availability_zone = s.value("AvailabilityZone", "");
  spec.volume_size_gib = s.value("VolumeSizeGiB", int64_t{0});
  spec.description = s.value("Description", "");
  spec.encrypted = s.value("Encrypted", false);
  spec.owner_id = s.value("OwnerId", "");
  spec.start_time = s.value("StartTime", "");
  spec.batch = s.value("Batch", "");
  spec.quiesce = s.value("Quiesce", false);
  spec.direct = s.value("Direct", false);
  spec.import_from = s.value("ImportFrom", "");
  spec.client_token = s.value("ClientToken", "");
  spec.request_digest = s.value("RequestDigest", "");
  spec.timeout_minutes = s.value("TimeoutMinutes", int64_t{0});
  spec.source_region = s.value("SourceRegion", "");
  spec.source_snapshot = s.value("SourceSnapshot", "");
  for (const json& user : s.value("RestorableBy", json::array())) spec.restorable_by.insert(user.get<std::string>());
  spec.public_restore = s.value("PublicRestore", false);
  const json& st = doc.value("Status", json::object());
  out.status.state = value_in(kStateNames, st.value("State", "pending")).value_or(SnapshotState::kError);
  out.status.progress = st.value("Progress", 0);
  out.status.state_message = st.value("StateMessage", "");
  out.status.completion_time = st.value("CompletionTime", "");
  out.status.added_bytes = st.value("AddedBytes", int64_t{0});
  out.tags = doc.value("Tags", json::array());
  return out;
}

json snapshot_doc(const Snapshot& snapshot) {
  const SnapshotSpec& s = snapshot.spec;
  return {{"Spec",
           {{"SnapshotId", s.snapshot_id},
            {"VolumeId", s.volume_id},
            {"AvailabilityZone", s.availability_zone},
            {"VolumeSizeGiB", s.volume_size_gib},
            {"Description", s.description},
            {"Encrypted", s.encrypted},
            {"OwnerId", s.owner_id},
            {"StartTime", s.start_time},
            {"Batch", s.batch},
            {"Quiesce", s.quiesce},
            {"Direct", s.direct},
            {"ImportFrom", s.import_from},
            {"ClientToken", s.client_token},
            {"RequestDigest", s.request_digest},
            {"TimeoutMinutes", s.timeout_minutes},
            {"SourceRegion", s.source_region},
            {"SourceSnapshot", s.source_snapshot},
            {"RestorableBy", s.restorable_by},
            {"PublicRestore", s.public_restore}}},
          {"Status",
           {{"State", std::string(snapshot_state_name(snapshot.status.state))},
            {"Progress", snapshot.status.progress},
            {"StateMessage", snapshot.status.state_message},
            {"CompletionTime", snapshot.status.completion_time},
            {"AddedBytes", snapshot.status.added_bytes}}},
          {"Tags", snapshot.tags}};
}

bool restorable_by(const Snapshot& snapshot, const std::string& account) {
  return snapshot.spec.owner_id == account || snapshot.spec.public_restore || snapshot.spec.restorable_by.count(account);
}

json snapshot_view(const Snapshot& snapshot) {
  const SnapshotSpec& s = snapshot.spec;
  json view = {{"SnapshotId", s.snapshot_id},
               {"VolumeId", s.volume_id},
               {"VolumeSize", s.volume_size_gib},
               {"Description", s.description},
               {"Encrypted", s.encrypted},
               {"OwnerId", s.owner_id},
               {"StartTime", s.start_time},
               {"State", std::string(snapshot_state_name(snapshot.status.state))},
               {"Progress", std::to_string(snapshot.status.progress) + "%"},
               {"StorageTier", "standard"},
               {"Tags", snapshot.tags}};
  if (s.owner_id == kAmazonOwnerId) view["OwnerAlias"] = "amazon";
  if (!snapshot.status.state_message.empty()) view["StateMessage"] = snapshot.status.state_message;
  if (!snapshot.status.completion_time.empty()) view["CompletionTime"] = snapshot.status.completion_time;
  return view;
}

}  // namespace stratus::model
