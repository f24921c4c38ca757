#include "services/iam/instance_profiles.h"

#include <algorithm>

#include "services/iam/entities.h"

namespace stratus::iam {
namespace {

using model::InstanceProfile;
using model::IamKind;

// Instance profiles one account may have, and roles one profile may hold.
constexpr size_t kProfilesPerAccount = 1000;
constexpr size_t kRolesPerProfile = 1;

void save_profile(Call& call, const InstanceProfile& profile) {
  call.txn.put({model::iam_record_id(model::kInstanceProfileKind, profile.account, profile.name),
                model::kInstanceProfileKind, model::kIamRegion, model::instance_profile_doc(profile)});
}

InstanceProfile require_profile(Call& call, const json& request) {
  std::string name = str(request, "InstanceProfileName");
  auto profile = find_instance_profile(call, name);
  if (!profile) fail("NoSuchEntity", "Instance Profile " + name + " cannot be found.");
  return *profile;
}

// Every instance profile of the caller's account under `path_prefix`, by name.
std::vector<InstanceProfile> all_profiles(Call& call, const std::string& path_prefix = "/") {
  std::vector<InstanceProfile> out;
  for (const store::Record& record : call.txn.list(model::kInstanceProfileKind, std::string(model::kIamRegion))) {
    InstanceProfile profile = model::instance_profile_from_doc(record.doc);
    if (profile.account == call.account() && profile.path.rfind(path_prefix, 0) == 0) out.push_back(std::move(profile));
  }
  std::sort(out.begin(), out.end(), [](const InstanceProfile& a, const InstanceProfile& b) { return a.name < b.name; });
  return out;
}

json create_instance_profile(Call& call, const json& request) {
  std::string name = str(request, "InstanceProfileName");
  if (find_instance_profile(call, name)) fail("EntityAlreadyExists", "Instance Profile " + name + " already exists.");
  if (all_profiles(call).size() >= kProfilesPerAccount) {
    fail("LimitExceeded", "Cannot exceed quota for InstanceProfilesPerAccount: " + std::to_string(kProfilesPerAccount));
  }
  InstanceProfile profile;
  profile.account = call.account();
  profile.name = name;
  profile.id = new_unique_id("AIPA");
  profile.path = str(request, "Path", "/");
  profile.create_date = now_iso(call);
  profile.tags = tags_of(request);
  save_profile(call, profile);
  return {{"InstanceProfile", instance_profile_view(call, profile)}};
}

json get_instance_profile(Call& call, const json& request) {
  return {{"InstanceProfile", instance_profile_view(call, require_profile(call, request))}};
}

json list_instance_profiles(Call& call, const json& request) {
  std::vector<json> items;
  for (const InstanceProfile& profile : all_profiles(call, str(request, "PathPrefix", "/"))) {
    items.push_back(instance_profile_view(call, profile));
  }
  return page(std::move(items), request, "InstanceProfiles");
}

json delete_instance_profile(Call& call, const json& request) {
  InstanceProfile profile = require_profile(call, request);
  if (!profile.roles.empty()) {
    fail("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.");
  }
  call.txn.erase(model::iam_record_id(model::kInstanceProfileKind, profile.account, profile.name));
  return json::object();
}

json add_role_to_instance_profile(Call& call, const json& request) {
  InstanceProfile profile = require_profile(call, request);
  model::IamEntity role = require_entity(call, IamKind::kRole, str(request, "RoleName"));
  if (profile.roles.size() >= kRolesPerProfile) {
    fail("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: " +
                              std::to_string(kRolesPerProfile));
  }
  profile.roles.push_back(role.name);
  save_profile(call, profile);
  return json::object();
}

json remove_role_from_instance_profile(Call& call, const json& request) {
  InstanceProfile profile = require_profile(call, request);
  std::string role = str(request, "RoleName");
  auto it = std::find_if(profile.roles.begin(), profile.roles.end(),
                         [&](const std::string& held) { return model::same_iam_name(held, role); });
  if (it == profile.roles.end()) fail("NoSuchEntity", "The role with name " + role + " cannot be found.");
  profile.roles.erase(it);
  save_profile(call, profile);
  return json::object();
}

json list_instance_profiles_for_role(Call& call, const json& request) {
  model::IamEntity role = require_entity(call, IamKind::kRole, str(request, "RoleName"));
  std::vector<json> items;
  for (const InstanceProfile& profile : profiles_holding(call, role.name)) {
    items.push_back(instance_profile_view(call, profile));
  }
  return page(std::move(items), request, "InstanceProfiles");
}

json tag_instance_profile(Call& call, const json& request) {
  InstanceProfile profile = require_profile(call, request);
  profile.tags = merge_tags(profile.tags, tags_of(request));
  save_profile(call, profile);
  return json::object();
}

json untag_instance_profile(Call& call, const json& request) {
  InstanceProfile profile = require_profile(call, request);
  profile.tags = remove_tags(profile.tags, request);
  save_profile(call, profile);
  return json::object();
}

json list_instance_profile_tags(Call& call, const json& request) {
  return page(require_profile(call, request).tags.get<std::vector<json>>(), request, "Tags");
}

}  // namespace

std::vector<InstanceProfile> profiles_holding(Call& call, const std::string& role) {
  std::vector<InstanceProfile> out;
  for (InstanceProfile& profile : all_profiles(call)) {
    bool holds = std::any_of(profile.roles.begin(), profile.roles.end(),
                             [&](const std::string& held) { return model::same_iam_name(held, role); });
    if (holds) out.push_back(std::move(profile));
  }
  return out;
}

json instance_profile_view(Call& call, const InstanceProfile& profile) {
  json roles = json::array();
  for (const std::string& name : profile.roles) {
    if (auto role = find_entity(call, IamKind::kRole, name)) roles.push_back(entity_view(*role, false));
  }
  json view = {{"Path", profile.path},
               {"InstanceProfileName", profile.name},
               {"InstanceProfileId", profile.id},
               {"Arn", model::instance_profile_arn(profile)},
               {"CreateDate", profile.create_date},
               {"Roles", roles}};
  if (!profile.tags.empty()) view["Tags"] = profile.tags;
  return view;
}

std::optional<InstanceProfile> profile_by_specification(store::Transaction& txn, const std::string& account,
                                                        const json& specification) {
  std::string arn = specification.value("Arn", "");
  std::string name = specification.contains("Name") ? str(specification, "Name") : arn.substr(arn.rfind('/') + 1);
  auto record = txn.get(model::iam_record_id(model::kInstanceProfileKind, account, name));
  if (!record) return std::nullopt;
  InstanceProfile profile = model::instance_profile_from_doc(record->doc);
  if (!arn.empty() && model::instance_profile_arn(profile) != arn) return std::nullopt;
  return profile;
}

void add_instance_profile_actions(ActionTable& table) {
  table["CreateInstanceProfile"] = {create_instance_profile, true};
  table["GetInstanceProfile"] = {get_instance_profile, false};
  table["ListInstanceProfiles"] = {list_instance_profiles, false};
  table["DeleteInstanceProfile"] = {delete_instance_profile, true};
  table["AddRoleToInstanceProfile"] = {add_role_to_instance_profile, true};
  table["RemoveRoleFromInstanceProfile"] = {remove_role_from_instance_profile, true};
  table["ListInstanceProfilesForRole"] = {list_instance_profiles_for_role, false};
  table["TagInstanceProfile"] = {tag_instance_profile, true};
  table["UntagInstanceProfile"] = {untag_instance_profile, true};
  table["ListInstanceProfileTags"] = {list_instance_profile_tags, false};
}

}  // namespace stratus::iam
