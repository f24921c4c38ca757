#pragma once
// GetAccountAuthorizationDetails: every user, group and role of the account with its inline and
// attached policies, and the managed policies in use (the account's own, and AWS's that are
// attached), in one paged answer.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// Adds GetAccountAuthorizationDetails to `table`.
void add_account_details_actions(ActionTable& table);

}  // namespace stratus::iam
