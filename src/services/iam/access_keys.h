#pragma once
// Access keys of users (and of the root): create (two per user at most), list, activate or
// deactivate (an inactive key is refused when it signs), delete, and when each was last used.
// Keys are "access-key" records keyed by their id, the records the API layer authenticates from.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// A new random access key id: `prefix` ("AKIA" for long-term keys, "ASIA" for temporary
// ones) and 16 characters of A-Z, 2-7.
std::string new_access_key_id(const char* prefix = "AKIA");
// A new random secret access key (40 characters).
std::string new_secret_access_key();
// A new random session token for temporary credentials (356 characters of the secrets' alphabet).
std::string new_session_token();
// The "access-key" record of key `id` with `secret`, active, made at `create_date`, of user
// `user_name` of `account` (its root's when `user_name` is "").
store::Record access_key_record(const std::string& id, const std::string& secret, const std::string& account,
                                const std::string& user_name, const std::string& create_date);

// The ids of the access keys of user `user_name` in the caller's account.
std::vector<std::string> keys_of_user(Call& call, const std::string& user_name);

// Moves the access keys of user `old_name` to `new_name` (the user was renamed).
void rename_key_owner(Call& call, const std::string& old_name, const std::string& new_name);

// Adds CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey and
// GetAccessKeyLastUsed to `table`.
void add_access_key_actions(ActionTable& table);

}  // namespace stratus::iam
