#include "services/iam/service_sessions.h"

#include "iam/evaluator.h"
#include "services/iam/sessions.h"

namespace stratus::iam {

Result<api::Principal> assume_role_for_service(store::Store& store, const AwsPolicies& aws, const std::string& account,
                                               const std::string& role_arn, const std::string& service,
                                               const std::string& session_name, int64_t now) {
  auto txn = store.begin_write();
  Call call{internal_requester(account), now, *txn, aws, nullptr, {}};
  ApiError denied{"AccessDenied", service + " is not authorized to perform sts:AssumeRole on resource: " + role_arn};
  auto role = role_by_arn(call, role_arn);
  if (!role) return denied;
  auto trust = parse_policy(role->trust_policy, PolicyKind::kTrust);
  if (!trust.ok()) return denied;
  AuthRequest request;
  request.caller = {account, "", "", service};
  request.action = "sts:AssumeRole";
  request.resource = role_arn;
  PolicySet policies;
  policies.resource = {&trust.value()};
  policies.resource_must_allow = true;
  if (evaluate(request, policies).decision != Decision::kAllowed) return denied;
  model::Session session = issue_role_session(call, *role, {session_name, 3600, {}, nlohmann::json::array(), "", false});
  txn->commit();
  api::Principal principal;
  principal.role = session.role;
  principal.session_name = session.session_name;
  principal.access_key_id = session.access_key_id;
  principal.temporary = true;
  return principal;
}

}  // namespace stratus::iam
