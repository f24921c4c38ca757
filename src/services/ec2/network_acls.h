#pragma once
// Network ACLs: each VPC's default ACL (allow all), custom ACLs (deny all until entries allow)
// with numbered stateless entries, and which ACL each subnet is associated with. The VPC
// router enforces them (reconciler/vpc_firewalls, net/firewall_ruleset).

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Creates the default ACL of a new VPC (rule 100 allows, rule * denies, both ways).
void create_default_network_acl(CallContext& ctx, const std::string& vpc_id);

// Associates a new subnet with its VPC's default ACL.
void associate_default_network_acl(CallContext& ctx, const std::string& vpc_id, const std::string& subnet_id);

// Drops a deleted subnet's ACL association.
void disassociate_network_acl(CallContext& ctx, const std::string& subnet_id);

// Removes every ACL of a VPC being deleted.
void delete_network_acls(CallContext& ctx, const std::string& vpc_id);

// Registers DescribeNetworkAcls, CreateNetworkAcl, DeleteNetworkAcl, Create/Replace/
// DeleteNetworkAclEntry and ReplaceNetworkAclAssociation.
void add_network_acl_actions(ActionTable& table);

}  // namespace stratus::ec2
