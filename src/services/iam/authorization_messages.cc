#include "services/iam/authorization_messages.h"

#include "common/base64.h"
#include "common/digest.h"
#include "common/sealed_box.h"
#include "store/secrets.h"

namespace stratus::iam {
namespace {

using nlohmann::json;

// {"items": [{"value": V}, ...]}, AWS's way of writing a list in decoded messages.
json items_of(const std::vector<std::string>& values) {
  json items = json::array();
  for (const std::string& value : values) items.push_back({{"value", value}});
  return {{"items", items}};
}

// The policy of `role` at `index` in `policies`, or null.
const Policy* policy_at(const PolicySet& policies, PolicyRole role, size_t index) {
  const std::vector<const Policy*>* list = nullptr;
  switch (role) {
    case PolicyRole::kIdentity: list = &policies.identity; break;
    case PolicyRole::kResource: list = &policies.resource; break;
    case PolicyRole::kBoundary: list = policies.boundary ? &*policies.boundary : nullptr; break;
    case PolicyRole::kSession: list = policies.session ? &*policies.session : nullptr; break;
  }
  return list != nullptr && index < list->size() ? (*list)[index] : nullptr;
}

}  // namespace

AuthorizationMessages::AuthorizationMessages(store::Store& store)
    : key_(sha256(store::data_dir_secret(store, "authorization_message_secret"))) {}

std::string AuthorizationMessages::encode(const json& decoded) const { return base64_encode(seal(key_, decoded.dump())); }

std::optional<std::string> AuthorizationMessages::decode(const std::string& encoded) const {
  auto sealed = base64_decode(encoded);
  if (!sealed) return std::nullopt;
  return open_sealed(key_, *sealed);
}

json decoded_denial(const AuthRequest& request, const PolicySet& policies, const Evaluation& evaluation) {
  json matched = json::array();
  for (const MatchedStatement& m : evaluation.matched) {
    const Policy* policy = policy_at(policies, m.role, m.policy);
    if (policy == nullptr || m.statement >= policy->statements.size()) continue;
    const Statement& statement = policy->statements[m.statement];
    matched.push_back({{"statementId", statement.sid},
                       {"effect", statement.effect == Effect::kDeny ? "DENY" : "ALLOW"},
                       {"source", policy_role_name(m.role)},
                       {"actions", items_of(statement.actions)},
                       {"resources", items_of(statement.resources)}});
  }
  ContextKeys keys = request.principal_keys != nullptr ? *request.principal_keys : ContextKeys{};
  for (const auto& [key, values] : request.context) keys[key] = values;
  json conditions = json::array();
  for (const auto& [key, values] : keys) conditions.push_back({{"key", key}, {"values", items_of(values)}});
  auto id = keys.find("aws:userid");
  return {{"allowed", false},
          {"explicitDeny", evaluation.decision == Decision::kExplicitDeny},
          {"matchedStatements", {{"items", matched}}},
          {"failures", {{"items", json::array()}}},
          {"context",
           {{"principal", {{"id", id != keys.end() ? id->second.front() : ""}, {"arn", request.caller.arn}}},
            {"action", request.action},
            {"resource", request.resource},
            {"conditions", {{"items", conditions}}}}}};
}

}  // namespace stratus::iam
