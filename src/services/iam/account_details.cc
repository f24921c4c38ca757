#include "services/iam/account_details.h"

#include <algorithm>

#include "services/iam/entities.h"
#include "services/iam/instance_profiles.h"
#include "services/iam/managed_policies.h"

namespace stratus::iam {
namespace {

using model::IamEntity;
using model::IamKind;

// The answer's list member for each entry kind, in the order AWS lists them.
constexpr std::pair<const char*, const char*> kLists[] = {{"User", "UserDetailList"},
                                                          {"Group", "GroupDetailList"},
                                                          {"Role", "RoleDetailList"},
                                                          {"LocalManagedPolicy", "Policies"},
                                                          {"AWSManagedPolicy", "Policies"}};

// An entity's inline policies as [{PolicyName, PolicyDocument}].
json inline_list(const IamEntity& entity) {
  json out = json::array();
  for (const auto& [name, document] : entity.inline_policies) {
    out.push_back({{"PolicyName", name}, {"PolicyDocument", encoded_document(document)}});
  }
  return out;
}

// An entity's attached managed policies as [{PolicyName, PolicyArn}].
json attached_list(const IamEntity& entity) {
  json out = json::array();
  for (const std::string& arn : entity.attached) {
    out.push_back({{"PolicyName", arn.substr(arn.rfind('/') + 1)}, {"PolicyArn", arn}});
  }
  return out;
}

// One entity's detail entry.
json entity_detail(Call& call, const IamEntity& entity) {
  json view = entity_view(entity, true);
  const char* policies = entity.kind == IamKind::kUser ? "UserPolicyList"
                         : entity.kind == IamKind::kGroup ? "GroupPolicyList"
                                                          : "RolePolicyList";
  view[policies] = inline_list(entity);
  view["AttachedManagedPolicies"] = attached_list(entity);
  if (entity.kind == IamKind::kUser) view["GroupList"] = entity.groups;
  if (entity.kind == IamKind::kRole) {
    json profiles = json::array();
    for (const model::InstanceProfile& profile : profiles_holding(call, entity.name)) {
      profiles.push_back(instance_profile_view(call, profile));
    }
    view["InstanceProfileList"] = profiles;
  }
  return view;
}

// One managed policy's detail entry: its view with every version's document.
json policy_detail(const model::ManagedPolicy& policy, const std::vector<IamEntity>& entities) {
  json view = policy_view(policy, entities, true);
  json versions = json::array();
  for (const model::PolicyVersion& version : policy.versions) versions.push_back(version_view(policy, version, true));
  view["PolicyVersionList"] = versions;
  return view;
}

json get_account_authorization_details(Call& call, const json& request) {
  std::vector<std::string> filter = request.value("Filter", std::vector<std::string>{});
  auto wanted = [&](const char* kind) {
    return filter.empty() || std::find(filter.begin(), filter.end(), kind) != filter.end();
  };
  std::vector<IamEntity> entities = all_entities(call);
  // Every entry, tagged with its kind, so that one Marker pages through them all.
  std::vector<json> entries;
  for (IamKind kind : {IamKind::kUser, IamKind::kGroup, IamKind::kRole}) {
    const char* name = names_of(kind).title;
    if (!wanted(name)) continue;
    for (const IamEntity& entity : entities) {
      if (entity.kind == kind) entries.push_back({{"kind", name}, {"entry", entity_detail(call, entity)}});
    }
  }
  if (wanted("LocalManagedPolicy")) {
    for (const store::Record& record : call.txn.list(model::kManagedPolicyKind, std::string(model::kIamRegion))) {
      model::ManagedPolicy policy = model::managed_policy_from_doc(record.doc);
      if (policy.account != call.account()) continue;
      entries.push_back({{"kind", "LocalManagedPolicy"}, {"entry", policy_detail(policy, entities)}});
    }
  }
  if (wanted("AWSManagedPolicy")) {
    for (const model::ManagedPolicy& policy : call.aws.all()) {
      auto [attached, boundaries] = usage_of(entities, model::policy_arn(policy));
      if (attached + boundaries == 0) continue;  // AWS's policies appear once the account uses them
      entries.push_back({{"kind", "AWSManagedPolicy"}, {"entry", policy_detail(policy, entities)}});
    }
  }
  json paged = page(std::move(entries), request, "Entries");
  json result = {{"IsTruncated", paged["IsTruncated"]}};
  if (paged.contains("Marker")) result["Marker"] = paged["Marker"];
  for (const auto& [kind, member] : kLists) {
    if (!result.contains(member)) result[member] = json::array();
  }
  for (const json& entry : paged["Entries"]) {
    for (const auto& [kind, member] : kLists) {
      if (entry["kind"] == kind) result[member].push_back(entry["entry"]);
    }
  }
  return result;
}

}  // namespace

void add_account_details_actions(ActionTable& table) {
  table["GetAccountAuthorizationDetails"] = {get_account_authorization_details, false};
}

}  // namespace stratus::iam
