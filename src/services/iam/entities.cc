#include "services/iam/entities.h"

#include <algorithm>

#include "services/iam/access_keys.h"
#include "services/iam/instance_profiles.h"
#include "services/iam/managed_policies.h"

namespace stratus::iam {
namespace {

using model::IamEntity;
using model::IamKind;

// The most entities of each kind an account may have, and the quota names AWS reports.
struct KindQuota {
  IamKind kind;
  size_t entities;
  const char* entities_quota;  // "UsersPerAccount"
  size_t inline_bytes;         // all inline policies together, white space not counted
  const char* attached_quota;  // "PoliciesPerUser"
};
constexpr KindQuota kQuotas[] = {
    {IamKind::kUser, 5000, "UsersPerAccount", 2048, "PoliciesPerUser"},
    {IamKind::kGroup, 300, "GroupsPerAccount", 5120, "PoliciesPerGroup"},
    {IamKind::kRole, 1000, "RolesPerAccount", 10240, "PoliciesPerRole"},
};
// Managed policies attached to one user, group or role.
constexpr size_t kAttachedPolicies = 10;
// Groups one user may be in.
constexpr size_t kGroupsPerUser = 10;
// A role's trust policy, white space not counted.
constexpr size_t kTrustPolicySize = 2048;

const KindQuota& quota_of(IamKind kind) {
  for (const KindQuota& q : kQuotas) {
    if (q.kind == kind) return q;
  }
  return kQuotas[0];
}

// The member naming an entity's id in answers ("UserId").
std::string id_member(IamKind kind) { return std::string(names_of(kind).title) + "Id"; }

// A permissions boundary as answers show it.
json boundary_view(const std::string& arn) {
  return {{"PermissionsBoundaryType", "PermissionsBoundaryPolicy"}, {"PermissionsBoundaryArn", arn}};
}

// The users that are members of group `group`.
std::vector<IamEntity> members_of(Call& call, const std::string& group) {
  std::vector<IamEntity> out;
  for (IamEntity& user : list_entities(call, IamKind::kUser)) {
    bool member = std::any_of(user.groups.begin(), user.groups.end(),
                              [&](const std::string& g) { return model::same_iam_name(g, group); });
    if (member) out.push_back(std::move(user));
  }
  return out;
}

// The managed policy `arn` if it exists and may be attached; else NoSuchEntity as AWS words it.
model::ManagedPolicy require_attachable(Call& call, const std::string& arn) {
  auto policy = find_policy(call, arn);
  if (!policy) fail("NoSuchEntity", "Policy " + arn + " does not exist or is not attachable.");
  return *policy;
}

// Fails with MalformedPolicyDocument when trust policy `trust` names a user or role of the
// caller's account that does not exist (AWS checks principals when the policy is set).
void require_known_principals(Call& call, const iam::Policy& trust) {
  std::string prefix = "arn:aws:iam::" + call.account() + ":";
  for (const Statement& statement : trust.statements) {
    if (!statement.principals) continue;
    for (const std::string& principal : statement.principals->aws) {
      if (principal.rfind(prefix, 0) != 0) continue;
      std::string resource = principal.substr(prefix.size());
      std::optional<IamKind> kind;
      if (resource.rfind("user/", 0) == 0) kind = IamKind::kUser;
      if (resource.rfind("role/", 0) == 0) kind = IamKind::kRole;
      if (!kind) continue;
      auto entity = find_entity(call, *kind, resource.substr(resource.rfind('/') + 1));
      if (!entity || model::entity_arn(*entity) != principal) {
        fail("MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"" + principal + "\"");
      }
    }
  }
}

// A role's trust policy, checked: a trust policy, within its size, naming only principals that exist.
std::string checked_trust_policy(Call& call, const std::string& document) {
  iam::Policy trust = require_document(document, PolicyKind::kTrust);
  if (document_size(document) > kTrustPolicySize) {
    fail("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: " + std::to_string(kTrustPolicySize));
  }
  require_known_principals(call, trust);
  return document;
}

json create_entity(Call& call, IamKind kind, const json& request) {
  const KindNames& names = names_of(kind);
  std::string name = str(request, names.name_member);
  if (find_entity(call, kind, name)) {
    fail("EntityAlreadyExists", std::string(names.title) + " with name " + name + " already exists.");
  }
  const KindQuota& quota = quota_of(kind);
  if (list_entities(call, kind).size() >= quota.entities) {
    fail("LimitExceeded", "Cannot exceed quota for " + std::string(quota.entities_quota) + ": " +
                              std::to_string(quota.entities));
  }
  IamEntity entity;
  entity.kind = kind;
  entity.account = call.account();
  entity.name = name;
  entity.id = new_unique_id(names.id_prefix);
  entity.path = str(request, "Path", "/");
  entity.create_date = now_iso(call);
  if (kind != IamKind::kGroup) entity.tags = tags_of(request);
  if (request.contains("PermissionsBoundary")) {
    entity.boundary = model::policy_arn(require_attachable(call, str(request, "PermissionsBoundary")));
  }
  if (kind == IamKind::kRole) {
    entity.trust_policy = checked_trust_policy(call, str(request, "AssumeRolePolicyDocument"));
    entity.description = str(request, "Description");
    entity.max_session_duration = request.value("MaxSessionDuration", int64_t{3600});
  }
  save_entity(call, entity);
  return {{names.title, entity_view(entity, true)}};
}

json get_user(Call& call, const json& request) {
  if (!request.contains("UserName") && call.caller.user.empty()) {
    // The root: AWS answers with the account's root "user".
    return {{"User", {{"Path", "/"},
                      {"UserName", call.account()},
                      {"UserId", call.account()},
                      {"Arn", "arn:aws:iam::" + call.account() + ":root"},
                      {"CreateDate", now_iso(call)}}}};
  }
  std::string name = request.contains("UserName") ? str(request, "UserName") : call.caller.user;
  return {{"User", entity_view(require_entity(call, IamKind::kUser, name), true)}};
}

json get_entity(Call& call, IamKind kind, const json& request) {
  const KindNames& names = names_of(kind);
  return {{names.title, entity_view(require_entity(call, kind, str(request, names.name_member)), true)}};
}

json list_entity_views(Call& call, IamKind kind, const json& request, const char* member) {
  std::vector<json> items;
  for (const IamEntity& entity : list_entities(call, kind, str(request, "PathPrefix", "/"))) {
    items.push_back(entity_view(entity, false));
  }
  return page(std::move(items), request, member);
}

json delete_entity(Call& call, IamKind kind, const json& request) {
  const KindNames& names = names_of(kind);
  IamEntity entity = require_entity(call, kind, str(request, names.name_member));
  auto conflict = [](const std::string& what) { fail("DeleteConflict", "Cannot delete entity, must " + what + " first."); };
  if (kind == IamKind::kUser && !keys_of_user(call, entity.name).empty()) conflict("delete access keys");
  if (entity.login_profile) conflict("delete login profile");
  if (!entity.inline_policies.empty()) conflict("delete policies");
  if (!entity.attached.empty()) conflict("detach all policies");
  if (kind == IamKind::kUser && !entity.groups.empty()) conflict("remove users from group");
  if (kind == IamKind::kGroup && !members_of(call, entity.name).empty()) conflict("remove users from group");
  if (kind == IamKind::kRole && !profiles_holding(call, entity.name).empty()) {
    conflict("remove roles from instance profile");
  }
  erase_entity(call, kind, entity.name);
  return json::object();
}

// UpdateUser and UpdateGroup: a new path and/or a new name (what refers to the old name
// follows: a user's access keys, a group's members).
json update_entity(Call& call, IamKind kind, const json& request) {
  const KindNames& names = names_of(kind);
  IamEntity entity = require_entity(call, kind, str(request, names.name_member));
  std::string old_name = entity.name;
  std::string new_name = str(request, ("New" + std::string(names.name_member)).c_str(), old_name);
  if (request.contains("NewPath")) entity.path = str(request, "NewPath");
  if (new_name != old_name) {
    auto existing = find_entity(call, kind, new_name);
    if (existing && existing->id != entity.id) {
      fail("EntityAlreadyExists", std::string(names.title) + " with name " + new_name + " already exists.");
    }
    if (kind == IamKind::kUser) rename_key_owner(call, old_name, new_name);
    if (kind == IamKind::kGroup) {
      for (IamEntity& user : members_of(call, old_name)) {
        std::replace(user.groups.begin(), user.groups.end(), old_name, new_name);
        save_entity(call, user);
      }
    }
    erase_entity(call, kind, old_name);
    entity.name = new_name;
  }
  save_entity(call, entity);
  return json::object();
}

json update_role(Call& call, const json& request) {
  IamEntity role = require_entity(call, IamKind::kRole, str(request, "RoleName"));
  if (request.contains("Description")) role.description = str(request, "Description");
  if (request.contains("MaxSessionDuration")) role.max_session_duration = request["MaxSessionDuration"].get<int64_t>();
  save_entity(call, role);
  return json::object();
}

json update_role_description(Call& call, const json& request) {
  IamEntity role = require_entity(call, IamKind::kRole, str(request, "RoleName"));
  role.description = str(request, "Description");
  save_entity(call, role);
  return {{"Role", entity_view(role, true)}};
}

json update_assume_role_policy(Call& call, const json& request) {
  IamEntity role = require_entity(call, IamKind::kRole, str(request, "RoleName"));
  role.trust_policy = checked_trust_policy(call, str(request, "PolicyDocument"));
  save_entity(call, role);
  return json::object();
}

json tag_entity(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  entity.tags = merge_tags(entity.tags, tags_of(request));
  save_entity(call, entity);
  return json::object();
}

json untag_entity(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  entity.tags = remove_tags(entity.tags, request);
  save_entity(call, entity);
  return json::object();
}

json list_entity_tags(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  return page(entity.tags.get<std::vector<json>>(), request, "Tags");
}

json put_boundary(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  entity.boundary = model::policy_arn(require_attachable(call, str(request, "PermissionsBoundary")));
  save_entity(call, entity);
  return json::object();
}

json delete_boundary(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  entity.boundary.clear();
  save_entity(call, entity);
  return json::object();
}

json add_user_to_group(Call& call, const json& request) {
  IamEntity group = require_entity(call, IamKind::kGroup, str(request, "GroupName"));
  IamEntity user = require_entity(call, IamKind::kUser, str(request, "UserName"));
  if (std::count(user.groups.begin(), user.groups.end(), group.name)) return json::object();
  if (user.groups.size() >= kGroupsPerUser) {
    fail("LimitExceeded", "Cannot exceed quota for GroupsPerUser: " + std::to_string(kGroupsPerUser));
  }
  user.groups.push_back(group.name);
  save_entity(call, user);
  return json::object();
}

json remove_user_from_group(Call& call, const json& request) {
  IamEntity group = require_entity(call, IamKind::kGroup, str(request, "GroupName"));
  IamEntity user = require_entity(call, IamKind::kUser, str(request, "UserName"));
  auto it = std::find(user.groups.begin(), user.groups.end(), group.name);
  if (it == user.groups.end()) {
    fail("NoSuchEntity", "The user with name " + user.name + " cannot be found in group " + group.name + ".");
  }
  user.groups.erase(it);
  save_entity(call, user);
  return json::object();
}

json get_group(Call& call, const json& request) {
  IamEntity group = require_entity(call, IamKind::kGroup, str(request, "GroupName"));
  std::vector<json> users;
  for (const IamEntity& user : members_of(call, group.name)) users.push_back(entity_view(user, false));
  json out = page(std::move(users), request, "Users");
  out["Group"] = entity_view(group, false);
  return out;
}

json list_groups_for_user(Call& call, const json& request) {
  IamEntity user = require_entity(call, IamKind::kUser, str(request, "UserName"));
  std::vector<json> groups;
  for (const std::string& name : user.groups) {
    if (auto group = find_entity(call, IamKind::kGroup, name)) groups.push_back(entity_view(*group, false));
  }
  return page(std::move(groups), request, "Groups");
}

// --- inline policies ---

json put_inline_policy(Call& call, IamKind kind, const json& request) {
  const KindNames& names = names_of(kind);
  IamEntity entity = require_entity(call, kind, str(request, names.name_member));
  std::string document = str(request, "PolicyDocument");
  require_document(document, PolicyKind::kIdentity);
  entity.inline_policies[str(request, "PolicyName")] = document;
  size_t total = 0;
  for (const auto& [name, text] : entity.inline_policies) total += document_size(text);
  const KindQuota& quota = quota_of(kind);
  if (total > quota.inline_bytes) {
    fail("LimitExceeded", "Maximum policy size of " + std::to_string(quota.inline_bytes) + " bytes exceeded for " +
                              names.noun + " " + entity.name);
  }
  save_entity(call, entity);
  return json::object();
}

// The inline policy `request` names of `entity`, or NoSuchEntity.
std::map<std::string, std::string>::const_iterator require_inline(const IamEntity& entity, const json& request) {
  std::string name = str(request, "PolicyName");
  auto it = entity.inline_policies.find(name);
  if (it == entity.inline_policies.end()) {
    fail("NoSuchEntity", "The " + std::string(names_of(entity.kind).noun) + " policy with name " + name +
                             " cannot be found.");
  }
  return it;
}

json get_inline_policy(Call& call, IamKind kind, const json& request) {
  const KindNames& names = names_of(kind);
  IamEntity entity = require_entity(call, kind, str(request, names.name_member));
  auto it = require_inline(entity, request);
  return {{names.name_member, entity.name}, {"PolicyName", it->first}, {"PolicyDocument", encoded_document(it->second)}};
}

json delete_inline_policy(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  entity.inline_policies.erase(require_inline(entity, request));
  save_entity(call, entity);
  return json::object();
}

json list_inline_policies(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  std::vector<json> names;
  for (const auto& [name, document] : entity.inline_policies) names.push_back(name);
  return page(std::move(names), request, "PolicyNames");
}

// --- managed policy attachments ---

json attach_policy(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  std::string arn = model::policy_arn(require_attachable(call, str(request, "PolicyArn")));
  if (std::count(entity.attached.begin(), entity.attached.end(), arn)) return json::object();
  if (entity.attached.size() >= kAttachedPolicies) {
    fail("LimitExceeded", "Cannot exceed quota for " + std::string(quota_of(kind).attached_quota) + ": " +
                              std::to_string(kAttachedPolicies));
  }
  entity.attached.push_back(arn);
  save_entity(call, entity);
  return json::object();
}

json detach_policy(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  std::string arn = str(request, "PolicyArn");
  auto it = std::find(entity.attached.begin(), entity.attached.end(), arn);
  if (it == entity.attached.end()) fail("NoSuchEntity", "Policy " + arn + " was not found.");
  entity.attached.erase(it);
  save_entity(call, entity);
  return json::object();
}

json list_attached_policies(Call& call, IamKind kind, const json& request) {
  IamEntity entity = require_entity(call, kind, str(request, names_of(kind).name_member));
  std::string prefix = str(request, "PathPrefix", "/");
  std::vector<json> items;
  for (const std::string& arn : entity.attached) {
    auto policy = find_policy(call, arn);
    if (!policy || policy->path.rfind(prefix, 0) != 0) continue;
    items.push_back({{"PolicyName", policy->name}, {"PolicyArn", arn}});
  }
  return page(std::move(items), request, "AttachedPolicies");
}

// Adds `action` for each kind in `kinds`, its name made by `name_of(kind names)`.
template <typename Handler>
void for_kinds(ActionTable& table, std::initializer_list<IamKind> kinds, const char* verb, const char* noun_suffix,
               bool mutating, Handler handler) {
  for (IamKind kind : kinds) {
    table[std::string(verb) + names_of(kind).title + noun_suffix] = {
        [kind, handler](Call& call, const json& request) { return handler(call, kind, request); }, mutating};
  }
}

}  // namespace

json entity_view(const IamEntity& entity, bool detailed) {
  const KindNames& names = names_of(entity.kind);
  json view = {{"Path", entity.path},
               {names.name_member, entity.name},
               {id_member(entity.kind), entity.id},
               {"Arn", model::entity_arn(entity)},
               {"CreateDate", entity.create_date}};
  if (entity.kind == IamKind::kRole) {
    view["AssumeRolePolicyDocument"] = encoded_document(entity.trust_policy);
    if (!entity.description.empty()) view["Description"] = entity.description;
    view["MaxSessionDuration"] = entity.max_session_duration;
  }
  if (!detailed) return view;
  if (!entity.tags.empty()) view["Tags"] = entity.tags;
  if (!entity.boundary.empty()) view["PermissionsBoundary"] = boundary_view(entity.boundary);
  if (entity.kind == IamKind::kRole) {
    json used = json::object();
    if (!entity.last_used_date.empty()) used = {{"LastUsedDate", entity.last_used_date}, {"Region", entity.last_used_region}};
    view["RoleLastUsed"] = used;
  }
  return view;
}

std::vector<std::string> identity_documents(Call& call, const IamEntity& entity) {
  std::vector<std::string> out;
  auto add = [&](const IamEntity& holder) {
    for (const auto& [name, document] : holder.inline_policies) out.push_back(document);
    for (const std::string& arn : holder.attached) {
      if (auto policy = find_policy(call, arn)) out.push_back(default_document(*policy));
    }
  };
  add(entity);
  for (const std::string& group : entity.groups) {
    if (auto g = find_entity(call, IamKind::kGroup, group)) add(*g);
  }
  return out;
}

void add_entity_actions(ActionTable& table) {
  const auto all = {IamKind::kUser, IamKind::kGroup, IamKind::kRole};
  const auto tagged = {IamKind::kUser, IamKind::kRole};
  for_kinds(table, all, "Create", "", true, create_entity);
  table["GetRole"] = {[](Call& c, const json& r) { return get_entity(c, IamKind::kRole, r); }, false};
  table["GetUser"] = {get_user, false};
  table["ListUsers"] = {[](Call& c, const json& r) { return list_entity_views(c, IamKind::kUser, r, "Users"); }, false};
  table["ListGroups"] = {[](Call& c, const json& r) { return list_entity_views(c, IamKind::kGroup, r, "Groups"); }, false};
  table["ListRoles"] = {[](Call& c, const json& r) { return list_entity_views(c, IamKind::kRole, r, "Roles"); }, false};
  for_kinds(table, all, "Delete", "", true, delete_entity);
  for_kinds(table, {IamKind::kUser, IamKind::kGroup}, "Update", "", true, update_entity);
  table["UpdateRole"] = {update_role, true};
  table["UpdateRoleDescription"] = {update_role_description, true};
  table["UpdateAssumeRolePolicy"] = {update_assume_role_policy, true};
  for_kinds(table, tagged, "Tag", "", true, tag_entity);
  for_kinds(table, tagged, "Untag", "", true, untag_entity);
  for_kinds(table, tagged, "List", "Tags", false, list_entity_tags);
  for_kinds(table, tagged, "Put", "PermissionsBoundary", true, put_boundary);
  for_kinds(table, tagged, "Delete", "PermissionsBoundary", true, delete_boundary);
  table["AddUserToGroup"] = {add_user_to_group, true};
  table["RemoveUserFromGroup"] = {remove_user_from_group, true};
  table["GetGroup"] = {get_group, false};
  table["ListGroupsForUser"] = {list_groups_for_user, false};
  for_kinds(table, all, "Put", "Policy", true, put_inline_policy);
  for_kinds(table, all, "Get", "Policy", false, get_inline_policy);
  for_kinds(table, all, "Delete", "Policy", true, delete_inline_policy);
  for_kinds(table, all, "List", "Policies", false, list_inline_policies);
  for_kinds(table, all, "Attach", "Policy", true, attach_policy);
  for_kinds(table, all, "Detach", "Policy", true, detach_policy);
  for_kinds(table, all, "ListAttached", "Policies", false, list_attached_policies);
}

}  // namespace stratus::iam
