#pragma once
// IAM's users, groups and roles: their life (create, get, list, update, delete with AWS's
// DeleteConflict rules), tags, permissions boundaries, group membership, inline policies and the
// managed policies attached to them.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// The entity as IAM shows it in Get*/Create* answers (a role with its trust policy,
// URL-encoded; `detailed`: also its tags, boundary and last use).
json entity_view(const model::IamEntity& entity, bool detailed);

// The documents of every policy that applies to `entity` as identity policies: its inline
// policies, the managed policies attached to it (default versions), and for a user its groups'.
std::vector<std::string> identity_documents(Call& call, const model::IamEntity& entity);

// Adds the actions on users, groups and roles, their inline policies, attachments, tags and
// boundaries to `table`.
void add_entity_actions(ActionTable& table);

}  // namespace stratus::iam
