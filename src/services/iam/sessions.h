#pragma once
// STS: temporary credentials, and the decoding of authorization failure messages. AssumeRole (the role's trust policy is checked by the authorizer
// before the action runs), GetSessionToken, GetCallerIdentity, and the role sessions EC2
// instances get for their instance profile's role. A session is a store record under its
// access key id (model::Session); the API layer honours it until it expires.

#include <optional>

#include "services/iam/iam_call.h"

namespace stratus::iam {

// What a role session is made with.
struct RoleSessionRequest {
  std::string session_name;
  int64_t duration = 3600;            // seconds from call.now
  std::vector<std::string> policies;  // session policies (documents)
  json tags = json::array();          // session tags [{Key, Value}]
  std::string instance_id;            // the instance the session is for, or ""
  bool role_chained = false;
};

// Stores and returns a new session of `role` as `request` says, and every so often removes
// sessions that expired more than a day ago.
model::Session issue_role_session(Call& call, const model::IamEntity& role, const RoleSessionRequest& request);

// The session whose access key is `access_key_id`, or nullopt.
std::optional<model::Session> find_session(Call& call, const std::string& access_key_id);

// Removes the sessions issued for instance `instance_id`'s role (its profile was removed or
// replaced), and its identity credentials too when `ended` (it is terminating). The API layer
// reads such sessions afresh for every request, so they stop working once `txn` commits.
void revoke_instance_sessions(store::Transaction& txn, const std::string& instance_id, bool ended);

// The role named by `arn` (arn:aws:iam::ACCOUNT:role/PATH/NAME) in the caller's account, or
// nullopt when the ARN is not such or names no role of the account (or names it with another path).
std::optional<model::IamEntity> role_by_arn(Call& call, const std::string& arn);

class AuthorizationMessages;

// Adds the STS actions to `table`; DecodeAuthorizationMessage reads what `messages` encoded.
void add_sts_actions(ActionTable& table, const AuthorizationMessages& messages);

}  // namespace stratus::iam
