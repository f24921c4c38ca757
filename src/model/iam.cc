#include "model/iam.h"

#include <algorithm>
#include <cctype>

#include "common/ascii_case.h"
#include "common/enum_names.h"

namespace stratus::model {
namespace {

using nlohmann::json;

constexpr std::pair<IamKind, std::string_view> kKindNames[] = {
    {IamKind::kUser, "iam-user"}, {IamKind::kGroup, "iam-group"}, {IamKind::kRole, "iam-role"}};

// The ARN resource type of each kind.
constexpr std::pair<IamKind, std::string_view> kArnTypes[] = {
    {IamKind::kUser, "user"}, {IamKind::kGroup, "group"}, {IamKind::kRole, "role"}};

std::string arn_of(const std::string& account, std::string_view type, const std::string& path, const std::string& name) {
  return "arn:aws:iam::" + account + ":" + std::string(type) + path + name;
}

}  // namespace

std::string iam_kind_name(IamKind kind) { return std::string(name_in(kKindNames, kind, "iam-user")); }

bool same_iam_name(const std::string& a, const std::string& b) {
  return ascii_lower(a) == ascii_lower(b);
}

std::string iam_record_id(const std::string& kind_name, const std::string& account, const std::string& name) {
  return kind_name + ":" + account + ":" + ascii_lower(name);
}

std::string entity_arn(const IamEntity& entity) {
  return arn_of(entity.account, name_in(kArnTypes, entity.kind, "user"), entity.path, entity.name);
}

std::string policy_arn(const ManagedPolicy& policy) { return arn_of(policy.account, "policy", policy.path, policy.name); }

std::string instance_profile_arn(const InstanceProfile& profile) {
  return arn_of(profile.account, "instance-profile", profile.path, profile.name);
}

std::string assumed_role_arn(const Session& s) {
  return "arn:aws:sts::" + s.account + ":assumed-role/" + s.role + "/" + s.session_name;
}

IamEntity iam_entity_from_doc(const json& doc) {
  IamEntity e;
  e.kind = value_in(kKindNames, doc.value("Kind", "iam-user")).value_or(IamKind::kUser);
  e.account = doc.value("Account", "");
  e.name = doc.value("Name", "");
  e.id = doc.value("Id", "");
  e.path = doc.value("Path", "/");
  e.create_date = doc.value("CreateDate", "");
  e.tags = doc.value("Tags", json::array());
  e.boundary = doc.value("PermissionsBoundary", "");
  e.inline_policies = doc.value("InlinePolicies", std::map<std::string, std::string>{});
  e.attached = doc.value("AttachedPolicies", std::vector<std::string>{});
  e.groups = doc.value("Groups", std::vector<std::string>{});
  if (doc.contains("LoginProfile")) {
    const json& profile = doc["LoginProfile"];
    e.login_profile = LoginProfile{profile.value("PasswordHash", ""), profile.value("CreateDate", ""),
                                   profile.value("PasswordResetRequired", false)};
  }
  e.trust_policy = doc.value("TrustPolicy", "");
  e.description = doc.value("Description", "");
  e.max_session_duration = doc.value("MaxSessionDuration", int64_t{3600});
  e.last_used_date = doc.value("LastUsedDate", "");
  e.last_used_region = doc.value("LastUsedRegion", "");
  return e;
}

json iam_entity_doc(const IamEntity& e) {
  json doc = {{"Kind", iam_kind_name(e.kind)},
              {"Account", e.account},
              {"Name", e.name},
              {"Id", e.id},
              {"Path", e.path},
              {"CreateDate", e.create_date},
              {"Tags", e.tags},
              {"InlinePolicies", e.inline_policies},
              {"AttachedPolicies", e.attached}};
  if (!e.boundary.empty()) doc["PermissionsBoundary"] = e.boundary;
  if (e.kind == IamKind::kUser) doc["Groups"] = e.groups;
  if (e.login_profile) {
    doc["LoginProfile"] = {{"PasswordHash", e.login_profile->password_hash},
                           {"CreateDate", e.login_profile->create_date},
                           {"PasswordResetRequired", e.login_profile->reset_required}};
  }
  if (e.kind == IamKind::kRole) {
    doc["TrustPolicy"] = e.trust_policy;
    doc["Description"] = e.description;
    doc["MaxSessionDuration"] = e.max_session_duration;
    doc["LastUsedDate"] = e.last_used_date;
    doc["LastUsedRegion"] = e.last_used_region;
  }
  return doc;
}

ManagedPolicy managed_policy_from_doc(const json& doc) {
  ManagedPolicy p;
  p.account = doc.value("Account", "");
  p.name = doc.value("Name", "");
  p.id = doc.value("Id", "");
  p.path = doc.value("Path", "/");
  p.description = doc.value("Description", "");
  p.create_date = doc.value("CreateDate", "");
  p.update_date = doc.value("UpdateDate", "");
  p.default_version = doc.value("DefaultVersion", "v1");
  for (const json& v : doc.value("Versions", json::array())) {
    p.versions.push_back({v.value("Id", ""), v.value("Document", ""), v.value("CreateDate", "")});
  }
  p.next_version = doc.value("NextVersion", 2);
  p.tags = doc.value("Tags", json::array());
  return p;
}

json managed_policy_doc(const ManagedPolicy& p) {
  json versions = json::array();
  for (const PolicyVersion& v : p.versions) {
    versions.push_back({{"Id", v.id}, {"Document", v.document}, {"CreateDate", v.create_date}});
  }
  return {{"Account", p.account},       {"Name", p.name},
          {"Id", p.id},                 {"Path", p.path},
          {"Description", p.description}, {"CreateDate", p.create_date},
          {"UpdateDate", p.update_date}, {"DefaultVersion", p.default_version},
          {"Versions", versions},        {"NextVersion", p.next_version},
          {"Tags", p.tags}};
}

InstanceProfile instance_profile_from_doc(const json& doc) {
  InstanceProfile p;
  p.account = doc.value("Account", "");
  p.name = doc.value("Name", "");
  p.id = doc.value("Id", "");
  p.path = doc.value("Path", "/");
  p.create_date = doc.value("CreateDate", "");
  p.roles = doc.value("Roles", std::vector<std::string>{});
  p.tags = doc.value("Tags", json::array());
  return p;
}

json instance_profile_doc(const InstanceProfile& p) {
  return {{"Account", p.account}, {"Name", p.name},   {"Id", p.id},     {"Path", p.path},
          {"CreateDate", p.create_date}, {"Roles", p.roles}, {"Tags", p.tags}};
}

Session session_from_doc(const json& doc) {
  Session s;
  s.access_key_id = doc.value("AccessKeyId", "");
  s.secret_access_key = doc.value("SecretAccessKey", "");
  s.token = doc.value("SessionToken", "");
  s.account = doc.value("Account", "");
  s.issued = doc.value("Issued", int64_t{0});
  s.expiration = doc.value("Expiration", int64_t{0});
  s.user = doc.value("UserName", "");
  s.role = doc.value("RoleName", "");
  s.role_id = doc.value("RoleId", "");
  s.session_name = doc.value("SessionName", "");
  s.policies = doc.value("Policies", std::vector<std::string>{});
  s.tags = doc.value("Tags", json::array());
  s.instance_id = doc.value("InstanceId", "");
  s.role_chained = doc.value("RoleChained", false);
  return s;
}

json session_doc(const Session& s) {
  return {{"AccessKeyId", s.access_key_id}, {"SecretAccessKey", s.secret_access_key}, {"SessionToken", s.token},
          {"Account", s.account},           {"Issued", s.issued},                     {"Expiration", s.expiration},
          {"UserName", s.user},             {"RoleName", s.role},                     {"RoleId", s.role_id},
          {"SessionName", s.session_name},  {"Policies", s.policies},                 {"Tags", s.tags},
          {"InstanceId", s.instance_id},    {"RoleChained", s.role_chained}};
}

}  // namespace stratus::model
