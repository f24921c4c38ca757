#include "services/iam/instance_credentials.h"

#include <cctype>

#include "common/digest.h"
#include "common/timestamp.h"
#include "model/instance.h"
#include "services/iam/instance_profiles.h"
#include "services/iam/sessions.h"

namespace stratus::iam {
namespace {

// How long an instance's credentials last, and how long before expiry they are replaced.
constexpr int64_t kLifetimeSeconds = 6 * 3600;
constexpr int64_t kRenewBeforeSeconds = 3600;

// The credentials of `session` as IMDS serves them.
imds::ServedCredentials served(const model::Session& session) {
  return {session.access_key_id, session.secret_access_key, session.token, format_iso8601_seconds(session.issued),
          format_iso8601_seconds(session.expiration)};
}

// The session of `role` issued for `instance_id` with the most time left, if it has more than
// kRenewBeforeSeconds left at `now`.
std::optional<model::Session> current_session(store::Transaction& txn, const std::string& instance_id,
                                              const model::IamEntity& role, int64_t now) {
  std::optional<model::Session> best;
  for (const store::Record& record : txn.find(model::kSessionKind, "", "InstanceId", instance_id)) {
    model::Session session = model::session_from_doc(record.doc);
    if (session.role != role.name || session.role_id != role.id || session.expiration - now <= kRenewBeforeSeconds) {
      continue;
    }
    if (!best || session.expiration > best->expiration) best = std::move(session);
  }
  return best;
}

}  // namespace

std::optional<imds::IamMetadata> InstanceCredentials::lookup(const std::string& account, const std::string& instance_id,
                                                             const nlohmann::json& profile,
                                                             const std::string& associated_at, int64_t now) {
  const std::string arn = profile.value("Arn", "");
  imds::IamMetadata out{arn, profile.value("Id", ""), "", {}};
  out.credentials.issued = format_iso8601_seconds(parse_iso8601(associated_at).value_or(now));
  std::optional<model::IamEntity> role;
  {
    auto txn = store_.begin_read();
    Call call{internal_requester(account), now, *txn, aws_, nullptr, {}};
    auto found = profile_by_specification(*txn, account, {{"Arn", arn}});
    if (!found || found->id != out.profile_id) return std::nullopt;
    if (found->roles.empty()) return out;
    role = find_entity(call, model::IamKind::kRole, found->roles.front());
    if (!role) return out;
    out.role = role->name;
    if (auto session = current_session(*txn, instance_id, *role, now)) {
      out.credentials = served(*session);
      return out;
    }
  }
  auto txn = store_.begin_write();
  // Issued only while the instance still holds the profile (a disassociation may have just committed).
  auto instance = txn->get(instance_id);
  if (!instance || model::instance_from_doc(instance->doc).api.value("IamInstanceProfile", nlohmann::json()) != profile) {
    return std::nullopt;
  }
  Call call{internal_requester(account), now, *txn, aws_, nullptr, {}};
  model::Session session =
      issue_role_session(call, *role, {instance_id, kLifetimeSeconds, {}, nlohmann::json::array(), instance_id, false});
  txn->commit();
  out.credentials = served(session);
  return out;
}

std::optional<imds::ServedCredentials> InstanceCredentials::identity(const std::string& account,
                                                                     const std::string& instance_id, int64_t now) {
  model::IamEntity identity_role;
  identity_role.kind = model::IamKind::kRole;
  identity_role.name = model::kInstanceIdentityRole;
  // One id per account, as a role has (session user ids are ROLEID:SESSION).
  identity_role.id = "AROA" + to_hex(sha256(std::string(model::kInstanceIdentityRole) + account)).substr(0, 17);
  for (char& c : identity_role.id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  {
    auto txn = store_.begin_read();
    if (auto session = current_session(*txn, instance_id, identity_role, now)) return served(*session);
  }
  auto txn = store_.begin_write();
  if (!txn->get(instance_id)) return std::nullopt;  // terminated and gone meanwhile
  Call call{internal_requester(account), now, *txn, aws_, nullptr, {}};
  model::Session session = issue_role_session(
      call, identity_role, {instance_id, kLifetimeSeconds, {}, nlohmann::json::array(), instance_id, false});
  txn->commit();
  return served(session);
}

}  // namespace stratus::iam
