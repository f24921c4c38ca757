#include "reconciler/vpc_firewalls.h"

#include <algorithm>
#include <set>

#include "common/cidr.h"
#include "net/vpc_network.h"
#include "reconciler/router_view.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;

// Subnet -> whether its route table leads the host's edge address to an attached gateway.
class InternetRoutes {
 public:
  InternetRoutes(store::Transaction& txn, const RouteTableLookup& tables, const std::string& host_edge_address)
      : tables_(tables), host_edge_{*parse_ipv4(host_edge_address), 32} {
    for (const store::Record& gateway : txn.list("internet-gateway", std::nullopt)) {
      for (const json& a : gateway.doc.value("Attachments", json::array())) {
        attached_.insert(gateway.id + " " + a.value("VpcId", ""));
      }
    }
  }
  bool reaches(const std::string& subnet_id, const std::string& vpc_id) const {
    const json* table = tables_.of(subnet_id, vpc_id);
    if (table == nullptr) return false;
    for (const json& route : table->value("Routes", json::array())) {
      std::string gateway = route.value("GatewayId", "");
      if (gateway.rfind("igw-", 0) != 0 || !attached_.count(gateway + " " + table->value("VpcId", ""))) continue;
      for (const std::string& cidr : tables_.destinations(route)) {
        auto destination = Ipv4Cidr::parse(cidr);
        if (destination && destination->contains(host_edge_)) return true;
      }
    }
    return false;
  }

 private:
  const RouteTableLookup& tables_;
  Ipv4Cidr host_edge_;              // the host's edge address, as a /32
  std::set<std::string> attached_;  // "igw-... vpc-..."
};

// An ACL entry document as the firewall's AclEntry.
net::AclEntry acl_entry(const json& e) {
  net::AclEntry out;
  out.allow = e.value("RuleAction", "deny") == "allow";
  out.traffic.protocol = e.value("Protocol", "-1");
  if (e.contains("PortRange")) {
    out.traffic.from_port = e["PortRange"].value("From", -1);
    out.traffic.to_port = e["PortRange"].value("To", -1);
  } else if (e.contains("IcmpTypeCode")) {
    out.traffic.from_port = e["IcmpTypeCode"].value("Type", -1);
    out.traffic.to_port = e["IcmpTypeCode"].value("Code", -1);
  }
  out.traffic.peers = {e.value("CidrBlock", "0.0.0.0/0")};
  return out;
}

// True when the first entry of `entries` lets every packet through.
bool allows_all(const std::vector<net::AclEntry>& entries) {
  return !entries.empty() && entries[0].allow && entries[0].traffic.protocol == "-1" &&
         entries[0].traffic.peers == std::vector<std::string>{"0.0.0.0/0"};
}

// The network ACL of each subnet with ports here, unless it lets everything through.
std::vector<net::SubnetAcl> subnet_acls(store::Transaction& txn, const std::map<std::string, std::vector<std::string>>& taps) {
  std::vector<net::SubnetAcl> out;
  for (const store::Record& record : txn.list("network-acl", std::nullopt)) {
    std::vector<json> entries = record.doc.value("Entries", json::array());
    std::sort(entries.begin(), entries.end(),
              [](const json& a, const json& b) { return a.value("RuleNumber", 0) < b.value("RuleNumber", 0); });
    net::SubnetAcl acl;
    for (const json& e : entries) (e.value("Egress", false) ? acl.outbound : acl.inbound).push_back(acl_entry(e));
    if (allows_all(acl.inbound) && allows_all(acl.outbound)) continue;
    for (const json& a : record.doc.value("Associations", json::array())) {
      auto subnet_taps = taps.find(a.value("SubnetId", ""));
      if (subnet_taps == taps.end()) continue;
      net::SubnetAcl per_subnet = acl;
      if (auto subnet = txn.get(subnet_taps->first)) per_subnet.cidr = subnet->doc.value("CidrBlock", "");
      per_subnet.taps = subnet_taps->second;
      out.push_back(std::move(per_subnet));
    }
  }
  return out;
}

}  // namespace

std::map<std::string, net::VpcFirewall> vpc_firewalls(store::Transaction& txn, const RouteTableLookup& tables,
                                                      const std::string& host_edge_address) {
  // Each instance as described now, whether it has ports here, and its region.
  struct Described {
    json view;
    bool ports;
    bool terminated;
    std::string region;
  };
  std::vector<Described> instances;
  for (const store::Record& record : txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    instances.push_back({model::instance_view(instance), has_ports(instance),
                         instance.status.state == compute::InstanceState::kTerminated, record.region});
  }
  InternetRoutes routes(txn, tables, host_edge_address);
  // Security group -> the private addresses of its member interfaces (instances not terminated).
  std::map<std::string, std::vector<std::string>> members;
  for (const Described& record : instances) {
    if (record.terminated) continue;
    for (const json& eni : record.view.value("NetworkInterfaces", json::array())) {
      for (const json& group : eni.value("Groups", json::array())) {
        auto& list = members[group.value("GroupId", "")];
        for (const std::string& a : private_addresses(eni)) list.push_back(a + "/32");
      }
    }
  }
  // The rules of the groups ports use, looked up per group (indexed by the store), so a pass
  // costs what the running instances use, not what the region holds.
  std::map<std::string, std::vector<json>> rules_by_group;
  for (const Described& record : instances) {
    if (!record.ports) continue;
    for (const json& eni : record.view.value("NetworkInterfaces", json::array())) {
      for (const json& group : eni.value("Groups", json::array())) {
        std::string group_id = group.value("GroupId", "");
        if (rules_by_group.count(group_id)) continue;
        std::vector<json>& rules = rules_by_group[group_id];
        for (store::Record& rule : txn.find("security-group-rule", record.region, "GroupId", group_id)) {
          rules.push_back(std::move(rule.doc));
        }
      }
    }
  }
  std::map<std::string, net::VpcFirewall> out;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> taps;  // VPC -> subnet -> taps
  for (const Described& record : instances) {
    const json& instance = record.view;
    if (!record.ports) continue;
    for (const json& eni : instance.value("NetworkInterfaces", json::array())) {
      net::InterfaceFirewall port;
      port.tap = net::VpcNetwork::tap_name(eni.value("NetworkInterfaceId", ""));
      port.mac = eni.value("MacAddress", "");
      port.addresses = private_addresses(eni);
      port.source_dest_check = eni.value("SourceDestCheck", true);
      port.internet = routes.reaches(eni.value("SubnetId", ""), instance.value("VpcId", ""));
      for (const json& group : eni.value("Groups", json::array())) {
        for (const json& rule : rules_by_group[group.value("GroupId", "")]) {
          net::FirewallRule r;
          r.protocol = rule.value("IpProtocol", "-1");
          r.from_port = rule.value("FromPort", -1);
          r.to_port = rule.value("ToPort", -1);
          if (rule.contains("CidrIpv4")) {
            r.peers.push_back(rule["CidrIpv4"].get<std::string>());
          } else if (rule.contains("ReferencedGroupInfo")) {
            r.peers = members[rule["ReferencedGroupInfo"].value("GroupId", "")];
          } else if (rule.contains("PrefixListId")) {
            r.peers = tables.prefix_lists().cidrs(rule["PrefixListId"].get<std::string>(), record.region);
          }  // IPv6 peers: no IPv4 traffic matches them
          (rule.value("IsEgress", false) ? port.egress : port.ingress).push_back(std::move(r));
        }
      }
      taps[instance.value("VpcId", "")][eni.value("SubnetId", "")].push_back(port.tap);
      out[instance.value("VpcId", "")].interfaces.push_back(std::move(port));
    }
  }
  for (auto& [vpc_id, firewall] : out) firewall.acls = subnet_acls(txn, taps[vpc_id]);
  return out;
}

}  // namespace stratus::reconciler
