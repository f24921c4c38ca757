#pragma once
// Managed policies: the account's own (create, versions up to five, the default one, delete
// with AWS's DeleteConflict rules, tags) and AWS's (read-only), and which entities use each.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// The document of `policy`'s default version.
const std::string& default_document(const model::ManagedPolicy& policy);

// Adds CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, the *PolicyVersion actions,
// ListEntitiesForPolicy and the policy tag actions to `table`.
void add_managed_policy_actions(ActionTable& table);

}  // namespace stratus::iam
