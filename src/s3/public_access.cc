#include "s3/public_access.h"

#include "iam/policy.h"

namespace stratus::s3 {

bool public_policy(const std::string& policy) {
  auto parsed = iam::parse_policy(policy, iam::PolicyKind::kResource);
  if (!parsed.ok()) return false;
  for (const iam::Statement& statement : parsed.value().statements) {
    if (statement.effect == iam::Effect::kAllow && statement.principals && statement.principals->anyone &&
        !statement.not_principal && statement.conditions.empty()) {
      return true;
    }
  }
  return false;
}

bool public_acl(const nlohmann::json& request) {
  std::string acl = request.value("ACL", "");
  return acl == "public-read" || acl == "public-read-write" || acl == "authenticated-read";
}

}  // namespace stratus::s3
