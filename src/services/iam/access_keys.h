#pragma once
// Access keys of users (and of the root): create (two per user at most), list, activate or
// deactivate (an inactive key is refused when it signs), delete, and when each was last used.
// Keys are "access-key" records keyed by their id, the records the API layer authenticates from.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// The ids of the access keys of user `user_name` in the caller's account.
std::vector<std::string> keys_of_user(Call& call, const std::string& user_name);

// Moves the access keys of user `old_name` to `new_name` (the user was renamed).
void rename_key_owner(Call& call, const std::string& old_name, const std::string& new_name);

// Adds CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey and
// GetAccessKeyLastUsed to `table`.
void add_access_key_actions(ActionTable& table);

}  // namespace stratus::iam
