#pragma once
// Managed policies: the account's own (create, versions up to five, the default one, delete
// with AWS's DeleteConflict rules, tags) and AWS's (read-only), and which entities use each.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// Every user, group and role of the caller's account.
std::vector<model::IamEntity> all_entities(Call& call);
// How many of `entities` have policy `arn` attached, and how many have it as their boundary.
std::pair<int64_t, int64_t> usage_of(const std::vector<model::IamEntity>& entities, const std::string& arn);
// `policy` as IAM shows it, its attachment counts taken from `entities` (`detailed`: also its
// description and tags).
json policy_view(const model::ManagedPolicy& policy, const std::vector<model::IamEntity>& entities, bool detailed);
// `version` of `policy` as IAM shows it, with its document URL-encoded when `with_document`.
json version_view(const model::ManagedPolicy& policy, const model::PolicyVersion& version, bool with_document);

// The document of `policy`'s default version.
const std::string& default_document(const model::ManagedPolicy& policy);

// Adds CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, the *PolicyVersion actions,
// ListEntitiesForPolicy and the policy tag actions to `table`.
void add_managed_policy_actions(ActionTable& table);

}  // namespace stratus::iam
