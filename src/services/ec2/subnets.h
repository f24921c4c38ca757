#pragma once
// Subnets: CIDR rules (inside the VPC, /16../28, no overlap), zones, attributes.

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

struct Zone;

// Creates a subnet of `vpc` (a stored VPC document) in `zone` after validating `cidr_text`.
// Throws InvalidParameterValue, InvalidSubnet.Range or InvalidSubnet.Conflict. Returns it.
json create_subnet_in(CallContext& ctx, const json& vpc, const std::string& cidr_text, const Zone& zone,
                      bool default_for_az, const json& tags);

// Registers CreateSubnet, DeleteSubnet, DescribeSubnets and ModifySubnetAttribute.
void add_subnet_actions(ActionTable& table);

}  // namespace stratus::ec2
