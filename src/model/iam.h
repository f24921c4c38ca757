#pragma once
// IAM's entities as store records: users, groups and roles (one shape, the parts a kind does
// not use left empty), customer managed policies with their versions, and instance profiles.
// IAM is global: every record lives in region kIamRegion, keyed by kind, account and lower-cased
// name (names are unique per account without regard to case), so a name is one look-up.

#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stratus::model {

// The store region of every IAM record.
inline constexpr const char* kIamRegion = "global";

// The principals IAM keeps.
enum class IamKind { kUser, kGroup, kRole };

// A user, group or role.
// A user's console password (IAM's login profile).
struct LoginProfile {
  std::string password_hash;  // common/password_hash's form; the password itself is never kept
  std::string create_date;    // ISO 8601
  bool reset_required = false;
};

struct IamEntity {
  IamKind kind = IamKind::kUser;
  std::string account;      // 12 digits
  std::string name;         // as created (case kept)
  std::string id;           // AIDA... (user), AGPA... (group), AROA... (role)
  std::string path = "/";   // begins and ends with '/'
  std::string create_date;  // ISO 8601
  nlohmann::json tags = nlohmann::json::array();  // [{Key, Value}] (users and roles)
  std::string boundary;     // the permissions boundary's policy ARN, or "" (users and roles)
  std::map<std::string, std::string> inline_policies;  // name -> document (JSON text as given)
  std::vector<std::string> attached;                   // managed policy ARNs, in the order attached
  std::vector<std::string> groups;                     // a user's groups (their names)
  std::optional<LoginProfile> login_profile;           // a user's console password, if any
  // A role's own parts.
  std::string trust_policy;  // AssumeRolePolicyDocument (JSON text as given)
  std::string description;
  int64_t max_session_duration = 3600;  // seconds
  std::string last_used_date;           // when its credentials were last used, or ""
  std::string last_used_region;
};

// One version of a managed policy.
struct PolicyVersion {
  std::string id;           // "v1", "v2", ... (never reused)
  std::string document;     // JSON text as given
  std::string create_date;  // ISO 8601
};

// A managed policy: the account's own, or AWS's (account "aws", not stored).
struct ManagedPolicy {
  std::string account;  // 12 digits, or "aws"
  std::string name;
  std::string id;       // ANPA...
  std::string path = "/";
  std::string description;
  std::string create_date;
  std::string update_date;          // when the default version last changed
  std::string default_version;      // "v1", ...
  std::vector<PolicyVersion> versions;  // oldest first
  int next_version = 2;                 // the number the next version gets
  nlohmann::json tags = nlohmann::json::array();
};

// An instance profile: the role an instance's credentials are for.
struct InstanceProfile {
  std::string account;
  std::string name;
  std::string id;  // AIPA...
  std::string path = "/";
  std::string create_date;
  std::vector<std::string> roles;  // role names (at most one)
  nlohmann::json tags = nlohmann::json::array();
};

// Temporary credentials: a role session (AssumeRole, or an instance's role) or a user's or the
// root's session (GetSessionToken). Stored under its access key id, region "" like access keys.
struct Session {
  std::string access_key_id;  // "ASIA" + 16
  std::string secret_access_key;
  std::string token;          // the session token requests must carry
  std::string account;
  int64_t issued = 0;         // Unix seconds
  int64_t expiration = 0;     // Unix seconds; refused from then on
  std::string user;           // GetSessionToken: the user ("" for the root or a role session)
  std::string role;           // a role session: the role's name
  std::string role_id;        // AROA...
  std::string session_name;   // a role session's RoleSessionName (an instance's id)
  std::vector<std::string> policies;  // session policies (documents), empty when none were given
  nlohmann::json tags = nlohmann::json::array();  // session tags [{Key, Value}]
  std::string instance_id;    // the instance whose role this session is, or ""
  bool role_chained = false;  // made by a role session assuming a role
};

// The role of instances' identity credentials (IMDS identity-credentials/ec2/): not an IAM
// role of the account, and allowed nothing but to say who the instance is.
inline constexpr const char* kInstanceIdentityRole = "aws:ec2-instance";

// A role session's ARN: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
std::string assumed_role_arn(const Session& session);

// The store kind of each.
std::string iam_kind_name(IamKind kind);  // "iam-user", "iam-group", "iam-role"
inline constexpr const char* kManagedPolicyKind = "iam-policy";
inline constexpr const char* kInstanceProfileKind = "iam-instance-profile";
inline constexpr const char* kSessionKind = "sts-session";

// True when `a` and `b` name the same IAM entity (names are compared without regard to case).
bool same_iam_name(const std::string& a, const std::string& b);

// The record id of the entity, policy or profile named `name` of `kind_name` in `account`.
std::string iam_record_id(const std::string& kind_name, const std::string& account, const std::string& name);

// ARNs: arn:aws:iam::ACCOUNT:user/PATH/NAME and the like.
std::string entity_arn(const IamEntity& entity);
std::string policy_arn(const ManagedPolicy& policy);
std::string instance_profile_arn(const InstanceProfile& profile);

IamEntity iam_entity_from_doc(const nlohmann::json& doc);
nlohmann::json iam_entity_doc(const IamEntity& entity);
ManagedPolicy managed_policy_from_doc(const nlohmann::json& doc);
nlohmann::json managed_policy_doc(const ManagedPolicy& policy);
Session session_from_doc(const nlohmann::json& doc);
nlohmann::json session_doc(const Session& session);
InstanceProfile instance_profile_from_doc(const nlohmann::json& doc);
nlohmann::json instance_profile_doc(const InstanceProfile& profile);

}  // namespace stratus::model
