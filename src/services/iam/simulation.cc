#include "services/iam/simulation.h"

#include <algorithm>
#include <cctype>

#include "common/ascii_case.h"
#include "iam/evaluator.h"
#include "services/iam/entities.h"
#include "services/iam/managed_policies.h"

namespace stratus::iam {
namespace {

using model::IamEntity;
using model::IamKind;

// Policies to simulate with, each with the id answers name it by.
struct Labelled {
  std::vector<Policy> policies;
  std::vector<std::string> ids;
  void add(const std::string& document, const std::string& id) {
    policies.push_back(require_document(document, PolicyKind::kIdentity));
    ids.push_back(id);
  }
};

// The documents of request member `member` (a list of JSON texts), labelled "MEMBER.N".
void add_inputs(Labelled& to, const json& request, const char* member) {
  const json& documents = request.value(member, json::array());
  for (size_t i = 0; i < documents.size(); ++i) {
    to.add(documents[i].get<std::string>(), std::string(member) + "." + std::to_string(i + 1));
  }
}

// The request's ContextEntries as context keys.
ContextKeys context_of(const json& request) {
  ContextKeys keys;
  for (const json& entry : request.value("ContextEntries", json::array())) {
    keys[ascii_lower(entry.value("ContextKeyName", ""))] = entry.value("ContextKeyValues", std::vector<std::string>{});
  }
  return keys;
}

std::string decision_name(Decision decision) {
  switch (decision) {
    case Decision::kAllowed: return "allowed";
    case Decision::kExplicitDeny: return "explicitDeny";
    case Decision::kImplicitDeny: return "implicitDeny";
  }
  return "implicitDeny";
}

// Evaluates each action on each resource (or "*") for `caller` with `identity` and `boundary`.
json simulate(const json& request, const std::string& caller_arn, const std::string& account, const Labelled& identity,
              const std::optional<Labelled>& boundary) {
  PolicySet set;
  for (const Policy& policy : identity.policies) set.identity.push_back(&policy);
  if (boundary) {
    set.boundary.emplace();
    for (const Policy& policy : boundary->policies) set.boundary->push_back(&policy);
  }
  std::vector<std::string> resources = request.value("ResourceArns", std::vector<std::string>{});
  if (resources.empty()) resources.push_back("*");
  std::vector<json> results;
  for (const json& action : request.value("ActionNames", json::array())) {
    for (const std::string& resource : resources) {
      AuthRequest auth;
      auth.caller = {account, caller_arn, "", ""};
      auth.action = action.get<std::string>();
      auth.resource = resource;
      auth.context = context_of(request);
      Evaluation evaluation = evaluate(auth, set);
      json matched = json::array();
      for (const MatchedStatement& m : evaluation.matched) {
        const Labelled& source = m.role == PolicyRole::kBoundary ? *boundary : identity;
        if (m.policy < source.ids.size()) {
          matched.push_back({{"SourcePolicyId", source.ids[m.policy]}, {"SourcePolicyType", "IAM Policy"}});
        }
      }
      json result = {{"EvalActionName", auth.action},
                     {"EvalResourceName", resource},
                     {"EvalDecision", decision_name(evaluation.decision)},
                     {"MatchedStatements", matched},
                     {"MissingContextValues", json::array()}};
      if (boundary) {
        bool allowed = !(evaluation.decision != Decision::kAllowed && evaluation.deciding == PolicyRole::kBoundary);
        result["PermissionsBoundaryDecisionDetail"] = {{"AllowedByPermissionsBoundary", allowed}};
      }
      results.push_back(std::move(result));
    }
  }
  return page(std::move(results), request, "EvaluationResults");
}

json simulate_custom_policy(Call& call, const json& request) {
  Labelled identity;
  add_inputs(identity, request, "PolicyInputList");
  std::optional<Labelled> boundary;
  if (request.contains("PermissionsBoundaryPolicyInputList")) {
    boundary.emplace();
    add_inputs(*boundary, request, "PermissionsBoundaryPolicyInputList");
  }
  std::string caller = str(request, "CallerArn", "arn:aws:iam::" + call.account() + ":root");
  return simulate(request, caller, call.account(), identity, boundary);
}

json simulate_principal_policy(Call& call, const json& request) {
  std::string arn = str(request, "PolicySourceArn");
  std::string prefix = "arn:aws:iam::" + call.account() + ":";
  std::optional<IamEntity> entity;
  for (auto [kind, type] : {std::pair{IamKind::kUser, "user/"}, std::pair{IamKind::kRole, "role/"},
                            std::pair{IamKind::kGroup, "group/"}}) {
    if (arn.rfind(prefix + type, 0) == 0) entity = find_entity(call, kind, arn.substr(arn.rfind('/') + 1));
  }
  if (!entity || model::entity_arn(*entity) != arn) {
    fail("NoSuchEntity", "The principal " + arn + " cannot be found.");
  }
  Labelled identity;
  std::vector<std::string> documents = identity_documents(call, *entity);
  for (size_t i = 0; i < documents.size(); ++i) identity.add(documents[i], entity->name + "." + std::to_string(i + 1));
  add_inputs(identity, request, "PolicyInputList");
  std::optional<Labelled> boundary;
  if (request.contains("PermissionsBoundaryPolicyInputList")) {
    boundary.emplace();
    add_inputs(*boundary, request, "PermissionsBoundaryPolicyInputList");
  } else if (!entity->boundary.empty()) {
    boundary.emplace();
    if (auto policy = find_policy(call, entity->boundary)) boundary->add(default_document(*policy), entity->boundary);
  }
  return simulate(request, str(request, "CallerArn", arn), call.account(), identity, boundary);
}

}  // namespace

void add_simulation_actions(ActionTable& table) {
  table["SimulateCustomPolicy"] = {simulate_custom_policy, false};
  table["SimulatePrincipalPolicy"] = {simulate_principal_policy, false};
}

}  // namespace stratus::iam
