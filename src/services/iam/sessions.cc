#include "services/iam/sessions.h"

#include <atomic>

#include "common/timestamp.h"
#include "services/iam/access_keys.h"
#include "services/iam/authorization_messages.h"

namespace stratus::iam {
namespace {

using model::Session;

// Role chaining (a role session assuming a role) is held to one hour, whatever the role allows.
constexpr int64_t kChainedMaxSeconds = 3600;
// GetSessionToken: the default, and the most the root's sessions may last.
constexpr int64_t kUserSessionDefaultSeconds = 43200;
constexpr int64_t kRootSessionMaxSeconds = 3600;
// The space session policies and tags may take together, in characters (AWS packs them into a
// binary form and reports the share used as PackedPolicySize; this counts their text).
constexpr size_t kPackedPolicyLimit = 2048;
// Expired sessions are kept a day (a client's clock may lag) and swept at most every ten minutes.
constexpr int64_t kSessionKeepSeconds = 86400;
constexpr int64_t kSweepIntervalSeconds = 600;
std::atomic<int64_t> next_sweep{0};

// Removes sessions that expired more than kSessionKeepSeconds before `call.now`, at most once per
// kSweepIntervalSeconds per process.
void sweep_expired(Call& call) {
  int64_t due = next_sweep.load();
  if (call.now < due || !next_sweep.compare_exchange_strong(due, call.now + kSweepIntervalSeconds)) return;
  for (const store::Record& record : call.txn.list(model::kSessionKind, std::string())) {
    if (record.doc.value("Expiration", int64_t{0}) + kSessionKeepSeconds < call.now) {
      call.txn.erase(record.id);
      call.changed_keys.push_back(record.id);
    }
  }
}

// A new session of the caller's account, lasting `duration` seconds, stored.
Session new_session(Call& call, int64_t duration) {
  sweep_expired(call);
  Session session;
  session.access_key_id = new_access_key_id("ASIA");
  session.secret_access_key = new_secret_access_key();
  session.token = new_session_token();
  session.account = call.account();
  session.issued = call.now;
  session.expiration = call.now + duration;
  return session;
}

// Stores `session`.
void save_session(Call& call, const Session& session) {
  call.txn.put({session.access_key_id, model::kSessionKind, "", model::session_doc(session)});
}

// The Credentials member of an answer.
json credentials_of(const Session& session) {
  return {{"AccessKeyId", session.access_key_id},
          {"SecretAccessKey", session.secret_access_key},
          {"SessionToken", session.token},
          {"Expiration", format_iso8601(session.expiration)}};
}

// The session policies of an AssumeRole request: its Policy and the documents of its PolicyArns.
std::vector<std::string> session_policies(Call& call, const json& request) {
  std::vector<std::string> documents;
  if (request.contains("Policy")) {
    std::string document = str(request, "Policy");
    require_document(document, PolicyKind::kIdentity);
    documents.push_back(document);
  }
  for (const json& reference : request.value("PolicyArns", json::array())) {
    std::string arn = reference.value("arn", "");
    auto policy = find_policy(call, arn);
    if (!policy) fail("InvalidParameterValue", "The policy " + arn + " does not exist or is not attachable.");
    for (const model::PolicyVersion& version : policy->versions) {
      if (version.id == policy->default_version) documents.push_back(version.document);
    }
  }
  return documents;
}

// The share of the packed-policy space the session's policies and tags take, in percent;
// PackedPolicyTooLarge when over 100.
int packed_policy_size(const std::vector<std::string>& policies, const json& tags) {
  size_t used = 0;
  for (const std::string& document : policies) used += document_size(document);
  for (const json& tag : tags) used += tag.value("Key", "").size() + tag.value("Value", "").size();
  int percent = static_cast<int>((used * 100 + kPackedPolicyLimit - 1) / kPackedPolicyLimit);
  if (percent > 100) {
    fail("PackedPolicyTooLarge",
         "Packed policy consumes " + std::to_string(percent) + "% of allotted space, please use smaller policy.");
  }
  return percent;
}

json assume_role(Call& call, const json& request) {
  // The root never assumes a role (the authorizer lets the root's calls through, so it is said here).
  if (call.caller.user.empty() && call.caller.role.empty()) {
    fail("AccessDenied", "Roles may not be assumed by root accounts.");
  }
  std::string arn = str(request, "RoleArn");
  auto role = role_by_arn(call, arn);
  if (!role) fail("AccessDenied", "Not authorized to perform sts:AssumeRole on resource: " + arn);
  RoleSessionRequest session;
  session.session_name = str(request, "RoleSessionName");
  session.duration = request.value("DurationSeconds", int64_t{3600});
  session.role_chained = !call.caller.role.empty();
  if (session.role_chained && session.duration > kChainedMaxSeconds) {
    fail("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
                            "chaining.");
  }
  if (session.duration > role->max_session_duration) {
    fail("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  session.policies = session_policies(call, request);
  if (request.contains("Tags")) session.tags = tags_of(request);
  Session issued = issue_role_session(call, *role, session);
  json result = {{"Credentials", credentials_of(issued)},
                 {"AssumedRoleUser", {{"AssumedRoleId", role->id + ":" + issued.session_name},
                                      {"Arn", model::assumed_role_arn(issued)}}}};
  if (!session.policies.empty() || !session.tags.empty()) {
    result["PackedPolicySize"] = packed_policy_size(session.policies, session.tags);
  }
  if (request.contains("SourceIdentity")) result["SourceIdentity"] = str(request, "SourceIdentity");
  return result;
}

json get_session_token(Call& call, const json& request) {
  if (call.caller.temporary) fail("AccessDenied", "Cannot call GetSessionToken with session credentials");
  int64_t duration = request.value("DurationSeconds", kUserSessionDefaultSeconds);
  if (call.caller.user.empty()) duration = std::min(duration, kRootSessionMaxSeconds);
  Session session = new_session(call, duration);
  session.user = call.caller.user;
  save_session(call, session);
  return {{"Credentials", credentials_of(session)}};
}

json get_caller_identity(Call& call, const json&) {
  const std::string& account = call.account();
  if (!call.caller.role.empty()) {
    auto session = find_session(call, call.caller.access_key_id);
    if (!session) fail("InvalidClientTokenId", "The security token included in the request is invalid.");
    return {{"UserId", session->role_id + ":" + session->session_name},
            {"Account", account},
            {"Arn", model::assumed_role_arn(*session)}};
  }
  if (call.caller.user.empty()) {
    return {{"UserId", account}, {"Account", account}, {"Arn", "arn:aws:iam::" + account + ":root"}};
  }
  auto user = find_entity(call, model::IamKind::kUser, call.caller.user);
  if (!user) fail("InvalidClientTokenId", "The security token included in the request is invalid.");
  return {{"UserId", user->id}, {"Account", account}, {"Arn", model::entity_arn(*user)}};
}

}  // namespace

Session issue_role_session(Call& call, const model::IamEntity& role, const RoleSessionRequest& request) {
  Session session = new_session(call, request.duration);
  session.role = role.name;
  session.role_id = role.id;
  session.session_name = request.session_name;
  session.policies = request.policies;
  session.tags = request.tags;
  session.instance_id = request.instance_id;
  session.role_chained = request.role_chained;
  save_session(call, session);
  return session;
}

std::optional<Session> find_session(Call& call, const std::string& access_key_id) {
  auto record = call.txn.get(access_key_id);
  if (!record || record->kind != model::kSessionKind) return std::nullopt;
  return model::session_from_doc(record->doc);
}

void revoke_instance_sessions(store::Transaction& txn, const std::string& instance_id, bool ended) {
  for (const store::Record& record : txn.find(model::kSessionKind, "", "InstanceId", instance_id)) {
    if (ended || record.doc.value("RoleName", "") != model::kInstanceIdentityRole) txn.erase(record.id);
  }
}

std::optional<model::IamEntity> role_by_arn(Call& call, const std::string& arn) {
  const std::string prefix = "arn:aws:iam::" + call.account() + ":role/";
  if (arn.rfind(prefix, 0) != 0) return std::nullopt;
  std::string name = arn.substr(arn.rfind('/') + 1);
  auto role = find_entity(call, model::IamKind::kRole, name);
  if (!role || model::entity_arn(*role) != arn) return std::nullopt;
  return role;
}

void add_sts_actions(ActionTable& table, const AuthorizationMessages& messages) {
  table["DecodeAuthorizationMessage"] = {[&messages](Call&, const json& request) -> json {
                                           auto decoded = messages.decode(str(request, "EncodedMessage"));
                                           if (!decoded) {
                                             fail("InvalidAuthorizationMessageException",
                                                  "The message is not a valid encoded authorization message.");
                                           }
                                           return {{"DecodedMessage", *decoded}};
                                         },
                                         false};
  table["AssumeRole"] = {assume_role, true};
  table["GetSessionToken"] = {get_session_token, true};
  table["GetCallerIdentity"] = {get_caller_identity, false};
}

}  // namespace stratus::iam
