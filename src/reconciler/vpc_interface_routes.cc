#include "reconciler/vpc_interface_routes.h"

#include <algorithm>
#include <set>

#include "net/vpc_network.h"
#include "net/vpc_overlay.h"

namespace stratus::reconciler {

using nlohmann::json;

std::map<std::string, net::VpcInterfaceRoutes> vpc_interface_routes(store::Transaction& txn, const RouteTableLookup& tables,
                                                                     const std::string& host_id,
                                                                     const std::set<std::string>& transit) {
  std::map<std::string, std::vector<std::string>> vpc_cidrs;  // primary and secondary IPv4 CIDRs
  for (const store::Record& vpc : txn.list("vpc", std::nullopt)) {
    for (const json& a : vpc.doc.value("CidrBlockAssociationSet", json::array())) {
      vpc_cidrs[vpc.id].push_back(a.value("CidrBlock", ""));
    }
  }
  // Every interface with a port, on any host: its address and tap (route targets), its subnet and VPC.
  struct Port {
    std::string tap, ip, subnet_id, vpc_id;
    bool local = false;  // on this host
  };
  std::vector<Port> ports;
  std::map<std::string, size_t> port_of;  // interface id -> index in ports
  std::set<std::string> local_vpcs;       // VPCs with ports here
  for (const store::Record& record : txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!has_ports(instance)) continue;
    bool local = instance.spec.host_id == host_id;
    std::string vpc_id = instance.api.value("VpcId", "");
    if (local) local_vpcs.insert(vpc_id);
    for (const json& eni : instance.api.value("NetworkInterfaces", json::array())) {
      std::string id = eni.value("NetworkInterfaceId", "");
      port_of[id] = ports.size();
      ports.push_back({net::VpcNetwork::tap_name(id), eni.value("PrivateIpAddress", ""), eni.value("SubnetId", ""), vpc_id,
                       local});
    }
  }
  // VPCs with routers here: a peering route leads over the link only when both ends have one.
  std::set<std::string> routed_vpcs = transit;
  routed_vpcs.insert(local_vpcs.begin(), local_vpcs.end());
  std::map<std::string, json> peerings;  // id -> connection
  for (const store::Record& pcx : txn.list("vpc-peering-connection", std::nullopt)) peerings[pcx.id] = pcx.doc;
  std::map<std::string, std::string> subnet_cidrs;  // subnet id -> its IPv4 CIDR
  for (const store::Record& subnet : txn.list("subnet", std::nullopt)) subnet_cidrs[subnet.id] = subnet.doc.value("CidrBlock", "");
  std::map<std::string, std::map<std::string, net::InterfaceRouteTable>> by_vpc;  // VPC -> table id -> table
  std::map<std::string, net::VpcInterfaceRoutes> out;
  for (const Port& port : ports) {
    if (!local_vpcs.count(port.vpc_id)) continue;  // no router here
    std::string overlay = net::overlay_device(port.vpc_id);
    out[port.vpc_id].vpc_cidrs = vpc_cidrs[port.vpc_id];
    out[port.vpc_id].overlay = overlay;
    const json* table = tables.of(port.subnet_id, port.vpc_id);
    if (table == nullptr) continue;
    std::vector<net::InterfaceRoute> routes;
    bool local_target = false;  // a route leads to a port on this host
    for (const json& route : table->value("Routes", json::array())) {
      // Where the route leads (next hop and tap empty: it drops), for each of its destinations.
      net::InterfaceRoute via;
      if (route.contains("VpcPeeringConnectionId")) {
        std::string pcx_id = route["VpcPeeringConnectionId"].get<std::string>();
        auto pcx = peerings.find(pcx_id);
        if (pcx != peerings.end() && pcx->second["Status"].value("Code", "") == "active" &&
            routed_vpcs.count(pcx->second["RequesterVpcInfo"].value("VpcId", "")) &&
            routed_vpcs.count(pcx->second["AccepterVpcInfo"].value("VpcId", ""))) {
          via.next_hop_tap = net::VpcNetwork::peering_link(pcx_id);
        }
      } else if (route.contains("NetworkInterfaceId")) {
        auto target = port_of.find(route["NetworkInterfaceId"].get<std::string>());
        if (target != port_of.end() && ports[target->second].vpc_id == port.vpc_id) {
          const Port& to = ports[target->second];
          via.next_hop = to.ip;
          via.next_hop_tap = to.local ? to.tap : overlay;  // another host's: its router hands it over
          local_target = local_target || to.local;
        }
      } else {
        continue;
      }
      for (const std::string& destination : tables.destinations(route)) {
        net::InterfaceRoute r = via;
        r.destination = destination;
        routes.push_back(std::move(r));
      }
    }
    if (routes.empty() || (!port.local && !local_target)) continue;
    net::InterfaceRouteTable& applied = by_vpc[port.vpc_id][table->value("RouteTableId", "")];
    applied.routes = std::move(routes);
    if (port.local) {
      applied.taps.push_back(port.tap);
    } else if (std::find(applied.overlay_sources.begin(), applied.overlay_sources.end(), subnet_cidrs[port.subnet_id]) ==
               applied.overlay_sources.end()) {
      applied.overlay_sources.push_back(subnet_cidrs[port.subnet_id]);
    }
  }
  for (auto& [vpc_id, by_table] : by_vpc) {
    for (auto& [table_id, table] : by_table) out[vpc_id].tables.push_back(std::move(table));
  }
  return out;
}

}  // namespace stratus::reconciler
