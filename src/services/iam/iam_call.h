#pragma once
// What every IAM action handler receives, the errors it throws, and the look-ups and checks the
// actions share: entities by name, managed policies by ARN (the account's own and AWS's),
// policy documents, tags, and Marker/MaxItems paging.

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "iam/policy.h"
#include "model/iam.h"
#include "services/iam/key_registry.h"
#include "store/store.h"

namespace stratus::iam {

using nlohmann::json;

// Thrown inside the service to abort a call with an AWS error; the call's changes are undone.
struct ServiceError {
  ApiError error;
};

// Aborts the current call with `code` and `message`.
[[noreturn]] void fail(const std::string& code, const std::string& message);

// The AWS managed policies (account "aws"), parsed once from their embedded data.
class AwsPolicies {
 public:
  // Parses data/aws_managed_policies.json's text. Throws std::runtime_error when it is not such.
  explicit AwsPolicies(std::string_view text);
  // The policy with ARN `arn` (arn:aws:iam::aws:policy/PATHNAME), or null.
  const model::ManagedPolicy* find(const std::string& arn) const;
  // Every one, by name.
  const std::vector<model::ManagedPolicy>& all() const { return policies_; }

 private:
  std::vector<model::ManagedPolicy> policies_;
};

// Who calls: the account's root, one of its users, or a session (temporary credentials) of one
// of those or of a role.
struct Requester {
  std::string account;
  std::string user;           // the user's name; "" for the root and role sessions
  std::string role;           // a role session: its role's name; else ""
  std::string access_key_id;  // the key that signed ("" outside a request)
  bool temporary = false;     // signed with a session's key
};

// The requester of look-ups stratus makes itself in `account` (authorizing, serving instance
// credentials): no user, role or key.
inline Requester internal_requester(const std::string& account) { return {account, "", "", "", false}; }

// The environment of one IAM call.
struct Call {
  Requester caller;
  int64_t now = 0;          // Unix seconds at the start of the call
  store::Transaction& txn;  // read-only for non-mutating actions
  const AwsPolicies& aws;
  KeyRegistry* keys = nullptr;            // null in tests without an API layer
  std::vector<std::string> changed_keys;  // access keys this call changed (forgotten once it commits)
  const std::string& account() const { return caller.account; }
};

// Handles one action: the typed request in, the typed result out. Throws ServiceError.
using ActionHandler = std::function<json(Call&, const json& request)>;

// How an action runs.
struct ActionEntry {
  ActionHandler handler;
  bool mutating = false;
};

// Action name -> entry.
using ActionTable = std::map<std::string, ActionEntry, std::less<>>;

// The string member `name` of `request`, or `fallback` when absent.
std::string str(const json& request, const char* name, const std::string& fallback = "");

// A new unique id: `prefix` ("AIDA", "AROA", ...) and 17 characters of A-Z and 2-7.
std::string new_unique_id(const char* prefix);

// The call's time, ISO 8601.
std::string now_iso(const Call& call);

// How IAM names a kind in messages ("user") and requests ("UserName").
struct KindNames {
  model::IamKind kind;
  const char* noun;         // "user", "group", "role"
  const char* title;        // "User", "Group", "Role"
  const char* name_member;  // "UserName", "GroupName", "RoleName"
  const char* id_prefix;    // "AIDA", "AGPA", "AROA"
};
const KindNames& names_of(model::IamKind kind);

// The entity of `kind` named `name` in the caller's account, or nullopt.
std::optional<model::IamEntity> find_entity(Call& call, model::IamKind kind, const std::string& name);
// The same, or NoSuchEntity ("The user with name X cannot be found.").
model::IamEntity require_entity(Call& call, model::IamKind kind, const std::string& name);
// Every entity of `kind` in the caller's account whose path starts with `path_prefix`, by name.
std::vector<model::IamEntity> list_entities(Call& call, model::IamKind kind, const std::string& path_prefix = "/");
// Writes `entity` (under its current name).
void save_entity(Call& call, const model::IamEntity& entity);
// Removes the entity of `kind` named `name`.
void erase_entity(Call& call, model::IamKind kind, const std::string& name);

// The managed policy `arn` (the account's own or AWS's), or nullopt.
std::optional<model::ManagedPolicy> find_policy(Call& call, const std::string& arn);
// Writes a customer managed policy.
void save_policy(Call& call, const model::ManagedPolicy& policy);

// The instance profile named `name` in the caller's account, or nullopt.
std::optional<model::InstanceProfile> find_instance_profile(Call& call, const std::string& name);

// `document` checked as a policy of `kind`: MalformedPolicyDocument when it is not one.
iam::Policy require_document(const std::string& document, PolicyKind kind);
// The size IAM counts for a document: its characters apart from white space.
size_t document_size(const std::string& document);
// `document` as IAM answers policy documents: URL-encoded (clients decode it).
std::string encoded_document(const std::string& document);

// The tags of a Create*/Tag* request, checked: at most 50, no key twice (InvalidInput).
json tags_of(const json& request);
// `tags` with `added` merged in (a key given again replaces its value), at most 50 (LimitExceeded).
json merge_tags(const json& tags, const json& added);
// `tags` without the keys listed in `request`'s TagKeys.
json remove_tags(const json& tags, const json& request);

// One page of `items` as Marker/MaxItems ask (MaxItems 1..1000, default 100): {member: [...],
// IsTruncated, Marker when truncated}. The marker is opaque (an index).
json page(std::vector<json> items, const json& request, const char* member);

}  // namespace stratus::iam
