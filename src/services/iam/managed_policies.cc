#include "services/iam/managed_policies.h"

#include <algorithm>

#include "services/iam/entities.h"

namespace stratus::iam {
namespace {

using model::IamEntity;
using model::IamKind;
using model::ManagedPolicy;
using model::PolicyVersion;

// Customer managed policies one account may have.
constexpr size_t kPoliciesPerAccount = 1500;
// A version's document, white space not counted.
constexpr size_t kPolicySize = 6144;
// Versions one policy may have.
constexpr size_t kVersionsPerPolicy = 5;

// The policy `request`'s PolicyArn names, or NoSuchEntity.
ManagedPolicy require_policy(Call& call, const json& request) {
  std::string arn = str(request, "PolicyArn");
  auto policy = find_policy(call, arn);
  if (!policy) fail("NoSuchEntity", "Policy " + arn + " was not found.");
  return *policy;
}

// The same, if the caller may change it (its own, not AWS's).
ManagedPolicy require_own_policy(Call& call, const json& request, const char* action) {
  ManagedPolicy policy = require_policy(call, request);
  if (policy.account == "aws") {
    fail("AccessDenied", "Policy " + model::policy_arn(policy) + " is an AWS managed policy: iam:" + action +
                             " is not allowed on it.");
  }
  return policy;
}

// `document` checked as a managed policy version: 2012-10-17, a valid identity policy, in size.
void check_version_document(const std::string& document) {
  iam::Policy parsed = require_document(document, PolicyKind::kIdentity);
  if (!parsed.variables) fail("MalformedPolicyDocument", "Policy document must be version 2012-10-17 or greater.");
  if (document_size(document) > kPolicySize) {
    fail("LimitExceeded", "Cannot exceed quota for PolicySize: " + std::to_string(kPolicySize));
  }
}

json create_policy(Call& call, const json& request) {
  std::string name = str(request, "PolicyName");
  if (call.txn.get(model::iam_record_id(model::kManagedPolicyKind, call.account(), name))) {
    fail("EntityAlreadyExists", "A policy called " + name + " already exists. Duplicate names are not allowed.");
  }
  if (call.txn.count(model::kManagedPolicyKind, model::kIamRegion) >= kPoliciesPerAccount) {
    fail("LimitExceeded", "Cannot exceed quota for PoliciesPerAccount: " + std::to_string(kPoliciesPerAccount));
  }
  std::string document = str(request, "PolicyDocument");
  check_version_document(document);
  ManagedPolicy policy;
  policy.account = call.account();
  policy.name = name;
  policy.id = new_unique_id("ANPA");
  policy.path = str(request, "Path", "/");
  policy.description = str(request, "Description");
  policy.create_date = policy.update_date = now_iso(call);
  policy.default_version = "v1";
  policy.versions.push_back({"v1", document, policy.create_date});
  policy.tags = tags_of(request);
  save_policy(call, policy);
  return {{"Policy", policy_view(policy, {}, true)}};
}

json get_policy(Call& call, const json& request) {
  return {{"Policy", policy_view(require_policy(call, request), all_entities(call), true)}};
}

json list_policies(Call& call, const json& request) {
  std::string scope = str(request, "Scope", "All");
  std::string prefix = str(request, "PathPrefix", "/");
  bool only_attached = request.value("OnlyAttached", false);
  std::string usage = str(request, "PolicyUsageFilter");
  std::vector<IamEntity> entities = all_entities(call);
  std::vector<ManagedPolicy> policies;
  if (scope != "Local") policies = call.aws.all();
  if (scope != "AWS") {
    for (const store::Record& record : call.txn.list(model::kManagedPolicyKind, std::string(model::kIamRegion))) {
      ManagedPolicy policy = model::managed_policy_from_doc(record.doc);
      if (policy.account == call.account()) policies.push_back(std::move(policy));
    }
  }
  std::vector<json> items;
  for (const ManagedPolicy& policy : policies) {
    if (policy.path.rfind(prefix, 0) != 0) continue;
    auto [attached, boundaries] = usage_of(entities, model::policy_arn(policy));
    if (only_attached && attached == 0) continue;
    if (usage == "PermissionsPolicy" && attached == 0) continue;
    if (usage == "PermissionsBoundary" && boundaries == 0) continue;
    items.push_back(policy_view(policy, entities, false));
  }
  return page(std::move(items), request, "Policies");
}

json delete_policy(Call& call, const json& request) {
  ManagedPolicy policy = require_own_policy(call, request, "DeletePolicy");
  auto [attached, boundaries] = usage_of(all_entities(call), model::policy_arn(policy));
  if (attached + boundaries > 0) fail("DeleteConflict", "Cannot delete a policy attached to entities.");
  if (policy.versions.size() > 1) {
    fail("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the "
                           "policy's versions. The default version is deleted with the policy.");
  }
  call.txn.erase(model::iam_record_id(model::kManagedPolicyKind, policy.account, policy.name));
  return json::object();
}

json create_policy_version(Call& call, const json& request) {
  ManagedPolicy policy = require_own_policy(call, request, "CreatePolicyVersion");
  if (policy.versions.size() >= kVersionsPerPolicy) {
    fail("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must "
                          "delete an existing version.");
  }
  std::string document = str(request, "PolicyDocument");
  check_version_document(document);
  PolicyVersion version{"v" + std::to_string(policy.next_version++), document, now_iso(call)};
  policy.versions.push_back(version);
  if (request.value("SetAsDefault", false)) {
    policy.default_version = version.id;
    policy.update_date = version.create_date;
  }
  save_policy(call, policy);
  return {{"PolicyVersion", version_view(policy, version, false)}};
}

// The version `request`'s VersionId names of `policy`, or NoSuchEntity.
const PolicyVersion& require_version(const ManagedPolicy& policy, const json& request) {
  std::string id = str(request, "VersionId");
  for (const PolicyVersion& version : policy.versions) {
    if (version.id == id) return version;
  }
  fail("NoSuchEntity", "Policy " + model::policy_arn(policy) + " version " + id + " does not exist or is not attachable.");
}

json get_policy_version(Call& call, const json& request) {
  ManagedPolicy policy = require_policy(call, request);
  return {{"PolicyVersion", version_view(policy, require_version(policy, request), true)}};
}

json list_policy_versions(Call& call, const json& request) {
  ManagedPolicy policy = require_policy(call, request);
  std::vector<json> versions;
  for (auto it = policy.versions.rbegin(); it != policy.versions.rend(); ++it) {
    versions.push_back(version_view(policy, *it, false));
  }
  return page(std::move(versions), request, "Versions");
}

json set_default_policy_version(Call& call, const json& request) {
  ManagedPolicy policy = require_own_policy(call, request, "SetDefaultPolicyVersion");
  policy.default_version = require_version(policy, request).id;
  policy.update_date = now_iso(call);
  save_policy(call, policy);
  return json::object();
}

json delete_policy_version(Call& call, const json& request) {
  ManagedPolicy policy = require_own_policy(call, request, "DeletePolicyVersion");
  const PolicyVersion& version = require_version(policy, request);
  if (version.id == policy.default_version) fail("DeleteConflict", "Cannot delete the default version of a policy.");
  std::string id = version.id;
  std::erase_if(policy.versions, [&](const PolicyVersion& v) { return v.id == id; });
  save_policy(call, policy);
  return json::object();
}

json list_entities_for_policy(Call& call, const json& request) {
  std::string arn = model::policy_arn(require_policy(call, request));
  std::string filter = str(request, "EntityFilter");
  std::string prefix = str(request, "PathPrefix", "/");
  json groups = json::array(), users = json::array(), roles = json::array();
  for (const IamEntity& e : all_entities(call)) {
    bool attached = std::count(e.attached.begin(), e.attached.end(), arn) > 0;
    bool boundary = e.boundary == arn;
    if (e.path.rfind(prefix, 0) != 0) continue;
    if (filter == "PermissionsBoundary" ? !boundary : !attached) continue;
    const KindNames& names = names_of(e.kind);
    if (!filter.empty() && filter != "PermissionsBoundary" && filter != "LocalManagedPolicy" &&
        filter != "AWSManagedPolicy" && filter != names.title) {
      continue;
    }
    json item = {{names.name_member, e.name}, {std::string(names.title) + "Id", e.id}};
    (e.kind == IamKind::kGroup ? groups : e.kind == IamKind::kUser ? users : roles).push_back(item);
  }
  return {{"PolicyGroups", groups}, {"PolicyUsers", users}, {"PolicyRoles", roles}, {"IsTruncated", false}};
}

json tag_policy(Call& call, const json& request) {
  ManagedPolicy policy = require_own_policy(call, request, "TagPolicy");
  policy.tags = merge_tags(policy.tags, tags_of(request));
  save_policy(call, policy);
  return json::object();
}

json untag_policy(Call& call, const json& request) {
  ManagedPolicy policy = require_own_policy(call, request, "UntagPolicy");
  policy.tags = remove_tags(policy.tags, request);
  save_policy(call, policy);
  return json::object();
}

json list_policy_tags(Call& call, const json& request) {
  return page(require_policy(call, request).tags.get<std::vector<json>>(), request, "Tags");
}

}  // namespace

std::vector<IamEntity> all_entities(Call& call) {
  std::vector<IamEntity> out;
  for (IamKind kind : {IamKind::kGroup, IamKind::kUser, IamKind::kRole}) {
    for (IamEntity& entity : list_entities(call, kind)) out.push_back(std::move(entity));
  }
  return out;
}

std::pair<int64_t, int64_t> usage_of(const std::vector<IamEntity>& entities, const std::string& arn) {
  int64_t attached = 0, boundaries = 0;
  for (const IamEntity& e : entities) {
    attached += std::count(e.attached.begin(), e.attached.end(), arn);
    boundaries += e.boundary == arn;
  }
  return {attached, boundaries};
}

json policy_view(const ManagedPolicy& policy, const std::vector<IamEntity>& entities, bool detailed) {
  std::string arn = model::policy_arn(policy);
  auto [attached, boundaries] = usage_of(entities, arn);
  json view = {{"PolicyName", policy.name},
               {"PolicyId", policy.id},
               {"Arn", arn},
               {"Path", policy.path},
               {"DefaultVersionId", policy.default_version},
               {"AttachmentCount", attached},
               {"PermissionsBoundaryUsageCount", boundaries},
               {"IsAttachable", true},
               {"CreateDate", policy.create_date},
               {"UpdateDate", policy.update_date}};
  if (detailed && !policy.description.empty()) view["Description"] = policy.description;
  if (detailed && !policy.tags.empty()) view["Tags"] = policy.tags;
  return view;
}

json version_view(const ManagedPolicy& policy, const PolicyVersion& version, bool with_document) {
  json view = {{"VersionId", version.id},
               {"IsDefaultVersion", version.id == policy.default_version},
               {"CreateDate", version.create_date}};
  if (with_document) view["Document"] = encoded_document(version.document);
  return view;
}

const std::string& default_document(const ManagedPolicy& policy) {
  for (const PolicyVersion& version : policy.versions) {
    if (version.id == policy.default_version) return version.document;
  }
  return policy.versions.front().document;
}

void add_managed_policy_actions(ActionTable& table) {
  table["CreatePolicy"] = {create_policy, true};
  table["GetPolicy"] = {get_policy, false};
  table["ListPolicies"] = {list_policies, false};
  table["DeletePolicy"] = {delete_policy, true};
  table["CreatePolicyVersion"] = {create_policy_version, true};
  table["GetPolicyVersion"] = {get_policy_version, false};
  table["ListPolicyVersions"] = {list_policy_versions, false};
  table["SetDefaultPolicyVersion"] = {set_default_policy_version, true};
  table["DeletePolicyVersion"] = {delete_policy_version, true};
  table["ListEntitiesForPolicy"] = {list_entities_for_policy, false};
  table["TagPolicy"] = {tag_policy, true};
  table["UntagPolicy"] = {untag_policy, true};
  table["ListPolicyTags"] = {list_policy_tags, false};
}

}  // namespace stratus::iam
