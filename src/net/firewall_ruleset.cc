#include "net/firewall_ruleset.h"

#include <optional>

#include "common/cidr.h"

namespace stratus::net {
namespace {

using nlohmann::json;

const json kTable = {{"family", "inet"}, {"name", kFirewallTable}};

json match(const json& left, const std::string& op, const json& right) {
  return {{"match", {{"op", op}, {"left", left}, {"right", right}}}};
}

json meta(const std::string& key) { return {{"meta", {{"key", key}}}}; }

json payload(const std::string& protocol, const std::string& field) {
  return {{"payload", {{"protocol", protocol}, {"field", field}}}};
}

json chain(const std::string& name) {
  return {{"add", {{"chain", {{"family", "inet"}, {"table", kFirewallTable}, {"name", name}}}}}};
}

json base_chain(const std::string& name, const std::string& hook, int priority) {
  return {{"add",
           {{"chain",
             {{"family", "inet"}, {"table", kFirewallTable}, {"name", name}, {"type", "filter"}, {"hook", hook},
              {"prio", priority}, {"policy", "accept"}}}}}};
}

json rule(const std::string& chain_name, json expressions) {
  return {{"add", {{"rule", {{"family", "inet"}, {"table", kFirewallTable}, {"chain", chain_name}, {"expr", expressions}}}}}};
}

// The set of `peers` as nftables set elements, without prefixes that others contain (an
// anonymous interval set may not overlap); nullopt when a peer is 0.0.0.0/0 (anyone).
std::optional<json> peer_set(const std::vector<std::string>& peers) {
  std::vector<Ipv4Cidr> blocks;
  for (const std::string& peer : peers) {
    auto block = Ipv4Cidr::parse(peer.find('/') == std::string::npos ? peer + "/32" : peer, /*strict=*/false);
    if (!block) continue;  // IPv6 peers: instances have no IPv6 yet
    if (block->prefix == 0) return std::nullopt;
    blocks.push_back(*block);
  }
  json elements = json::array();
  for (size_t i = 0; i < blocks.size(); ++i) {
    bool covered = false;
    for (size_t j = 0; j < blocks.size() && !covered; ++j) {
      covered = j != i && blocks[j].contains(blocks[i]) && (blocks[j].prefix != blocks[i].prefix || j < i);
    }
    if (covered) continue;
    if (blocks[i].prefix == 32) {
      elements.push_back(format_ipv4(blocks[i].base));
    } else {
      elements.push_back({{"prefix", {{"addr", format_ipv4(blocks[i].base)}, {"len", blocks[i].prefix}}}});
    }
  }
  return elements;
}

// The protocol named by a security group rule: "tcp", "udp", "icmp", "all", a number, or
// nullopt when IPv4 cannot carry it (icmpv6).
std::optional<std::string> protocol_of(const std::string& name) {
  if (name == "-1" || name == "all") return "all";
  if (name == "tcp" || name == "6") return "tcp";
  if (name == "udp" || name == "17") return "udp";
  if (name == "icmp" || name == "1") return "icmp";
  if (name == "icmpv6" || name == "58") return std::nullopt;
  return name;
}

// The protocol and port (or ICMP type/code) matches of `r`; nullopt when it cannot apply.
std::optional<json> traffic_matches(const FirewallRule& r) {
  auto protocol = protocol_of(r.protocol);
  if (!protocol) return std::nullopt;
  json out = json::array();
  if (*protocol == "tcp" || *protocol == "udp") {
    out.push_back(match(meta("l4proto"), "==", *protocol));
    if (r.from_port >= 0 && !(r.from_port == 0 && r.to_port == 65535)) {
      int last = r.to_port < 0 ? r.from_port : r.to_port;
      json ports = last == r.from_port ? json(r.from_port) : json{{"range", {r.from_port, last}}};
      out.push_back(match(payload(*protocol, "dport"), "==", ports));
    }
  } else if (*protocol == "icmp") {
    out.push_back(match(meta("l4proto"), "==", "icmp"));
    if (r.from_port >= 0) out.push_back(match(payload("icmp", "type"), "==", r.from_port));
    if (r.from_port >= 0 && r.to_port >= 0) out.push_back(match(payload("icmp", "code"), "==", r.to_port));
  } else if (*protocol != "all") {
    out.push_back(match(meta("l4proto"), "==", std::stoi(*protocol)));
  }
  return out;
}

// The matches of `r` with its peers in `peer_field`; nullopt when it can match nothing.
std::optional<json> rule_matches(const FirewallRule& r, const std::string& peer_field) {
  auto traffic = traffic_matches(r);
  if (!traffic || r.peers.empty()) return std::nullopt;
  json expressions = json::array();
  if (auto peers = peer_set(r.peers)) {
    if (peers->empty()) return std::nullopt;
    expressions.push_back(match(payload("ip", peer_field), "==", {{"set", *peers}}));
  }
  for (const json& m : *traffic) expressions.push_back(m);
  return expressions;
}

// The rules of one direction's chain (declared before): each matching flow takes `verdict`;
// the rest is dropped.
void add_direction(json& commands, const std::string& chain_name, const std::vector<FirewallRule>& rules,
                   const std::string& peer_field, const json& verdict) {
  for (const FirewallRule& r : rules) {
    auto expressions = rule_matches(r, peer_field);
    if (!expressions) continue;
    expressions->push_back(verdict);
    commands.push_back(rule(chain_name, *expressions));
  }
  commands.push_back(rule(chain_name, json::array({{{"drop", nullptr}}})));
}

// A network ACL chain: the first matching entry decides (allow: on to the security groups;
// deny: drop); no match: drop.
void add_acl_chain(json& commands, const std::string& chain_name, const std::vector<AclEntry>& entries,
                   const std::string& peer_field) {
  commands.push_back(chain(chain_name));
  for (const AclEntry& e : entries) {
    auto expressions = rule_matches(e.traffic, peer_field);
    if (!expressions) continue;
    expressions->push_back(e.allow ? json{{"return", nullptr}} : json{{"drop", nullptr}});
    commands.push_back(rule(chain_name, *expressions));
  }
  commands.push_back(rule(chain_name, json::array({{{"drop", nullptr}}})));
}

json addresses_set(const std::vector<std::string>& addresses) {
  json set = json::array();
  for (const std::string& a : addresses) set.push_back(a);
  return {{"set", set}};
}

}  // namespace

json firewall_ruleset(const VpcFirewall& firewall) {
  const std::vector<InterfaceFirewall>& interfaces = firewall.interfaces;
  json commands = json::array();
  // Add-then-delete-then-add replaces the table atomically whether or not it exists.
  commands.push_back({{"add", {{"table", kTable}}}});
  commands.push_back({{"delete", {{"table", kTable}}}});
  commands.push_back({{"add", {{"table", kTable}}}});
  commands.push_back(base_chain("prerouting", "prerouting", -300));  // before connection tracking
  commands.push_back(base_chain("forward", "forward", 0));

  json egress_map = json::array(), ingress_map = json::array();
  for (const InterfaceFirewall& port : interfaces) {
    json from_tap = match(meta("iifname"), "==", port.tap);
    commands.push_back(rule("prerouting", {from_tap, match(payload("ether", "saddr"), "!=", port.mac), {{"drop", nullptr}}}));
    if (port.source_dest_check) {
      std::vector<std::string> sources = port.addresses;
      sources.push_back("0.0.0.0");  // DHCP before the guest has its address
      commands.push_back(rule("prerouting", {from_tap, match(payload("ip", "saddr"), "!=", addresses_set(sources)),
                                             {{"drop", nullptr}}}));
    }
    std::string egress = "egress_" + port.tap, ingress = "ingress_" + port.tap;
    commands.push_back(chain(egress));
    add_direction(commands, egress, port.egress, "daddr", {{"return", nullptr}});
    commands.push_back(chain(ingress));
    if (port.source_dest_check) {
      commands.push_back(rule(ingress, {match(payload("ip", "daddr"), "!=", addresses_set(port.addresses)),
                                        {{"drop", nullptr}}}));
    }
    add_direction(commands, ingress, port.ingress, "saddr", {{"accept", nullptr}});
    egress_map.push_back({port.tap, {{"jump", {{"target", egress}}}}});
    ingress_map.push_back({port.tap, {{"jump", {{"target", ingress}}}}});
  }
  json offline = json::array();  // taps of subnets without an internet route
  for (const InterfaceFirewall& port : interfaces) {
    if (!port.internet) offline.push_back(port.tap);
  }
  if (!offline.empty()) {
    json taps = {{"set", offline}};
    commands.push_back(rule("forward", {match(meta("iifname"), "==", taps), match(meta("oifname"), "==", kVpcUplink),
                                        {{"drop", nullptr}}}));
    commands.push_back(rule("forward", {match(meta("iifname"), "==", kVpcUplink), match(meta("oifname"), "==", taps),
                                        {{"drop", nullptr}}}));
  }
  for (size_t i = 0; i < firewall.acls.size(); ++i) {
    const SubnetAcl& acl = firewall.acls[i];
    if (acl.taps.empty()) continue;
    json taps = {{"set", acl.taps}};
    std::string out = "acl_out_" + std::to_string(i), in = "acl_in_" + std::to_string(i);
    add_acl_chain(commands, out, acl.outbound, "daddr");
    add_acl_chain(commands, in, acl.inbound, "saddr");
    json leaving = {match(meta("iifname"), "==", taps), match(meta("oifname"), "!=", taps)};
    json entering = {match(meta("oifname"), "==", taps), match(meta("iifname"), "!=", taps)};
    // A peer of the subnet on another host comes and goes over the overlay, not a local port.
    if (auto subnet = peer_set({acl.cidr}); subnet && !subnet->empty()) {
      leaving.push_back(match(payload("ip", "daddr"), "!=", (*subnet)[0]));
      entering.push_back(match(payload("ip", "saddr"), "!=", (*subnet)[0]));
    }
    leaving.push_back({{"jump", {{"target", out}}}});
    entering.push_back({{"jump", {{"target", in}}}});
    commands.push_back(rule("forward", leaving));
    commands.push_back(rule("forward", entering));
  }
  if (!interfaces.empty()) {
    // Rules apply at ports. What passes between other links (the overlay, peering links, the
    // uplink) is let through before connection tracking is asked: a router may see one
    // direction of such a flow only (a peering across hosts), which it would take for invalid.
    json ports = json::array();
    for (const InterfaceFirewall& port : interfaces) ports.push_back(port.tap);
    commands.push_back(rule("forward", {match(meta("iifname"), "!=", {{"set", ports}}),
                                        match(meta("oifname"), "!=", {{"set", ports}}), {{"accept", nullptr}}}));
    commands.push_back(rule("forward", {match({{"ct", {{"key", "state"}}}}, "in", {"established", "related"}),
                                        {{"accept", nullptr}}}));
    commands.push_back(rule("forward", {match({{"ct", {{"key", "state"}}}}, "in", {"invalid"}), {{"drop", nullptr}}}));
    commands.push_back(rule("forward", {{{"vmap", {{"key", meta("iifname")}, {"data", {{"set", egress_map}}}}}}}));
    commands.push_back(rule("forward", {{{"vmap", {{"key", meta("oifname")}, {"data", {{"set", ingress_map}}}}}}}));
  }
  return {{"nftables", commands}};
}

}  // namespace stratus::net
