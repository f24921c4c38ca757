#include "services/iam/authorizer.h"

#include <set>

#include "common/ascii_case.h"
#include "common/timestamp.h"
#include "services/iam/entities.h"
#include "services/iam/instance_profiles.h"
#include "services/iam/managed_policies.h"
#include "services/iam/sessions.h"

namespace stratus::iam {
namespace {

const char* const kInvalidToken = "The security token included in the request is invalid";

// The error code a denied call gets, by service.
std::string denial_code(const std::string& service) {
  if (service == "ec2") return "UnauthorizedOperation";
  if (service == "ebs" || service == "ce" || service == "budgets" || service == "ec2-instance-connect") {
    return "AccessDeniedException";
  }
  return "AccessDenied";
}

// A policy that denies everything: what a stored document that no longer parses becomes, so that
// a Deny it held is not lost (fail closed).
const Policy& deny_all() {
  static const Policy policy =
      parse_policy(R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})",
                   PolicyKind::kIdentity)
          .value();
  return policy;
}

// Appends `documents`, parsed as `kind`, to `to`.
void add_parsed(std::vector<Policy>& to, const std::vector<std::string>& documents,
                PolicyKind kind = PolicyKind::kIdentity) {
  for (const std::string& document : documents) {
    auto parsed = parse_policy(document, kind);
    to.push_back(parsed.ok() ? std::move(parsed.value()) : deny_all());
  }
}

// Sets aws:PrincipalTag/KEY for each of `tags` (later ones replace earlier ones of the same key).
void add_principal_tags(ContextKeys& keys, const json& tags) {
  for (const json& tag : tags) keys["aws:principaltag/" + ascii_lower(tag.value("Key", ""))] = {tag.value("Value", "")};
}

// Pointers to each of `policies`.
std::vector<const Policy*> pointers(const std::vector<Policy>& policies) {
  std::vector<const Policy*> out;
  for (const Policy& policy : policies) out.push_back(&policy);
  return out;
}

// The keys an AssumeRole request brings to its trust policy's conditions.
void add_assume_role_keys(ContextKeys& keys, const json& request) {
  keys["sts:rolesessionname"] = {str(request, "RoleSessionName")};
  if (request.contains("ExternalId")) keys["sts:externalid"] = {str(request, "ExternalId")};
  if (request.contains("SourceIdentity")) keys["sts:sourceidentity"] = {str(request, "SourceIdentity")};
  std::vector<std::string> tag_keys;
  for (const json& tag : request.value("Tags", json::array())) {
    keys["aws:requesttag/" + ascii_lower(tag.value("Key", ""))] = {tag.value("Value", "")};
    tag_keys.push_back(tag.value("Key", ""));
  }
  if (!tag_keys.empty()) keys["aws:tagkeys"] = tag_keys;
}

// The most decisions one principal keeps cached; past it the cache starts again.
constexpr size_t kMaxCachedDecisions = 4096;

// The key a decision is cached under: the action, the resource (and whether it stands for
// unknown ones), and the value of every key in `referenced` as the request would hold it (the
// resource's keys over the call's over the principal's).
std::string decision_key(const AuthRequest& request, const RequestResource& resource, const ContextKeys& call_keys,
                         const std::vector<std::string>& referenced) {
  std::string key = request.action + '\n' + resource.arn + (request.resource_unresolved ? "\n?" : "\n");
  for (const std::string& name : referenced) {
    key += '\n';
    auto own = resource.keys.find(name);
    const std::vector<std::string>* values =
        own != resource.keys.end() ? &own->second : ContextView(call_keys, request.principal_keys).find(name);
    if (values == nullptr) {
      key += '\x01';  // absent, which Null and IfExists tell from empty
      continue;
    }
    for (const std::string& value : *values) key += value + '\x02';
  }
  return key;
}

// `now` as aws:CurrentTime shows it, formatted once per second per thread.
const std::string& current_time(int64_t now) {
  thread_local int64_t formatted_at = -1;
  thread_local std::string text;
  if (now != formatted_at) {
    text = format_iso8601(now);
    formatted_at = now;
  }
  return text;
}

// AWS's answer to a call `evaluation` refused: "User: ARN is not authorized to perform: ACTION
// [on resource: ARN] because no identity-based policy allows the ACTION action" and the like.
// `encoded`: the encoded authorization failure message to append, or "".
ApiError denial(const std::string& service, const AuthRequest& request, const Evaluation& evaluation,
                const std::string& encoded) {
  std::string kind = request.action == "sts:AssumeRole" && evaluation.deciding == PolicyRole::kResource
                         ? "role trust policy"
                         : policy_role_name(evaluation.deciding);
  std::string article = kind[0] == 'i' ? "an " : "a ";
  std::string why = evaluation.decision == Decision::kExplicitDeny
                        ? "with an explicit deny in " + article + kind
                        : "because no " + kind + " allows the " + request.action + " action";
  std::string on = request.resource == "*" ? "" : "on resource: " + request.resource + " ";
  std::string message =
      "User: " + request.caller.arn + " is not authorized to perform: " + request.action + " " + on + why;
  if (service == "ec2") message = "You are not authorized to perform this operation. " + message;
  if (!encoded.empty()) message += ". Encoded authorization failure message: " + encoded;
  return ApiError{denial_code(service), message};
}

// The context keys every request of `call` brings, whoever makes it.
ContextKeys request_context(const api::ServiceCall& call, int64_t now) {
  ContextKeys keys;
  keys["aws:currenttime"] = {current_time(now)};
  keys["aws:epochtime"] = {std::to_string(now)};
  keys["aws:securetransport"] = {"false"};  // stratus serves plain HTTP
  keys["aws:requestedregion"] = {call.region};
  if (!call.source_ip.empty()) keys["aws:sourceip"] = {call.source_ip};
  if (!call.source_vpc.empty()) keys["aws:sourcevpc"] = {call.source_vpc};
  return keys;
}

// Actions the account's root may always take on a bucket, whatever its policy denies: so that a
// policy that locks everyone out can be mended.
bool root_may_always(const std::string& action) {
  return action == "s3:GetBucketPolicy" || action == "s3:PutBucketPolicy" || action == "s3:DeleteBucketPolicy";
}

}  // namespace

std::optional<ApiError> Authorizer::authorize_by_resources(const api::ServiceCall& call, const std::string& service) {
  bool anonymous = call.principal.anonymous;
  if (!anonymous && service != "s3") return std::nullopt;  // only S3's resources have policies of their own
  std::vector<RequestResource> resources;
  if (auto resolver = resolvers_.find(service); resolver != resolvers_.end()) resources = resolver->second(call);
  if (anonymous && resources.empty()) return ApiError{denial_code(service), "Access Denied"};
  AuthRequest request;
  request.caller = anonymous ? Caller{"", "*", "", ""} : Caller{call.account_id, "arn:aws:iam::" + call.account_id + ":root", "", ""};
  const ContextKeys common = request_context(call, unix_now());
  for (const RequestResource& resource : resources) {
    request.action = resource.action.empty() ? service + ":" + call.action : resource.action;
    if (resource.policy.empty()) {
      if (anonymous) return ApiError{denial_code(service), "Access Denied"};
      continue;
    }
    if (!anonymous && root_may_always(request.action)) continue;
    std::vector<Policy> own;
    add_parsed(own, {resource.policy}, PolicyKind::kResource);
    PolicySet set;
    set.resource = pointers(own);
    request.resource = resource.arn;
    request.context = common;
    for (const auto& [name, values] : resource.keys) request.context[name] = values;
    Evaluation evaluation = evaluate(request, set);
    // The root needs no allowing, only no Deny; anyone else needs the policy's grant.
    if (anonymous && evaluation.decision != Decision::kAllowed) return ApiError{denial_code(service), "Access Denied"};
    if (evaluation.decision == Decision::kExplicitDeny) return denial(service, request, evaluation, "");
  }
  return std::nullopt;
}

void Authorizer::invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
  ++generation_;
}

std::shared_ptr<Authorizer::Compiled> Authorizer::compile(Call& call, const api::Principal& principal) {
  auto out = std::make_shared<Compiled>();
  const std::string& account = call.account();
  model::IamEntity holder;  // the user, or the session's role: whose policies apply
  if (principal.role == model::kInstanceIdentityRole) {  // an instance's identity: allowed nothing
    auto session = find_session(call, principal.access_key_id);
    if (!session) return nullptr;
    out->caller = {account, model::assumed_role_arn(*session), "", ""};
    out->keys = {{"aws:userid", {session->role_id + ":" + session->session_name}},
                 {"aws:principaltype", {"AssumedRole"}},
                 {"aws:principalaccount", {account}}};
    return out;
  }
  if (!principal.role.empty()) {
    auto session = find_session(call, principal.access_key_id);
    if (!session) return nullptr;
    auto role = find_entity(call, model::IamKind::kRole, session->role);
    if (!role || role->id != session->role_id) return nullptr;  // the role is gone (a new one of its name is not it)
    holder = *role;
    out->caller = {account, model::assumed_role_arn(*session), model::entity_arn(*role), ""};
    out->keys = {{"aws:userid", {role->id + ":" + session->session_name}},
                 {"aws:principalarn", {model::entity_arn(*role)}},
                 {"aws:principaltype", {"AssumedRole"}}};
    add_principal_tags(out->keys, role->tags);
    add_principal_tags(out->keys, session->tags);
    if (!session->policies.empty()) add_parsed(out->session.emplace(), session->policies);
  } else {
    auto user = find_entity(call, model::IamKind::kUser, principal.user);
    if (!user) return nullptr;
    holder = *user;
    out->caller = {account, model::entity_arn(*user), "", ""};
    out->keys = {{"aws:username", {user->name}},
                 {"aws:userid", {user->id}},
                 {"aws:principalarn", {model::entity_arn(*user)}},
                 {"aws:principaltype", {"User"}}};
    add_principal_tags(out->keys, user->tags);
  }
  out->keys["aws:principalaccount"] = {account};
  add_parsed(out->identity, identity_documents(call, holder));
  if (!holder.boundary.empty()) {
    auto& boundary = out->boundary.emplace();
    if (auto policy = find_policy(call, holder.boundary)) add_parsed(boundary, {default_document(*policy)});
  }
  out->set.identity = pointers(out->identity);
  if (out->boundary) out->set.boundary = pointers(*out->boundary);
  if (out->session) out->set.session = pointers(*out->session);
  std::set<std::string> referenced;
  for (const auto* policies : {&out->identity, out->boundary ? &*out->boundary : nullptr,
                               out->session ? &*out->session : nullptr}) {
    if (policies == nullptr) continue;
    for (const Policy& policy : *policies) add_referenced_keys(policy, referenced);
  }
  out->referenced.assign(referenced.begin(), referenced.end());
  return out;
}

std::shared_ptr<const Authorizer::Compiled> Authorizer::compiled(const std::string& account,
                                                                 const api::Principal& principal) {
  std::string key = principal.role.empty() ? "user:" + account + ":" + principal.user
                                           : "session:" + principal.access_key_id;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    generation = generation_;
  }
  auto txn = store_.begin_read();
  Call call{internal_requester(account), unix_now(), *txn, aws_, nullptr, {}};
  std::shared_ptr<const Compiled> out = compile(call, principal);
  if (!out) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  if (generation_ == generation) cache_[key] = out;  // unless IAM changed while it was read
  return out;
}

std::string Authorizer::iam_resource(const api::ServiceCall& call, const std::string& self) {
  const json& request = call.request;
  const std::string prefix = "arn:aws:iam::" + call.account_id + ":";
  auto txn = store_.begin_read();
  Call c{internal_requester(call.account_id), unix_now(), *txn, aws_, nullptr, {}};
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
  static const std::set<std::string> kSelf = {"GetUser",           "CreateAccessKey",    "ListAccessKeys",
                                              "UpdateAccessKey",   "DeleteAccessKey",    "CreateLoginProfile",
                                              "GetLoginProfile",   "UpdateLoginProfile", "DeleteLoginProfile"};
  if (kSelf.count(call.action)) return self;
  return "*";
}

void Authorizer::set_resource_resolver(const std::string& service, ResourceResolver resolver) {
  resolvers_[service] = std::move(resolver);
}

std::pair<std::string, std::string> Authorizer::passed_role(const api::ServiceCall& call, const std::string& service) {
  // Budget actions and fault experiments name the role the service will act as.
  if (service == "budgets" && (call.action == "CreateBudgetAction" || call.action == "UpdateBudgetAction") &&
      call.request.contains("ExecutionRoleArn")) {
    return {call.request.value("ExecutionRoleArn", ""), "budgets.amazonaws.com"};
  }
  if (service == "fis" && call.action == "CreateExperimentTemplate") {
    return {call.request.value("roleArn", ""), "fis.amazonaws.com"};
  }
  if (service != "ec2" || !call.request.contains("IamInstanceProfile")) return {"", ""};
  return {profile_role(call), "ec2.amazonaws.com"};
}

std::string Authorizer::profile_role(const api::ServiceCall& call) {
  auto txn = store_.begin_read();
  auto profile = profile_by_specification(*txn, call.account_id, call.request["IamInstanceProfile"]);
  if (!profile || profile->roles.empty()) return "";
  Call c{internal_requester(call.account_id), unix_now(), *txn, aws_, nullptr, {}};
  auto role = find_entity(c, model::IamKind::kRole, profile->roles.front());
  return role ? model::entity_arn(*role) : "";
}

std::optional<ApiError> Authorizer::authorize(const api::ServiceCall& call, const std::string& service) {
  const api::Principal& who = call.principal;
  if (who.temporary && who.role.empty()) {  // a session from GetSessionToken
    if (service == "iam") return ApiError{"InvalidClientTokenId", kInvalidToken};
    if (service == "sts" && call.action != "AssumeRole" && call.action != "GetCallerIdentity") {
      return ApiError{"AccessDenied", "Cannot call " + call.action + " with session credentials"};
    }
  }
  if (who.anonymous || (who.user.empty() && who.role.empty())) return authorize_by_resources(call, service);
  std::string action = service + ":" + call.action;
  if (action == "sts:GetCallerIdentity") return std::nullopt;  // needs no permission, as on AWS
  auto principal = compiled(call.account_id, who);
  if (!principal) return ApiError{"InvalidClientTokenId", std::string(kInvalidToken) + "."};
  int64_t now = unix_now();
  AuthRequest request;
  request.caller = principal->caller;
  request.action = action;
  request.principal_keys = &principal->keys;
  request.context = request_context(call, now);
  // The principal's policies, as compiled; sts:AssumeRole adds the role's trust policy to a copy.
  const PolicySet* policies = &principal->set;
  PolicySet with_trust;
  std::vector<Policy> trust;
  std::vector<RequestResource> resources;
  if (service == "iam") {
    resources.push_back({iam_resource(call, principal->caller.arn), {}, "", ""});
  } else if (action == "sts:AssumeRole") {
    resources.push_back({str(call.request, "RoleArn"), {}, "", ""});
    auto txn = store_.begin_read();
    Call c{internal_requester(call.account_id), now, *txn, aws_, nullptr, {}};
    if (auto role = role_by_arn(c, resources[0].arn)) add_parsed(trust, {role->trust_policy}, PolicyKind::kTrust);
    with_trust = principal->set;
    with_trust.resource = pointers(trust);
    with_trust.resource_must_allow = true;
    policies = &with_trust;
    add_assume_role_keys(resources[0].keys, call.request);
  } else if (auto resolver = resolvers_.find(service); resolver != resolvers_.end()) {
    resources = resolver->second(call);
  }
  // A call whose resources are not known is authorized against "*", under which a Deny naming any
  // resource applies (fail closed).
  request.resource_unresolved = resources.empty();
  if (resources.empty()) resources.push_back({"*", {}, "", ""});
  // Every resource must be allowed; the first that is not decides the answer. Allowed decisions
  // are cached (not with a resource policy, which is not the principal's).
  const ContextKeys common = std::move(request.context);
  Evaluation evaluation;
  evaluation.decision = Decision::kAllowed;  // a call whose every decision is cached
  const PolicySet& set = *policies;
  std::vector<Policy> own_policy;  // a resource's own policy (a bucket policy), parsed
  PolicySet with_own_policy;       // the principal's policies and that one
  for (const RequestResource& resource : resources) {
    request.action = resource.action.empty() ? action : resource.action;
    const PolicySet* applied = &set;
    if (!resource.policy.empty()) {
      own_policy.clear();
      add_parsed(own_policy, {resource.policy}, PolicyKind::kResource);
      with_own_policy = set;
      with_own_policy.resource = pointers(own_policy);
      applied = &with_own_policy;
    }
    std::string key = applied->resource.empty() ? decision_key(request, resource, common, principal->referenced) : "";
    if (!key.empty()) {
      std::lock_guard<std::mutex> lock(principal->mu);
      if (principal->allowed.count(key)) continue;
    }
    request.resource = resource.arn;
    request.context = common;
    for (const auto& [name, values] : resource.keys) request.context[name] = values;
    evaluation = evaluate(request, *applied);
    if (evaluation.decision != Decision::kAllowed) break;
    if (!key.empty()) {
      std::lock_guard<std::mutex> lock(principal->mu);
      if (principal->allowed.size() >= kMaxCachedDecisions) principal->allowed.clear();
      principal->allowed.insert(std::move(key));
    }
  }
  if (evaluation.decision == Decision::kAllowed && action == "sts:AssumeRole" && call.request.contains("Tags")) {
    request.action = "sts:TagSession";  // session tags need their own permission, from both sides
    evaluation = evaluate(request, set);
  }
  if (evaluation.decision == Decision::kAllowed) {
    auto [role, to_service] = passed_role(call, service);
    if (!role.empty()) {  // the caller hands a role to a service: it must be allowed to pass it
      request.action = "iam:PassRole";
      request.resource = role;
      request.resource_unresolved = false;
      request.context = common;
      request.context["iam:passedtoservice"] = {to_service};
      evaluation = evaluate(request, set);
    }
  }
  if (evaluation.decision == Decision::kAllowed) return std::nullopt;
  // A user needs no permission for its own session credentials; only an explicit deny stops it.
  if (action == "sts:GetSessionToken" && evaluation.decision == Decision::kImplicitDeny) return std::nullopt;
  std::string encoded;
  if (service == "ec2" && call.action.rfind("Describe", 0) != 0) {
    encoded = messages_.encode(decoded_denial(request, set, evaluation));
  }
  return denial(service, request, evaluation, encoded);
}

}  // namespace stratus::iam
