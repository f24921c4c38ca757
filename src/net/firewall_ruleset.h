#pragma once
// The security group compiler: the firewall of every network interface of a VPC (its security
// groups' rules with their peers resolved to addresses, and its source/destination check)
// becomes one nftables ruleset in nftables' JSON form, for the VPC router's namespace.
//
// Packets are judged on the router, whose routed taps are the interfaces' ports:
// - prerouting (before connection tracking): a tap may only send from its interface's MAC,
//   and, while its source/destination check is on, only from its own addresses;
// - forward: an interface whose subnet has no route to an attached internet gateway exchanges
//   nothing with the VPC's uplink (the internet), tracked connections included; a packet that
//   leaves or enters a subnet (its local ports, or its CIDR when the other end is on another
//   host) must pass that subnet's network ACL (stateless: numbered entries,
//   first match decides, tracked connections included); then packets of tracked connections
//   pass; a new flow leaving interface A must match
//   one of A's egress rules, and one entering interface B one of B's ingress rules (with the
//   check on, B only receives packets for its own addresses); everything else is dropped.
// Traffic to the router itself (DHCP, DNS at base+2, the metadata service) is not filtered by
// security groups, as on AWS.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stratus::net {

// One security group rule, as it applies to one interface.
struct FirewallRule {
  std::string protocol = "-1";     // "-1" (all), "tcp", "udp", "icmp", or an IP protocol number
  int from_port = -1;              // tcp/udp: first port; icmp: type; -1: any
  int to_port = -1;                // tcp/udp: last port; icmp: code; -1: any
  std::vector<std::string> peers;  // IPv4 CIDRs (or addresses) of the other side; empty: nobody
  bool operator==(const FirewallRule&) const = default;
};

// The firewall of one network interface.
struct InterfaceFirewall {
  std::string tap;                     // its port on the VPC router
  std::string mac;
  std::vector<std::string> addresses;  // its private IPv4 addresses
  bool source_dest_check = true;
  bool internet = true;                // its subnet routes to an attached internet gateway
  std::vector<FirewallRule> ingress;   // the union of its security groups' ingress rules
  std::vector<FirewallRule> egress;
  bool operator==(const InterfaceFirewall&) const = default;
};

// One network ACL entry.
struct AclEntry {
  bool allow = false;
  FirewallRule traffic;  // protocol, ports or ICMP type/code, and the one CIDR of the entry
  bool operator==(const AclEntry&) const = default;
};

// The network ACL of one subnet, entries in rule-number order.
struct SubnetAcl {
  std::vector<std::string> taps;  // the ports of the subnet's interfaces on this host
  std::vector<AclEntry> inbound;  // judges packets entering the subnet (peer: their source)
  std::vector<AclEntry> outbound;  // judges packets leaving it (peer: their destination)
  std::string cidr;  // the subnet's IPv4 CIDR: traffic inside it is never judged ("": unknown)
  bool operator==(const SubnetAcl&) const = default;
};

// Everything a VPC router's firewall says.
struct VpcFirewall {
  std::vector<InterfaceFirewall> interfaces;
  std::vector<SubnetAcl> acls;  // subnets whose ACL lets everything through may be left out
  bool operator==(const VpcFirewall&) const = default;
};

// The VPC router's link towards the edge namespace, i.e. the internet.
inline constexpr const char* kVpcUplink = "edge0";

// The nftables table the ruleset owns in the VPC router's namespace.
inline constexpr const char* kFirewallTable = "stratus_sg";

// nftables JSON commands ({"nftables": [...]}) that replace table inet stratus_sg, in one
// transaction, with `firewall`. Rules whose protocol stratus cannot express for IPv4 (e.g.
// icmpv6) are left out; so are rules with no peers.
nlohmann::json firewall_ruleset(const VpcFirewall& firewall);

}  // namespace stratus::net
