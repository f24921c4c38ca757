#pragma once
// Security groups and their rules (API and store; packet enforcement comes with instances).

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Creates the group "default" of a new VPC: ingress from its own members, all egress.
// Returns its GroupId.
std::string create_default_security_group(CallContext& ctx, const std::string& vpc_id);

// The VPC's default group as a one-element array of {GroupId, GroupName} (empty if it has none).
json default_group_refs(CallContext& ctx, const std::string& vpc_id);

// Removes a VPC's default group and its rules. REQUIRES: the VPC is being deleted.
void delete_default_security_group(CallContext& ctx, const std::string& vpc_id);

// Fails with RulesPerSecurityGroupLimitExceeded unless the stored rules of `group_id` fit the
// quota in each direction and address family (a prefix list counting as its MaxEntries).
void check_rule_quota(CallContext& ctx, const std::string& group_id);

// Registers Create/Delete/DescribeSecurityGroups, Authorize/Revoke Ingress/Egress and
// DescribeSecurityGroupRules.
void add_security_group_actions(ActionTable& table);

}  // namespace stratus::ec2
