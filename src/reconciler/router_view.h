#pragma once
// Store facts that a VPC router's configuration (firewall, interface routes) is built from:
// which instances have ports on it, and which route table decides for a subnet.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store.h"

namespace stratus::reconciler {

// True when the instance's interfaces have ports on the router (pending, running or stopping).
bool has_ports(const nlohmann::json& instance);

// The route table of every subnet: its own association, else its VPC's main table.
class RouteTableLookup {
 public:
  // Reads every route table of the store.
  explicit RouteTableLookup(store::Transaction& txn);
  // The route table document deciding for `subnet_id` of `vpc_id`, or null when there is none.
  const nlohmann::json* of(const std::string& subnet_id, const std::string& vpc_id) const;

 private:
  std::vector<nlohmann::json> tables_;
  std::map<std::string, size_t> subnets_;  // explicitly associated subnet -> its table
  std::map<std::string, size_t> main_;     // VPC -> its main table
};

}  // namespace stratus::reconciler
