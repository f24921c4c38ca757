#pragma once
// What each VPC router routes to network interfaces, read from the store: every route table
// that a port on this host sends by (its subnet's own table, else the VPC's main table) and that
// has routes whose target is a network interface (CreateRoute with NetworkInterfaceId or
// InstanceId) gives those routes, each leading to its target's port, or dropping its packets
// while the target has none (not attached, or its instance is not pending, running or stopping).

#include <map>
#include <string>

#include "net/interface_routes.h"
#include "reconciler/router_view.h"
#include "store/store.h"

namespace stratus::reconciler {

// VPC id -> its router's interface routes, for every VPC with ports on this host (tables in
// route table id order, ports in instance then device order); `tables` says which route table
// decides for each subnet.
std::map<std::string, net::VpcInterfaceRoutes> vpc_interface_routes(store::Transaction& txn,
                                                                     const RouteTableLookup& tables);

}  // namespace stratus::reconciler
