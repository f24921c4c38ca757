#pragma once
// VPC peering connections between two VPCs of the account in one region: requested, accepted
// (or rejected, or failed when the CIDRs overlap), deleted; routes may lead to an active one and
// security groups may reference the peer VPC's groups. The reconciler links the two VPC routers
// while the connection is active.

#include <optional>
#include <string>
#include <utility>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// A connection's (its document's) status code: "pending-acceptance", "active", "rejected", ...
std::string peering_status(const json& pcx);

// A connection's two VPC ids: requester, accepter.
std::pair<std::string, std::string> peering_vpcs(const json& pcx);

// The active peering connection between `vpc_a` and `vpc_b` (either way round), or nullopt.
std::optional<json> active_peering(CallContext& ctx, const std::string& vpc_a, const std::string& vpc_b);

// True when a VPC peering connection of `vpc_id` is pending acceptance or active (a dependency
// that keeps the VPC from being deleted).
bool has_live_peering(CallContext& ctx, const std::string& vpc_id);

// Registers CreateVpcPeeringConnection, AcceptVpcPeeringConnection, RejectVpcPeeringConnection,
// DeleteVpcPeeringConnection, DescribeVpcPeeringConnections and
// ModifyVpcPeeringConnectionOptions.
void add_vpc_peering_actions(ActionTable& table);

}  // namespace stratus::ec2
