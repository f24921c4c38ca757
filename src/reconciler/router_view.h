#pragma once
// Store facts that a VPC router's configuration (firewall, interface routes) is built from:
// which instances have ports on it, which route table decides for a subnet, and what the
// prefix lists that rules and routes name hold.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "model/instance.h"
#include "store/store.h"

namespace stratus::reconciler {

// True when the instance's interfaces have ports on the router (pending, running or stopping).
bool has_ports(const model::Instance& instance);

// The VPCs host `host_id` runs a router for without having any of their ports: each VPC whose
// ports are all on other hosts and that has an active peering connection with a VPC of
// `local_vpcs` (those with ports here). The peering link stays between two routers of this host,
// and the VPC's overlay carries what crosses it on to the VPC's hosts. Empty on a single host.
std::set<std::string> transit_vpcs(store::Transaction& txn, const std::string& host_id,
                                   const std::set<std::string>& local_vpcs);

// The private IPv4 addresses of an interface document (its primary one when it lists none).
std::vector<std::string> private_addresses(const nlohmann::json& eni);

// The current IPv4 entries of every prefix list: the account's (stored) and the AWS-managed ones.
class PrefixLists {
 public:
  // Reads every stored prefix list.
  explicit PrefixLists(store::Transaction& txn);
  // The IPv4 CIDRs of list `id` (an AWS-managed list of `region`, or a stored one); empty for
  // an IPv6 or unknown list.
  std::vector<std::string> cidrs(const std::string& id, const std::string& region) const;

 private:
  std::map<std::string, std::vector<std::string>> stored_;  // list id -> its IPv4 CIDRs
};

// The route table of every subnet: its own association, else its VPC's main table.
class RouteTableLookup {
 public:
  // Reads every route table and prefix list of the store.
  explicit RouteTableLookup(store::Transaction& txn);
  // The route table document deciding for `subnet_id` of `vpc_id`, or null when there is none.
  const nlohmann::json* of(const std::string& subnet_id, const std::string& vpc_id) const;
  // The IPv4 CIDRs a route of a table leads: its DestinationCidrBlock, or the entries of its
  // DestinationPrefixListId (none for an IPv6 route).
  std::vector<std::string> destinations(const nlohmann::json& route) const;
  // The prefix lists, for security group rules that name one.
  const PrefixLists& prefix_lists() const { return prefix_lists_; }

 private:
  PrefixLists prefix_lists_;
  std::vector<nlohmann::json> tables_;
  std::map<std::string, size_t> subnets_;  // explicitly associated subnet -> its table
  std::map<std::string, size_t> main_;     // VPC -> its main table
};

}  // namespace stratus::reconciler
