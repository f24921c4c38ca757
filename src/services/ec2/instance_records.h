#pragma once
// Instance records of the call's region, typed (model::Instance) for the EC2 actions.

#include <optional>
#include <string>
#include <vector>

#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// The instance `id`; throws InvalidInstanceID.NotFound (or .Malformed).
model::Instance require_instance(CallContext& ctx, const std::string& id);

// The instance `id`, or nullopt.
std::optional<model::Instance> find_instance(CallContext& ctx, const std::string& id);

// Every instance of the call's region, oldest first.
std::vector<model::Instance> list_instances(CallContext& ctx);

// Stores `instance`.
void save_instance(CallContext& ctx, const model::Instance& instance);

}  // namespace stratus::ec2
