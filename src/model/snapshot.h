#pragma once
// An EBS snapshot as the store keeps it (kind "snapshot"), shared by the EC2 service and the
// reconciler: what the API asked for (spec: the volume it is of, who may restore it, where it
// is copied from) apart from what the reconciler observed (status: pending -> completed or
// error, progress). Its blocks are in the block store, listed by its manifest
// (block/manifest.h), which exists once it is completed.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace stratus::model {

// The account AWS shows as the owner of Amazon-published images and their snapshots (alias
// "amazon").
inline constexpr const char* kAmazonOwnerId = "137112412989";

// AWS's snapshot states.
enum class SnapshotState { kPending, kCompleted, kError };

// AWS's name of `state` ("pending", ...).
std::string_view snapshot_state_name(SnapshotState state);

// What the API asked of a snapshot.
struct SnapshotSpec {
  std::string snapshot_id;
  std::string volume_id;       // the volume it is of ("vol-ffffffff" for a copy, as AWS shows)
  std::string availability_zone;  // the volume's zone (where the view is taken)
  int64_t volume_size_gib = 0;
  std::string description;
  bool encrypted = false;
  std::string owner_id;        // the account that took it
  std::string start_time;      // ISO 8601
  std::string batch;           // CreateSnapshots: shared by the snapshots of one instant, else ""
  bool quiesce = false;        // CreateImage with reboot: read only while the instance's VM is down
  bool direct = false;         // written through the EBS direct APIs (StartSnapshot): no volume is read
  std::string client_token;    // direct: the StartSnapshot ClientToken, else ""
  std::string request_digest;  // direct: of the StartSnapshot request apart from its token
  int64_t timeout_minutes = 0; // direct: ends in error when nothing was written for this long
  std::string import_from;     // a base image: the disk file read (as it is, never changed) instead of a volume
  std::string source_region;   // CopySnapshot: where the source is, else ""
  std::string source_snapshot; // CopySnapshot: the snapshot copied, else ""
  std::set<std::string> restorable_by;  // createVolumePermission user ids
  bool public_restore = false;          // createVolumePermission group "all"
};

// What the reconciler observed of a snapshot.
struct SnapshotStatus {
  SnapshotState state = SnapshotState::kPending;
  int progress = 0;             // percent
  std::string state_message;    // why it is in error
  std::string completion_time;  // ISO 8601, once completed
  // Once completed: the bytes of the blocks it holds that the snapshot it follows on the same
  // volume did not (all of them for a first snapshot), which is what it is billed for; 0 when
  // not measured (a copy, an import, the EBS direct APIs).
  int64_t added_bytes = 0;
};

// One snapshot record.
struct Snapshot {
  SnapshotSpec spec;
  SnapshotStatus status;
  nlohmann::json tags = nlohmann::json::array();
};

// The typed snapshot of a store record's document.
Snapshot snapshot_from_doc(const nlohmann::json& doc);

// The store record document of `snapshot`.
nlohmann::json snapshot_doc(const Snapshot& snapshot);

// True when `account` may make volumes from `snapshot` (and so see it): its owner, or it is
// shared with the account or public.
bool restorable_by(const Snapshot& snapshot, const std::string& account);

// `snapshot` as DescribeSnapshots shows it (AWS's Snapshot shape).
nlohmann::json snapshot_view(const Snapshot& snapshot);

}  // namespace stratus::model
