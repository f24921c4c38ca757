#pragma once
// An EBS volume as the store keeps it (kind "volume"), shared by the EC2 service and the
// reconciler: what the API asked for (spec: size, type, zone, the disk it starts from, the
// instance it is attached to) apart from what the reconciler observed (status: the state of
// its disk and of its attachment). An instance's volumes are records of their own; the
// instance's BlockDeviceMappings are rendered from them.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::model {

// AWS's volume states.
enum class VolumeState { kCreating, kAvailable, kInUse, kDeleting, kDeleted, kError };

// AWS's attachment states (of an in-use volume).
enum class AttachmentState { kAttaching, kAttached, kDetaching };

// AWS's name of `state` ("attaching", ...).
std::string_view attachment_state_name(AttachmentState state);

// AWS's name of `state` ("in-use", ...).
std::string_view volume_state_name(VolumeState state);
// The state named `name`, or nullopt.
std::optional<VolumeState> parse_volume_state(std::string_view name);

// Where a volume is attached, as the API asked.
struct VolumeAttachment {
  std::string instance_id;
  std::string device;  // e.g. "/dev/xvda"
  std::string attach_time;  // ISO 8601
  bool delete_on_termination = false;
};

// A change of size or performance asked of a volume (ModifyVolume): what it was before.
struct VolumeModification {
  int64_t original_size_gib = 0;
  std::string original_type;
  std::optional<int64_t> original_iops;
  std::optional<int64_t> original_throughput;
  std::string start_time;  // ISO 8601
};

// What the API asked of a volume.
struct VolumeSpec {
  std::string volume_id;
  std::string availability_zone;
  std::string volume_type = "gp3";
  int64_t size_gib = 8;
  std::optional<int64_t> iops;        // io1/io2/gp3 (gp3's baseline 3000 when not given)
  std::optional<int64_t> throughput;  // gp3 only (baseline 125 MiB/s)
  bool encrypted = false;
  std::string snapshot_id;            // the snapshot it was made from, or ""
  std::string base_image;             // the AMI whose disk it starts as (copy-on-write), or "" for empty
  std::string create_time;            // ISO 8601
  bool auto_enable_io = false;        // the autoEnableIO attribute
  std::optional<VolumeAttachment> attachment;  // in force while the volume is in use
  std::optional<VolumeModification> modification;  // the last one asked for (size and type above are its targets)
  std::vector<int64_t> modified_at;   // when ModifyVolume was called (Unix seconds), in the last 24 hours
};

// What the reconciler observed of a volume, and its lifecycle state (the service moves it on
// API calls: created, attached, deleted; the reconciler when the disk follows).
struct VolumeStatus {
  VolumeState state = VolumeState::kCreating;
  AttachmentState attachment = AttachmentState::kAttached;  // while in use
  bool filled = true;          // the disk holds the blocks of spec.snapshot_id (false while they are restored)
  bool modified = true;        // the last modification's disk work is done
  std::string modified_time;   // ISO 8601: when it was done ("" while not)
};

// One volume record.
struct Volume {
  VolumeSpec spec;
  VolumeStatus status;
  nlohmann::json tags = nlohmann::json::array();  // top level of the record, as for every kind
};

// The typed volume of a store record's document.
Volume volume_from_doc(const nlohmann::json& doc);

// The store record document of `volume`.
nlohmann::json volume_doc(const Volume& volume);

// `volume` as DescribeVolumes shows it (AWS's Volume shape; `zone_id` is its zone's id).
nlohmann::json volume_view(const Volume& volume, const std::string& zone_id);

// The VolumeModification row of DescribeVolumesModifications for `volume`. REQUIRES:
// volume.spec.modification.
nlohmann::json modification_view(const Volume& volume);

// The EbsInstanceBlockDevice mapping of an attached `volume`, as an instance's
// BlockDeviceMappings show it.
nlohmann::json block_device_mapping(const Volume& volume);

}  // namespace stratus::model
