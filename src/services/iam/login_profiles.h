#pragma once
// Users' console passwords (login profiles): CreateLoginProfile, GetLoginProfile,
// UpdateLoginProfile, DeleteLoginProfile. A password must meet AWS's default password policy (at
// least 8 characters, three of: upper case, lower case, digits, symbols) and is kept only as a
// salted hash; the web console asks for it when a user who has one signs in.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// Adds the four actions above to `table`.
void add_login_profile_actions(ActionTable& table);

}  // namespace stratus::iam
