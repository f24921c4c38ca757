#include "services/ec2/route_tables.h"

#include <algorithm>

#include "common/cidr.h"
#include "common/ids.h"
#include "services/ec2/describe.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/network_interfaces.h"
#include "services/ec2/prefix_lists.h"
#include "services/ec2/resources.h"
#include "services/ec2/vpc_peering.h"
#include "services/ec2/vpcs.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

// The local route of one of a VPC's CIDRs.
json local_route(const std::string& cidr) {
  return {{"DestinationCidrBlock", cidr}, {"GatewayId", "local"}, {"Origin", "CreateRouteTable"}, {"State", "active"}};
}

json new_route_table(CallContext& ctx, const std::string& vpc_id, const std::vector<std::string>& vpc_cidrs,
                     const json& tags) {
  std::string id = new_resource_id("rtb");
  json routes = json::array();
  for (const std::string& cidr : vpc_cidrs) routes.push_back(local_route(cidr));
  return {{"RouteTableId", id},
          {"VpcId", vpc_id},
          {"OwnerId", ctx.account_id},
          {"Associations", json::array()},
          {"PropagatingVgws", json::array()},
          {"Routes", routes},
          {"Tags", tags}};
}

// The route table that holds the association `association_id`, or throws its NotFound.
json table_with_association(CallContext& ctx, const std::string& association_id) {
  for (json& table : list(ctx, kinds::kRouteTable)) {
    for (const json& a : table["Associations"]) {
      if (a.value("RouteTableAssociationId", "") == association_id) return std::move(table);
    }
  }
  fail("InvalidAssociationID.NotFound", "The association ID '" + association_id + "' does not exist");
}

// Checks that `gateway_id` is an internet gateway attached to `vpc_id`.
void require_gateway_for(CallContext& ctx, const std::string& gateway_id, const std::string& vpc_id,
                         const std::string& table_id) {
  json gateway = require(ctx, kinds::kInternetGateway, gateway_id);
  for (const json& attachment : gateway["Attachments"]) {
    if (attachment.value("VpcId", "") == vpc_id) return;
  }
  fail("InvalidParameterValue",
       "route table " + table_id + " and network gateway " + gateway_id + " belong to different networks");
}

// What a route is for: the member naming its destination and its value, e.g.
// {"DestinationCidrBlock", "10.0.0.0/16"} or {"DestinationPrefixListId", "pl-..."}.
struct Destination {
  std::string member, value;
  // True when `route` has this destination.
  bool of(const json& route) const { return route.value(member, "") == value; }
};

// The destination a request names: an IPv4 CIDR (host bits set are refused), or one of the
// account's IPv4 prefix lists.
Destination destination_of(CallContext& ctx, const json& request) {
  std::string prefix_list = str(request, "DestinationPrefixListId");
  if (!prefix_list.empty()) {
    if (request.contains("DestinationCidrBlock")) {
      fail("InvalidParameterCombination", "The parameter destinationCidrBlock cannot be used with the parameter "
                                          "destinationPrefixListId");
    }
    json list = require_prefix_list(ctx, prefix_list);
    if (list["OwnerId"] == "AWS") {
      fail("InvalidParameterValue", "The AWS-managed prefix list " + prefix_list + " cannot be a route destination");
    }
    if (list["AddressFamily"] != "IPv4") {
      fail("InvalidParameterValue", "Only IPv4 prefix lists can be route destinations in this region");
    }
    return {"DestinationPrefixListId", prefix_list};
  }
  std::string destination = str(request, "DestinationCidrBlock");
  if (destination.empty()) {
    if (request.contains("DestinationIpv6CidrBlock")) {
      fail("InvalidParameterValue", "Only IPv4 destinations are supported by this region");
    }
    fail("MissingParameter", "The request must contain the parameter destinationCidrBlock");
  }
  auto cidr = Ipv4Cidr::parse(destination, true);
  if (!cidr) fail("InvalidParameterValue", "Value (" + destination + ") for parameter destinationCidrBlock is invalid. "
                                           "This is not a valid CIDR block.");
  return {"DestinationCidrBlock", cidr->str()};
}

// The target members of a route created by `request` in `table`: {GatewayId} for an internet
// gateway attached to the table's VPC, {NetworkInterfaceId} for an interface of that VPC (an
// instance stands for its only interface). Throws AWS's error for a missing, doubled, unknown
// or foreign target.
json target_of(CallContext& ctx, const json& request, const json& table) {
  static const std::vector<std::string> kTargets = {
      "GatewayId",        "InstanceId",       "NetworkInterfaceId",          "VpcPeeringConnectionId",
      "NatGatewayId",     "TransitGatewayId", "EgressOnlyInternetGatewayId", "LocalGatewayId",
      "CarrierGatewayId", "VpcEndpointId",    "CoreNetworkArn",              "OdbNetworkArn"};
  std::vector<std::string> given;
  for (const std::string& member : kTargets) {
    if (!str(request, member.c_str()).empty()) given.push_back(member);
  }
  if (given.empty()) {
    fail("InvalidParameterValue", "A route target is required; this region supports GatewayId (internet gateway), "
                                  "InstanceId, NetworkInterfaceId and VpcPeeringConnectionId");
  }
  if (given.size() > 1) {
    fail("InvalidParameterCombination", "The parameter " + given[0] + " cannot be used with the parameter " + given[1]);
  }
  const std::string table_id = table["RouteTableId"].get<std::string>(), vpc_id = table["VpcId"].get<std::string>();
  const std::string id = str(request, given[0].c_str());
  if (given[0] == "GatewayId") {
    require_gateway_for(ctx, id, vpc_id, table_id);
    return {{"GatewayId", id}};
  }
  if (given[0] == "NetworkInterfaceId") {
    InterfaceHome home = require_interface(ctx, request);
    if (home.interface.value("VpcId", "") != vpc_id) {
      fail("InvalidParameterValue", "route table " + table_id + " and interface " + id + " belong to different networks");
    }
    return {{"NetworkInterfaceId", id}};
  }
  if (given[0] == "InstanceId") {
    model::Instance instance = require_instance(ctx, id);
    const json& interfaces = instance.api.value("NetworkInterfaces", json::array());
    if (instance.status.state == compute::InstanceState::kTerminated || interfaces.empty()) {
      fail("IncorrectInstanceState", "The instance '" + id + "' is terminated and cannot be a route target.");
    }
    if (interfaces.size() > 1) {
      fail("InvalidInstanceID", "There are multiple interfaces attached to instance '" + id +
                                    "'. Please specify an interface ID for the operation instead.");
    }
    if (instance.api.value("VpcId", "") != vpc_id) {
      fail("InvalidParameterValue", "route table " + table_id + " and instance " + id + " belong to different networks");
    }
    return {{"NetworkInterfaceId", interfaces[0]["NetworkInterfaceId"]}};
  }
  if (given[0] == "VpcPeeringConnectionId") {
    json pcx = require(ctx, kinds::kVpcPeeringConnection, id);
    auto [requester, accepter] = peering_vpcs(pcx);
    if (vpc_id != requester && vpc_id != accepter) {
      fail("InvalidParameterValue", "route table " + table_id + " and peering connection " + id +
                                        " belong to different networks");
    }
    std::string state = peering_status(pcx);
    if (state != "active" && state != "pending-acceptance") {
      fail("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '" + id + "' does not exist");
    }
    return {{"VpcPeeringConnectionId", id}};
  }
  fail("InvalidParameterValue", given[0] + " route targets are not supported by this region");
}

// Adds the route `destination` -> `target` to `table`, saves it and returns it. Throws
// RouteAlreadyExists.
json put_route(CallContext& ctx, json table, const Destination& destination, const json& target) {
  for (const json& route : table["Routes"]) {
    if (destination.of(route)) {
      fail("RouteAlreadyExists", "The route identified by " + destination.value + " already exists.");
    }
  }
  json route = {{destination.member, destination.value}, {"Origin", "CreateRoute"}, {"State", "active"}};
  route.update(target);
  table["Routes"].push_back(route);
  save(ctx, kinds::kRouteTable, table["RouteTableId"].get<std::string>(), table);
  return table;
}

// `table` as DescribeRouteTables shows it: a route to a peering connection is active while the
// connection is, else a blackhole; a route to an interface names the instance holding
// it and is active while that instance is pending or running, else a blackhole.
json present_routes(CallContext& ctx, json table) {
  for (json& route : table["Routes"]) {
    if (route.contains("VpcPeeringConnectionId")) {
      auto pcx = find(ctx, kinds::kVpcPeeringConnection, route["VpcPeeringConnectionId"].get<std::string>());
      route["State"] = pcx && peering_status(*pcx) == "active" ? "active" : "blackhole";
      continue;
    }
    if (!route.contains("NetworkInterfaceId")) continue;
    auto home = find_interface(ctx, route["NetworkInterfaceId"].get<std::string>());
    bool active = false;
    if (home && home->instance) {
      route["InstanceId"] = home->instance->id();
      route["InstanceOwnerId"] = ctx.account_id;
      compute::InstanceState state = home->instance->status.state;
      active = state == compute::InstanceState::kPending || state == compute::InstanceState::kRunning;
    }
    route["State"] = active ? "active" : "blackhole";
  }
  return table;
}

json create_route_table(CallContext& ctx, const json& request) {
  json vpc = require(ctx, kinds::kVpc, request["VpcId"].get<std::string>());
  const std::string vpc_id = vpc["VpcId"].get<std::string>();
  json tags = tags_from_specifications(ctx, request, "route-table");
  // The main route table counts (Amazon VPC quotas).
  require_room(list_where(ctx, kinds::kRouteTable, "VpcId", vpc_id).size(), ctx.limits.route_tables_per_vpc,
               "RouteTableLimitExceeded", "The maximum number of route tables has been reached.");
  json table = new_route_table(ctx, vpc_id, vpc_cidrs(vpc), tags);
  save(ctx, kinds::kRouteTable, table["RouteTableId"].get<std::string>(), table);
  return with_client_token(request, {{"RouteTable", table}});
}

json delete_route_table(CallContext& ctx, const json& request) {
  std::string id = request["RouteTableId"].get<std::string>();
  json table = require(ctx, kinds::kRouteTable, id);
  if (!table["Associations"].empty()) {
    fail("DependencyViolation", "The routeTable '" + id + "' has dependencies and cannot be deleted.");
  }
  remove(ctx, id);
  return json::object();
}

json create_route(CallContext& ctx, const json& request) {
  json table = require(ctx, kinds::kRouteTable, request["RouteTableId"].get<std::string>());
  Destination destination = destination_of(ctx, request);
  json target = target_of(ctx, request, table);
  check_route_quota(ctx, put_route(ctx, std::move(table), destination, target));
  return {{"Return", true}};
}

json replace_route(CallContext& ctx, const json& request) {
  std::string id = request["RouteTableId"].get<std::string>();
  json table = require(ctx, kinds::kRouteTable, id);
  Destination destination = destination_of(ctx, request);
  json target = target_of(ctx, request, table);
  for (json& route : table["Routes"]) {
    if (!destination.of(route)) continue;
    if (route.value("GatewayId", "") == "local") {
      fail("InvalidParameterValue", "cannot replace the local route of " + id);
    }
    route = {{destination.member, destination.value}, {"Origin", "CreateRoute"}, {"State", "active"}};
    route.update(target);
    save(ctx, kinds::kRouteTable, id, table);
    return json::object();
  }
  fail("InvalidRoute.NotFound", "no route with destination " + destination.value + " in route table " + id);
}

json delete_route(CallContext& ctx, const json& request) {
  std::string id = request["RouteTableId"].get<std::string>();
  json table = require(ctx, kinds::kRouteTable, id);
  Destination destination = destination_of(ctx, request);
  json kept = json::array();
  bool found = false;
  for (const json& route : table["Routes"]) {
    if (destination.of(route)) {
      if (route.value("GatewayId", "") == "local") {
        fail("InvalidParameterValue", "cannot remove local route " + destination.value + " in route table " + id);
      }
      found = true;
    } else {
      kept.push_back(route);
    }
  }
  if (!found) {
    fail("InvalidRoute.NotFound", "no route with destination " + destination.value + " in route table " + id);
  }
  table["Routes"] = kept;
  save(ctx, kinds::kRouteTable, id, table);
  return json::object();
}

json associate_route_table(CallContext& ctx, const json& request) {
  std::string id = request["RouteTableId"].get<std::string>();
  json table = require(ctx, kinds::kRouteTable, id);
  std::string subnet_id = str(request, "SubnetId");
  if (subnet_id.empty()) {
    fail(request.contains("GatewayId") ? "InvalidParameterValue" : "MissingParameter",
         request.contains("GatewayId") ? "Gateway route table associations are not supported by this region"
                                       : "The request must contain the parameter subnetId");
  }
  json subnet = require(ctx, kinds::kSubnet, subnet_id);
  if (subnet["VpcId"] != table["VpcId"]) {
    fail("InvalidParameterValue", "Route table " + id + " and subnet " + subnet_id + " belong to different networks");
  }
  for (const json& other : list(ctx, kinds::kRouteTable)) {
    for (const json& a : other["Associations"]) {
      if (a.value("SubnetId", "") == subnet_id) {
        fail("Resource.AlreadyAssociated", "the specified association for route table " + id +
                                               " conflicts with an existing association");
      }
    }
  }
  std::string association = new_resource_id("rtbassoc");
  table["Associations"].push_back({{"Main", false},
                                   {"RouteTableAssociationId", association},
                                   {"RouteTableId", id},
                                   {"SubnetId", subnet_id},
                                   {"AssociationState", {{"State", "associated"}}}});
  save(ctx, kinds::kRouteTable, id, table);
  return {{"AssociationId", association}, {"AssociationState", {{"State", "associated"}}}};
}

json disassociate_route_table(CallContext& ctx, const json& request) {
  std::string association = request["AssociationId"].get<std::string>();
  json table = table_with_association(ctx, association);
  json kept = json::array();
  for (const json& a : table["Associations"]) {
    if (a.value("RouteTableAssociationId", "") != association) {
      kept.push_back(a);
    } else if (a.value("Main", false)) {
      fail("InvalidParameterValue", "cannot disassociate the main route table association " + association);
    }
  }
  table["Associations"] = kept;
  save(ctx, kinds::kRouteTable, table["RouteTableId"].get<std::string>(), table);
  return json::object();
}

json replace_route_table_association(CallContext& ctx, const json& request) {
  std::string association = request["AssociationId"].get<std::string>();
  std::string target_id = request["RouteTableId"].get<std::string>();
  json target = require(ctx, kinds::kRouteTable, target_id);
  json current = table_with_association(ctx, association);
  if (current["VpcId"] != target["VpcId"]) {
    fail("InvalidParameterValue", "Route table " + target_id + " belongs to a different network");
  }
  json moved;
  json kept = json::array();
  for (const json& a : current["Associations"]) {
    if (a.value("RouteTableAssociationId", "") == association) moved = a; else kept.push_back(a);
  }
  current["Associations"] = kept;
  save(ctx, kinds::kRouteTable, current["RouteTableId"].get<std::string>(), current);
  if (current["RouteTableId"] == target_id) target = current;
  std::string fresh = new_resource_id("rtbassoc");
  moved["RouteTableAssociationId"] = fresh;
  moved["RouteTableId"] = target_id;
  target["Associations"].push_back(moved);
  save(ctx, kinds::kRouteTable, target_id, target);
  return {{"NewAssociationId", fresh}, {"AssociationState", {{"State", "associated"}}}};
}

const FilterTable& route_table_filters() {
  static const FilterTable table = {
      {"route-table-id", field("RouteTableId")},
      {"vpc-id", field("VpcId")},
      {"owner-id", field("OwnerId")},
      {"association.main", field("Associations[].Main")},
      {"association.subnet-id", field("Associations[].SubnetId")},
      {"association.route-table-association-id", field("Associations[].RouteTableAssociationId")},
      {"association.route-table-id", field("Associations[].RouteTableId")},
      {"route.destination-cidr-block", field("Routes[].DestinationCidrBlock")},
      {"route.destination-prefix-list-id", field("Routes[].DestinationPrefixListId")},
      {"route.gateway-id", field("Routes[].GatewayId")},
      {"route.instance-id", field("Routes[].InstanceId")},
      {"route.network-interface-id", field("Routes[].NetworkInterfaceId")},
      {"route.origin", field("Routes[].Origin")},
      {"route.state", field("Routes[].State")},
      {"route.vpc-peering-connection-id", field("Routes[].VpcPeeringConnectionId")},
  };
  return table;
}

json describe_route_tables(CallContext& ctx, const json& request) {
  return describe_stored(ctx, request, DescribeSpec{kinds::kRouteTable, "RouteTableIds", "RouteTableId", "RouteTables",
                                                    route_table_filters(),
                                                    [&ctx](json table) { return present_routes(ctx, std::move(table)); }});
}

}  // namespace

std::string create_main_route_table(CallContext& ctx, const std::string& vpc_id, const std::string& vpc_cidr) {
  json table = new_route_table(ctx, vpc_id, {vpc_cidr}, json::array());
  std::string id = table["RouteTableId"].get<std::string>();
  table["Associations"].push_back({{"Main", true},
                                   {"RouteTableAssociationId", new_resource_id("rtbassoc")},
                                   {"RouteTableId", id},
                                   {"AssociationState", {{"State", "associated"}}}});
  save(ctx, kinds::kRouteTable, id, table);
  return id;
}

void add_route(CallContext& ctx, const std::string& route_table_id, const std::string& destination,
               const std::string& gateway_id) {
  json table = require(ctx, kinds::kRouteTable, route_table_id);
  require_gateway_for(ctx, gateway_id, table["VpcId"].get<std::string>(), route_table_id);
  put_route(ctx, std::move(table), {"DestinationCidrBlock", destination}, {{"GatewayId", gateway_id}});
}

void check_route_quota(CallContext& ctx, const json& table) {
  // The routes added to a table count, not its local routes; a prefix list as its MaxEntries.
  int64_t used = 0;
  for (const json& route : table["Routes"]) {
    if (route.value("GatewayId", "") == "local") continue;
    used += route.contains("DestinationPrefixListId")
                ? prefix_list_weight(require_prefix_list(ctx, route["DestinationPrefixListId"].get<std::string>()))
                : 1;
  }
  if (used > ctx.limits.routes_per_route_table) {
    fail("RouteLimitExceeded", "The maximum number of routes has been reached.");
  }
}

void delete_main_route_table(CallContext& ctx, const std::string& vpc_id) {
  for (const json& table : list(ctx, kinds::kRouteTable)) {
    if (table.value("VpcId", "") == vpc_id) remove(ctx, table["RouteTableId"].get<std::string>());
  }
}

void blackhole_routes_to(CallContext& ctx, const std::string& vpc_id, const std::string& gateway_id) {
  for (json& table : list(ctx, kinds::kRouteTable)) {
    if (table.value("VpcId", "") != vpc_id) continue;
    bool changed = false;
    for (json& route : table["Routes"]) {
      if (route.value("GatewayId", "") == gateway_id) {
        route["State"] = "blackhole";
        changed = true;
      }
    }
    if (changed) save(ctx, kinds::kRouteTable, table["RouteTableId"].get<std::string>(), table);
  }
}

void set_local_route(CallContext& ctx, const std::string& vpc_id, const std::string& cidr, bool present) {
  for (json& table : list_where(ctx, kinds::kRouteTable, "VpcId", vpc_id)) {
    json kept = json::array();
    for (const json& route : table["Routes"]) {
      bool local = route.value("GatewayId", "") == "local" && route.value("DestinationCidrBlock", "") == cidr;
      if (!local) kept.push_back(route);
    }
    if (present) kept.push_back(local_route(cidr));
    table["Routes"] = kept;
    save(ctx, kinds::kRouteTable, table["RouteTableId"].get<std::string>(), table);
  }
}

void add_route_table_actions(ActionTable& table) {
  table["CreateRouteTable"] = {create_route_table, true};
  table["DeleteRouteTable"] = {delete_route_table, true};
  table["DescribeRouteTables"] = {describe_route_tables, false};
  table["CreateRoute"] = {create_route, true};
  table["ReplaceRoute"] = {replace_route, true};
  table["DeleteRoute"] = {delete_route, true};
  table["AssociateRouteTable"] = {associate_route_table, true};
  table["DisassociateRouteTable"] = {disassociate_route_table, true};
  table["ReplaceRouteTableAssociation"] = {replace_route_table_association, true};
}

}  // namespace stratus::ec2
