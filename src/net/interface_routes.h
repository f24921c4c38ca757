#pragma once
// Routes whose target is a network interface (a NAT instance, an appliance) or a VPC peering
// connection: the VPC router sends a subnet's traffic for such a destination to the target's port,
// or over the peering link to the peer VPC's router, instead of the internet gateway. Each route table with such routes becomes a kernel routing table of the router's
// namespace (numbered from kFirstInterfaceRouteTable, routes marked with protocol
// kInterfaceRouteProtocol), looked up first for packets arriving from the ports of the subnets
// that use it (one "iif TAP" rule per port, preference kInterfaceRoutePreference). In it the
// VPC's own CIDR is thrown back to the main table (traffic inside the VPC stays local), and a
// route whose target has no port drops its packets (a blackhole, as AWS reports it).
//
// When the VPC spans hosts, a route whose target's port is on another host leads over the VPC's
// VXLAN device to that port's address (whose router routes it on), and the router of the target's
// host looks the same table up for packets that arrive over the overlay from the subnets on
// other hosts that send by it ("iif VXLAN from CIDR" rules), so that it hands them to the target
// rather than routing them by destination.

#include <string>
#include <vector>

namespace stratus::net {

// One route of a table, as the router applies it.
struct InterfaceRoute {
  std::string destination;  // IPv4 CIDR
  std::string next_hop;     // the target interface's private address; "" for a peering link
  std::string next_hop_tap; // the target's port, the VXLAN device, or the peering link; "": a blackhole
  bool operator==(const InterfaceRoute&) const = default;
};

// One route table with interface routes, and the ports that send by it.
struct InterfaceRouteTable {
  std::vector<std::string> taps;  // ports of the interfaces in the subnets using the table
  std::vector<InterfaceRoute> routes;
  // CIDRs of the subnets using the table that have ports on other hosts, when one of its routes
  // leads to a port on this host: their packets arrive over `VpcInterfaceRoutes::overlay`.
  std::vector<std::string> overlay_sources;
  bool operator==(const InterfaceRouteTable&) const = default;
};

// Everything a VPC router routes to interfaces.
struct VpcInterfaceRoutes {
  std::vector<std::string> vpc_cidrs;  // the VPC's IPv4 CIDRs, thrown back to the main table in every table
  std::vector<InterfaceRouteTable> tables;
  std::string overlay;  // the VPC's VXLAN device, when it spans hosts
  bool operator==(const VpcInterfaceRoutes&) const = default;
};

inline constexpr int kFirstInterfaceRouteTable = 1000;
inline constexpr int kInterfaceRoutePreference = 1000;
inline constexpr int kInterfaceRouteProtocol = 248;

// The `ip -batch` commands that replace every interface route and rule of the router's
// namespace with `routes` (flush ours, then add). A port that is itself the target of one of
// its table's routes gets no rule: its own packets follow the main table, so a NAT instance in
// a subnet whose table points at it does not send its traffic back to itself.
std::string interface_route_batch(const VpcInterfaceRoutes& routes);

}  // namespace stratus::net
