#pragma once
// VPCs: creation with their main route table, default security group and default
// network ACL; deletion guarded by dependencies; attributes.

#include <string>
#include <vector>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Creates a VPC with `cidr` (already validated) and its implicit resources. Returns the VPC.
json create_vpc_resources(CallContext& ctx, const std::string& cidr, bool is_default, const json& tags);

// The VPC's IPv4 CIDRs (its document), the primary first, then the associated secondary ones.
std::vector<std::string> vpc_cidrs(const json& vpc);

// Registers CreateVpc, DeleteVpc, DescribeVpcs, DescribeVpcAttribute, ModifyVpcAttribute,
// AssociateVpcCidrBlock and DisassociateVpcCidrBlock.
void add_vpc_actions(ActionTable& table);

}  // namespace stratus::ec2
