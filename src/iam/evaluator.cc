#include "iam/evaluator.h"

#include <algorithm>
#include <cctype>

#include "common/ascii_case.h"
#include "iam/conditions.h"

namespace stratus::iam {
namespace {

// How a statement of a resource-based policy names the caller.
enum class Named {
  kNo,
  kAccount,  // its account (delegation: the caller's own policies must allow too)
  kRole,     // the role of its session (the session's boundary and policies still apply)
  kCaller,   // the caller itself: its user, its session, its service, or anyone
};

Named named_by(const Statement& statement, const Caller& caller) {
  Named named = Named::kNo;
  const Principals& principals = *statement.principals;
  if (principals.anyone) named = Named::kCaller;
  for (const std::string& principal : principals.aws) {
    if (principal == caller.arn) named = Named::kCaller;
    else if (!caller.role_arn.empty() && principal == caller.role_arn) named = std::max(named, Named::kRole);
    else if (principal == caller.account || principal == "arn:aws:iam::" + caller.account + ":root") {
      named = std::max(named, Named::kAccount);
    }
  }
  if (!caller.service.empty() &&
      std::find(principals.service.begin(), principals.service.end(), caller.service) != principals.service.end()) {
    named = Named::kCaller;
  }
  if (statement.not_principal) return named == Named::kNo ? Named::kCaller : Named::kNo;
  return named;
}

// `action` is lower-cased, as the statement's patterns are.
bool action_matches(const Statement& statement, const std::string& action) {
  bool any = std::any_of(statement.actions.begin(), statement.actions.end(),
                         [&](const std::string& pattern) { return glob_match(pattern, action, false); });
  return statement.not_action ? !any : any;
}

bool resource_matches(const Statement& statement, const AuthRequest& request, bool variables) {
  if (statement.resources.empty()) return true;  // a trust policy: the role itself
  if (request.resource_unresolved && statement.effect == Effect::kDeny) return true;  // fail closed
  bool any = false;
  for (const std::string& pattern : statement.resources) {
    if (!variables || pattern.find("${") == std::string::npos) {
      any = any || glob_match(pattern, request.resource, false);
      continue;
    }
    auto substituted = substitute(pattern, ContextView(request.context, request.principal_keys));
    if (substituted && glob_match(*substituted, request.resource, false)) any = true;
  }
  return statement.not_resource ? !any : any;
}

// True when `statement` of `policy` applies to `request` (apart from its principal).
bool applies(const Policy& policy, const Statement& statement, const AuthRequest& request, const std::string& action) {
  if (!action_matches(statement, action) || !resource_matches(statement, request, policy.variables)) return false;
  return std::all_of(statement.conditions.begin(), statement.conditions.end(), [&](const Condition& condition) {
    return condition_holds(condition, ContextView(request.context, request.principal_keys), policy.variables);
  });
}

// The statements of `effect` among `policies` (playing `role`) that apply to `request`; for
// resource policies only those naming the caller at least as `at_least`.
std::vector<MatchedStatement> matching(const std::vector<const Policy*>& policies, PolicyRole role, Effect effect,
                                       const AuthRequest& request, const std::string& action,
                                       Named at_least = Named::kAccount) {
  std::vector<MatchedStatement> out;
  for (size_t p = 0; p < policies.size(); ++p) {
    const Policy& policy = *policies[p];
    for (size_t s = 0; s < policy.statements.size(); ++s) {
      const Statement& statement = policy.statements[s];
      if (statement.effect != effect) continue;
      if (statement.principals && named_by(statement, request.caller) < at_least) continue;
      if (applies(policy, statement, request, action)) out.push_back({role, p, s});
    }
  }
  return out;
}

void append(std::vector<MatchedStatement>& to, const std::vector<MatchedStatement>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

}  // namespace

Evaluation evaluate(const AuthRequest& request, const PolicySet& policies) {
  std::string action = ascii_lower(request.action);
  Evaluation out;

  // An explicit deny in any policy that applies ends it.
  const std::vector<const Policy*> none;
  std::pair<PolicyRole, const std::vector<const Policy*>*> all[] = {
      {PolicyRole::kIdentity, &policies.identity},
      {PolicyRole::kResource, &policies.resource},
      {PolicyRole::kBoundary, policies.boundary ? &*policies.boundary : &none},
      {PolicyRole::kSession, policies.session ? &*policies.session : &none}};
  for (const auto& [role, set] : all) {
    auto denied = matching(*set, role, Effect::kDeny, request, action);
    if (denied.empty()) continue;
    out.decision = Decision::kExplicitDeny;
    out.deciding = role;
    out.matched = std::move(denied);
    return out;
  }

  auto identity = matching(policies.identity, PolicyRole::kIdentity, Effect::kAllow, request, action);
  auto for_caller = matching(policies.resource, PolicyRole::kResource, Effect::kAllow, request, action, Named::kCaller);
  auto for_role = matching(policies.resource, PolicyRole::kResource, Effect::kAllow, request, action, Named::kRole);
  auto for_account = matching(policies.resource, PolicyRole::kResource, Effect::kAllow, request, action);
  std::vector<MatchedStatement> boundary, session;
  if (policies.boundary) boundary = matching(*policies.boundary, PolicyRole::kBoundary, Effect::kAllow, request, action);
  if (policies.session) session = matching(*policies.session, PolicyRole::kSession, Effect::kAllow, request, action);
  bool same_account = request.resource_account.empty() || request.resource_account == request.caller.account;

  // A resource policy naming the caller itself grants in its own account, whatever the
  // boundary and session policies say.
  if (same_account && !for_caller.empty()) {
    out.decision = Decision::kAllowed;
    out.matched = std::move(for_caller);
    return out;
  }
  // Otherwise the caller's own policies (with what a resource policy grants its role, in the
  // same account) must allow, within its boundary and session policies.
  bool own = !identity.empty() || (same_account && !for_role.empty());
  bool within_boundary = !policies.boundary || !boundary.empty();
  bool within_session = !policies.session || !session.empty();
  bool resource_needed = !same_account || policies.resource_must_allow;
  bool resource_allows = !for_account.empty();
  if (own && within_boundary && within_session && (!resource_needed || resource_allows)) {
    out.decision = Decision::kAllowed;
    append(out.matched, identity);
    if (same_account) append(out.matched, for_role);
    if (resource_needed) append(out.matched, for_account);
    append(out.matched, boundary);
    append(out.matched, session);
    return out;
  }
  out.decision = Decision::kImplicitDeny;
  if (resource_needed && !resource_allows) out.deciding = PolicyRole::kResource;
  else if (!own) out.deciding = PolicyRole::kIdentity;
  else if (!within_boundary) out.deciding = PolicyRole::kBoundary;
  else out.deciding = PolicyRole::kSession;
  return out;
}

namespace {

// Adds the variables of `text` (${name} or ${name, 'default'}) to `keys`.
void add_variables(std::string_view text, std::set<std::string>& keys) {
  for (size_t open = text.find("${"); open != std::string_view::npos; open = text.find("${", open + 2)) {
    size_t close = text.find('}', open);
    if (close == std::string_view::npos) return;
    std::string_view inner = text.substr(open + 2, close - open - 2);
    inner = inner.substr(0, inner.find(','));
    keys.insert(ascii_lower(inner));
  }
}

}  // namespace

void add_referenced_keys(const Policy& policy, std::set<std::string>& keys) {
  for (const Statement& statement : policy.statements) {
    for (const Condition& condition : statement.conditions) {
      keys.insert(condition.key);
      if (!policy.variables) continue;
      for (const std::string& value : condition.values) add_variables(value, keys);
    }
    if (!policy.variables) continue;
    for (const std::string& resource : statement.resources) add_variables(resource, keys);
  }
}

std::string policy_role_name(PolicyRole role) {
  switch (role) {
    case PolicyRole::kIdentity: return "identity-based policy";
    case PolicyRole::kResource: return "resource-based policy";
    case PolicyRole::kBoundary: return "permissions boundary";
    case PolicyRole::kSession: return "session policy";
  }
  return "policy";
}

}  // namespace stratus::iam
