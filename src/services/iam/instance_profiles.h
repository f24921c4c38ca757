#pragma once
// Instance profiles: the container that carries a role to an EC2 instance (one role each).

#include "services/iam/iam_call.h"

namespace stratus::iam {

// The instance profile as IAM shows it, with its role.
json instance_profile_view(Call& call, const model::InstanceProfile& profile);

// The instance profile of `account` an IamInstanceProfileSpecification (EC2's {Arn, Name}; by
// Name when it has one) names, or nullopt when it names none. A given Arn must be the profile's
// own, path included.
std::optional<model::InstanceProfile> profile_by_specification(store::Transaction& txn, const std::string& account,
                                                               const json& specification);

// The instance profiles of the caller's account that hold role `role`.
std::vector<model::InstanceProfile> profiles_holding(Call& call, const std::string& role);

// Adds the *InstanceProfile* actions to `table`.
void add_instance_profile_actions(ActionTable& table);

}  // namespace stratus::iam
