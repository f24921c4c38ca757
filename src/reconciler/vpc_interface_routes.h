#pragma once
// What each VPC router of a host routes to network interfaces and peering links, read from the
// store: every route table that a port on this host sends by (its subnet's own table, else the
// VPC's main table) and that has routes whose target is a network interface (CreateRoute with
// NetworkInterfaceId or InstanceId) or a VPC peering connection gives those routes, each leading
// to its target's port (here, or over the overlay to another host's) or over the peering link,
// or dropping its packets while the target has none (an interface not attached, or whose
// instance is not pending, running or stopping; a connection not active, or whose other VPC has
// no router on this host). A table whose routes lead to a port here also takes the packets of its
// subnets on other hosts that arrive over the overlay.

#include <map>
#include <set>
#include <string>

#include "net/interface_routes.h"
#include "reconciler/router_view.h"
#include "store/store.h"

namespace stratus::reconciler {

// VPC id -> its router's interface routes on host `host_id` ("" on a single host), for every
// VPC with ports on it (tables in route table id order, ports in instance then device order);
// `tables` says which route table decides for each subnet; `transit`: the VPCs this host runs a
// transit router for (transit_vpcs(), none on a single host), whose peering links count as routed.
std::map<std::string, net::VpcInterfaceRoutes> vpc_interface_routes(store::Transaction& txn, const RouteTableLookup& tables,
                                                                     const std::string& host_id = "",
                                                                     const std::set<std::string>& transit = {});

}  // namespace stratus::reconciler
