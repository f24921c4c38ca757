#pragma once
// Who a snapshot (createVolumePermission) or an image (launchPermission) is shared with, as
// Modify{Snapshot,Image}Attribute change it.

#include <set>
#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// A resource's sharing, as references into its spec: the accounts it is shared with, and
// whether everyone may use it (group "all").
struct Sharing {
  std::set<std::string>& accounts;
  bool& everyone;
};

// How one attribute names its parts in requests and errors.
struct SharingAttribute {
  const char* member;            // the structured change: "CreateVolumePermission" or "LaunchPermission"
  const char* groups;            // the OperationType form's groups: "GroupNames" or "UserGroups"
  const char* malformed_user;    // the error code of an account id that is not 12 digits
  std::string (*malformed_user_message)(const std::string& user);  // and its message
};

// The sharing attribute of snapshots and of images.
extern const SharingAttribute kCreateVolumePermission, kLaunchPermission;

// Applies the changes `request` asks of `sharing`: `attribute.member`'s Remove then Add entries
// ({UserId} or {Group: "all"}), and the OperationType form (add or remove UserIds and groups).
// Throws as AWS answers: a group other than "all", an operation other than add or remove, an
// account id that is not 12 digits. False when the request names no change at all.
bool apply_sharing_changes(const json& request, const SharingAttribute& attribute, Sharing sharing);

}  // namespace stratus::ec2
