#pragma once
// Route tables: the main table of each VPC, custom tables, routes and associations.

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Creates the main route table of a new VPC with its local route. Returns its id.
std::string create_main_route_table(CallContext& ctx, const std::string& vpc_id, const std::string& vpc_cidr);

// Adds a route to `route_table_id`. Throws RouteAlreadyExists, InvalidParameterValue, or
// the gateway's NotFound error.
void add_route(CallContext& ctx, const std::string& route_table_id, const std::string& destination,
               const std::string& gateway_id);

// Adds (`present`) or removes the local route of `cidr`, one of the VPC's CIDRs, in every
// route table of the VPC.
void set_local_route(CallContext& ctx, const std::string& vpc_id, const std::string& cidr, bool present);

// Removes a VPC's main route table. REQUIRES: the VPC is being deleted and has no other tables.
void delete_main_route_table(CallContext& ctx, const std::string& vpc_id);

// Marks every route of the VPC's tables that targets `gateway_id` as "blackhole" (the
// gateway was detached), as AWS does.
void blackhole_routes_to(CallContext& ctx, const std::string& vpc_id, const std::string& gateway_id);

// Fails with RouteLimitExceeded unless the routes added to `table` (a route table document)
// fit the quota, a route to a prefix list counting as its MaxEntries.
void check_route_quota(CallContext& ctx, const json& table);

// Registers CreateRouteTable, DeleteRouteTable, DescribeRouteTables, CreateRoute, DeleteRoute,
// ReplaceRoute, AssociateRouteTable, DisassociateRouteTable and ReplaceRouteTableAssociation.
void add_route_table_actions(ActionTable& table);

}  // namespace stratus::ec2
