#include "services/iam/authorizer.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/ascii_case.h"
#include "common/timestamp.h"
#include "services/iam/entities.h"
#include "services/iam/managed_policies.h"

namespace stratus::iam {
namespace {

// The error code a denied call gets, by service.
std::string denial_code(const std::string& service) {
  if (service == "ec2") return "UnauthorizedOperation";
  if (service == "ebs") return "AccessDeniedException";
  return "AccessDenied";
}

// Appends `documents`, parsed, to `to` (one that no longer parses is left out).
void add_parsed(std::vector<Policy>& to, const std::vector<std::string>& documents) {
  for (const std::string& document : documents) {
    auto parsed = parse_policy(document, PolicyKind::kIdentity);
    if (parsed.ok()) to.push_back(std::move(parsed.value()));
  }
}

}  // namespace

void Authorizer::invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
  ++generation_;
}

std::shared_ptr<const Authorizer::Compiled> Authorizer::compiled(const std::string& account, const std::string& user) {
  std::string key = account + ":" + user;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    generation = generation_;
  }
  auto txn = store_.begin_read();
  Call call{{account, user}, unix_now(), *txn, aws_, nullptr, {}};
  auto entity = find_entity(call, model::IamKind::kUser, user);
  if (!entity) return nullptr;
  auto out = std::make_shared<Compiled>();
  out->user = *entity;
  add_parsed(out->identity, identity_documents(call, *entity));
  if (!entity->boundary.empty()) {
    out->boundary.emplace();
    if (auto policy = find_policy(call, entity->boundary)) add_parsed(*out->boundary, {default_document(*policy)});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (generation_ == generation) cache_[key] = out;  // unless IAM changed while it was read
  return out;
}

std::string Authorizer::iam_resource(const api::ServiceCall& call, const model::IamEntity& user) {
  const json& request = call.request;
  const std::string prefix = "arn:aws:iam::" + call.account_id + ":";
  auto txn = store_.begin_read();
  Call c{{call.account_id, user.name}, unix_now(), *txn, aws_, nullptr, {}};
  // An entity's ARN: with its path when it exists, else the path the request gives (a create).
  auto entity_arn = [&](model::IamKind kind, const char* type, const char* member) {
    std::string name = str(request, member);
    if (auto entity = find_entity(c, kind, name)) return model::entity_arn(*entity);
    return prefix + type + str(request, "Path", "/") + name;
  };
  if (request.contains("InstanceProfileName")) {
    std::string name = str(request, "InstanceProfileName");
    if (auto profile = find_instance_profile(c, name)) return model::instance_profile_arn(*profile);
    return prefix + "instance-profile" + str(request, "Path", "/") + name;
  }
  if (request.contains("GroupName")) return entity_arn(model::IamKind::kGroup, "group", "GroupName");
  if (request.contains("RoleName")) return entity_arn(model::IamKind::kRole, "role", "RoleName");
  if (request.contains("UserName")) return entity_arn(model::IamKind::kUser, "user", "UserName");
  if (request.contains("PolicyArn")) return str(request, "PolicyArn");
  if (call.action == "CreatePolicy") return prefix + "policy" + str(request, "Path", "/") + str(request, "PolicyName");
  static const std::set<std::string> kSelf = {"GetUser", "CreateAccessKey", "ListAccessKeys", "UpdateAccessKey",
                                              "DeleteAccessKey"};
  if (kSelf.count(call.action)) return model::entity_arn(user);
  return "*";
}

std::optional<ApiError> Authorizer::authorize(const api::ServiceCall& call, const std::string& service) {
  if (call.principal.user.empty()) return std::nullopt;  // the account's root
  std::string action = service + ":" + call.action;
  if (action == "sts:GetCallerIdentity") return std::nullopt;  // needs no permission, as on AWS
  auto policies = compiled(call.account_id, call.principal.user);
  if (!policies) return ApiError{"InvalidClientTokenId", "The security token included in the request is invalid."};
  const model::IamEntity& user = policies->user;
  std::string arn = model::entity_arn(user);
  int64_t now = unix_now();
  AuthRequest request;
  request.caller = {call.account_id, arn, "", ""};
  request.action = action;
  request.resource = service == "iam" ? iam_resource(call, user) : "*";
  // "*" stands in for a resource not yet mapped: a Deny naming any resource applies to it.
  request.resource_unresolved = request.resource == "*";
  request.context = {{"aws:username", {user.name}},
                     {"aws:userid", {user.id}},
                     {"aws:principalarn", {arn}},
                     {"aws:principalaccount", {call.account_id}},
                     {"aws:principaltype", {"User"}},
                     {"aws:currenttime", {format_iso8601(now)}},
                     {"aws:epochtime", {std::to_string(now)}},
                     {"aws:securetransport", {"false"}},
                     {"aws:requestedregion", {call.region}}};
  for (const auto& tag : user.tags) {
    request.context["aws:principaltag/" + ascii_lower(tag.value("Key", ""))] = {tag.value("Value", "")};
  }
  PolicySet set;
  for (const Policy& policy : policies->identity) set.identity.push_back(&policy);
  if (policies->boundary) {
    set.boundary.emplace();
    for (const Policy& policy : *policies->boundary) set.boundary->push_back(&policy);
  }
  Evaluation evaluation = evaluate(request, set);
  if (evaluation.decision == Decision::kAllowed) return std::nullopt;
  std::string kind = policy_role_name(evaluation.deciding);
  std::string article = kind[0] == 'i' ? "an " : "a ";
  std::string why = evaluation.decision == Decision::kExplicitDeny
                        ? "with an explicit deny in " + article + kind
                        : "because no " + kind + " allows the " + action + " action";
  std::string on = request.resource == "*" ? "" : "on resource: " + request.resource + " ";
  std::string message = "User: " + arn + " is not authorized to perform: " + action + " " + on + why;
  if (service == "ec2") message = "You are not authorized to perform this operation. " + message;
  return ApiError{denial_code(service), message};
}

}  // namespace stratus::iam
