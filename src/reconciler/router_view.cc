#include "reconciler/router_view.h"

#include "common/network_defaults.h"
#include "compute/instance_state.h"

namespace stratus::reconciler {

using nlohmann::json;

bool has_ports(const model::Instance& instance) { return compute::holds_host(instance.status.state); }

std::set<std::string> transit_vpcs(store::Transaction& txn, const std::string& host_id,
                                   const std::set<std::string>& local_vpcs) {
  std::set<std::string> elsewhere;  // VPCs with ports on other hosts
  for (const store::Record& record : txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (has_ports(instance) && instance.spec.host_id != host_id) elsewhere.insert(instance.api.value("VpcId", ""));
  }
  std::set<std::string> out;
  for (const store::Record& pcx : txn.list("vpc-peering-connection", std::nullopt)) {
    if (pcx.doc["Status"].value("Code", "") != "active") continue;
    std::string a = pcx.doc["RequesterVpcInfo"].value("VpcId", ""), b = pcx.doc["AccepterVpcInfo"].value("VpcId", "");
    for (auto [here, there] : {std::pair{a, b}, std::pair{b, a}}) {
      if (local_vpcs.count(here) && !local_vpcs.count(there) && elsewhere.count(there)) out.insert(there);
    }
  }
  return out;
}

std::vector<std::string> private_addresses(const json& eni) {
  std::vector<std::string> out;
  for (const json& a : eni.value("PrivateIpAddresses", json::array())) out.push_back(a.value("PrivateIpAddress", ""));
  if (out.empty()) out.push_back(eni.value("PrivateIpAddress", ""));
  return out;
}

PrefixLists::PrefixLists(store::Transaction& txn) {
  for (const store::Record& list : txn.list("prefix-list", std::nullopt)) {
    std::vector<std::string>& cidrs = stored_[list.id];
    if (list.doc.value("AddressFamily", "") != "IPv4") continue;
    for (const json& entry : list.doc.value("Entries", json::array())) cidrs.push_back(entry.value("Cidr", ""));
  }
}

std::vector<std::string> PrefixLists::cidrs(const std::string& id, const std::string& region) const {
  auto stored = stored_.find(id);
  if (stored != stored_.end()) return stored->second;
  for (const AwsManagedPrefixList& list : aws_managed_prefix_lists(region)) {
    if (list.id == id) return list.cidrs;
  }
  return {};
}

RouteTableLookup::RouteTableLookup(store::Transaction& txn) : prefix_lists_(txn) {
  for (store::Record& table : txn.list("route-table", std::nullopt)) {
    for (const json& a : table.doc.value("Associations", json::array())) {
      if (a.value("Main", false)) main_[table.doc.value("VpcId", "")] = tables_.size();
      if (a.contains("SubnetId")) subnets_[a["SubnetId"].get<std::string>()] = tables_.size();
    }
    tables_.push_back(std::move(table.doc));
  }
}

const json* RouteTableLookup::of(const std::string& subnet_id, const std::string& vpc_id) const {
  auto own = subnets_.find(subnet_id);
  if (own != subnets_.end()) return &tables_[own->second];
  auto main = main_.find(vpc_id);
  return main != main_.end() ? &tables_[main->second] : nullptr;
}

std::vector<std::string> RouteTableLookup::destinations(const json& route) const {
  if (route.contains("DestinationCidrBlock")) return {route["DestinationCidrBlock"].get<std::string>()};
  if (route.contains("DestinationPrefixListId")) {
    return prefix_lists_.cidrs(route["DestinationPrefixListId"].get<std::string>(), "");
  }
  return {};
}

}  // namespace stratus::reconciler
