#pragma once
// The account's quotas: AWS's default values, changed with `stratus serve --limit NAME=VALUE`,
// reported by DescribeAccountAttributes and enforced by the create calls with AWS's error codes.
// Names are AWS's account attribute names where AWS has one, else the quota's name in kebab case.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::ec2 {

// The quotas of every account in every region (AWS's defaults: Amazon VPC quotas and EC2's).
struct Limits {
  int64_t instances = 20;                      // max-instances: pending, running and stopping instances per region
  int64_t elastic_ips = 5;                     // max-elastic-ips, vpc-max-elastic-ips: one quota since EC2-Classic
  int64_t security_groups_per_interface = 5;   // vpc-max-security-groups-per-interface
  int64_t vpcs = 5;                            // vpcs-per-region, the default VPC included
  int64_t internet_gateways = 5;               // internet-gateways-per-region
  int64_t security_groups = 2500;              // security-groups-per-region, default groups included
  int64_t rules_per_security_group = 60;       // per direction and address family
  int64_t subnets_per_vpc = 200;
  int64_t route_tables_per_vpc = 200;          // the main route table included
  int64_t routes_per_route_table = 500;        // routes added to a table (its local route is not one)
  int64_t network_acls_per_vpc = 200;          // the default network ACL included
  int64_t rules_per_network_acl = 20;          // per direction, the default deny rule included
  int64_t tags_per_resource = 50;
  int64_t network_interfaces = 5000;           // network-interfaces-per-region, instances' own included
  int64_t key_pairs = 5000;                    // key-pairs-per-region
  int64_t prefix_lists = 100;                  // prefix-lists-per-region: the account's own (customer-managed)
  int64_t entries_per_prefix_list = 1000;      // the largest MaxEntries a prefix list may have
  int64_t snapshots = 100000;                  // snapshots-per-region: the account's own EBS snapshots
  int64_t volume_storage_tib = 50;             // volume-storage-tib: per volume type, the sizes of its volumes summed
  int64_t volume_modifications_per_day = 4;    // ModifyVolume calls per volume in a rolling 24 hours
};

// The largest value a limit may be set to.
inline constexpr int64_t kMaxLimitValue = 1'000'000'000;

// Sets the limit that `assignment` ("NAME=VALUE", VALUE a whole number from 0 to
// kMaxLimitValue) names. Returns what is wrong with it (unknown name, bad number), leaving
// `limits` unchanged, or nullopt when it was applied.
std::optional<std::string> apply_limit(Limits& limits, std::string_view assignment);

}  // namespace stratus::ec2
