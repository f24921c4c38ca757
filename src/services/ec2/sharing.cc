#include "services/ec2/sharing.h"

#include <algorithm>

#include "services/ec2/resources.h"

namespace stratus::ec2 {

const SharingAttribute kCreateVolumePermission{
    "CreateVolumePermission", "GroupNames", "InvalidUserID.Malformed",
    [](const std::string& user) { return "User ID '" + user + "' is invalid"; }};
const SharingAttribute kLaunchPermission{
    "LaunchPermission", "UserGroups", "InvalidAMIAttributeItemValue",
    [](const std::string& user) { return "Invalid attribute item value \"" + user + "\" for userId item type."; }};

namespace {

// Applies one entry ({UserId} or {Group}) to `sharing`.
void apply_entry(const json& entry, const SharingAttribute& attribute, Sharing sharing, bool add) {
  if (entry.contains("Group")) {
    std::string group = str(entry, "Group");
    if (group != "all") fail("InvalidParameterValue", "Value (" + group + ") for parameter group is invalid.");
    sharing.everyone = add;
  }
  if (entry.contains("UserId")) {
    std::string user = str(entry, "UserId");
    bool digits = user.size() == 12 && std::all_of(user.begin(), user.end(), ::isdigit);
    if (!digits) fail(attribute.malformed_user, attribute.malformed_user_message(user));
    if (add) sharing.accounts.insert(user);
    else sharing.accounts.erase(user);
  }
}

}  // namespace

bool apply_sharing_changes(const json& request, const SharingAttribute& attribute, Sharing sharing) {
  const json& changes = request.value(attribute.member, json::object());
  for (const json& entry : changes.value("Remove", json::array())) apply_entry(entry, attribute, sharing, false);
  for (const json& entry : changes.value("Add", json::array())) apply_entry(entry, attribute, sharing, true);
  if (!request.contains("OperationType")) return !changes.empty();
  std::string operation = str(request, "OperationType");
  if (operation != "add" && operation != "remove") {
    fail("InvalidParameterValue", "Value (" + operation + ") for parameter operationType is invalid.");
  }
  for (const json& user : request.value("UserIds", json::array())) {
    apply_entry({{"UserId", user}}, attribute, sharing, operation == "add");
  }
  for (const json& group : request.value(attribute.groups, json::array())) {
    apply_entry({{"Group", group}}, attribute, sharing, operation == "add");
  }
  return true;
}

}  // namespace stratus::ec2
