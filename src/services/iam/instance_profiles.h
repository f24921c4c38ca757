#pragma once
// Instance profiles: the container that carries a role to an EC2 instance (one role each).

#include "services/iam/iam_call.h"

namespace stratus::iam {

// The instance profile as IAM shows it, with its role.
json instance_profile_view(Call& call, const model::InstanceProfile& profile);

// The instance profiles of the caller's account that hold role `role`.
std::vector<model::InstanceProfile> profiles_holding(Call& call, const std::string& role);

// Adds the *InstanceProfile* actions to `table`.
void add_instance_profile_actions(ActionTable& table);

}  // namespace stratus::iam
