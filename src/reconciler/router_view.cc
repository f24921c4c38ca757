#include "reconciler/router_view.h"

#include "compute/instance_state.h"

namespace stratus::reconciler {

using nlohmann::json;

bool has_ports(const json& instance) {
  auto state = compute::parse_state(instance["State"].value("Name", "pending"));
  return state && compute::holds_host(*state);
}

RouteTableLookup::RouteTableLookup(store::Transaction& txn) {
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

}  // namespace stratus::reconciler
