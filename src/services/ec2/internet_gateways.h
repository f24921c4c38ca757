#pragma once
// Internet gateways and their attachment to VPCs.

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Creates an unattached internet gateway with `tags`. Returns its id.
std::string create_internet_gateway(CallContext& ctx, const json& tags);

// Attaches gateway `igw_id` to `vpc_id`. Throws Resource.AlreadyAssociated when either side
// already has an attachment, or the NotFound error of a missing one.
void attach_internet_gateway(CallContext& ctx, const std::string& igw_id, const std::string& vpc_id);

// The id of the gateway attached to `vpc_id`, or "".
std::string attached_gateway(CallContext& ctx, const std::string& vpc_id);

// Registers Create/Attach/Detach/Delete/DescribeInternetGateways.
void add_internet_gateway_actions(ActionTable& table);

}  // namespace stratus::ec2
