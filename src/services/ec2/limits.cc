#include "services/ec2/limits.h"

#include <charconv>

namespace stratus::ec2 {
namespace {

// A limit's name and where it is kept.
struct NamedLimit {
  std::string_view name;
  int64_t Limits::*field;
};

constexpr NamedLimit kNamedLimits[] = {
    {"max-instances", &Limits::instances},
    {"max-elastic-ips", &Limits::elastic_ips},
    {"vpc-max-elastic-ips", &Limits::elastic_ips},
    {"vpc-max-security-groups-per-interface", &Limits::security_groups_per_interface},
    {"vpcs-per-region", &Limits::vpcs},
    {"internet-gateways-per-region", &Limits::internet_gateways},
    {"security-groups-per-region", &Limits::security_groups},
    {"rules-per-security-group", &Limits::rules_per_security_group},
    {"subnets-per-vpc", &Limits::subnets_per_vpc},
    {"route-tables-per-vpc", &Limits::route_tables_per_vpc},
    {"routes-per-route-table", &Limits::routes_per_route_table},
    {"network-acls-per-vpc", &Limits::network_acls_per_vpc},
    {"rules-per-network-acl", &Limits::rules_per_network_acl},
    {"tags-per-resource", &Limits::tags_per_resource},
    {"network-interfaces-per-region", &Limits::network_interfaces},
    {"key-pairs-per-region", &Limits::key_pairs},
    {"prefix-lists-per-region", &Limits::prefix_lists},
    {"entries-per-prefix-list", &Limits::entries_per_prefix_list},
    {"snapshots-per-region", &Limits::snapshots},
    {"volume-storage-tib", &Limits::volume_storage_tib},
    {"volume-modifications-per-day", &Limits::volume_modifications_per_day},
};

}  // namespace

std::optional<std::string> apply_limit(Limits& limits, std::string_view assignment) {
  size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) return "expected NAME=VALUE, got '" + std::string(assignment) + "'";
  std::string_view name = assignment.substr(0, equals), text = assignment.substr(equals + 1);
  const NamedLimit* named = nullptr;
  for (const NamedLimit& candidate : kNamedLimits) {
    if (candidate.name == name) named = &candidate;
  }
  if (named == nullptr) {
    std::string known;
    for (const NamedLimit& candidate : kNamedLimits) known += (known.empty() ? "" : ", ") + std::string(candidate.name);
    return "unknown limit '" + std::string(name) + "' (known: " + known + ")";
  }
  int64_t value = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 || value > kMaxLimitValue) {
    return "the value of " + std::string(name) + " must be a whole number from 0 to " +
           std::to_string(kMaxLimitValue) + ", got '" + std::string(text) + "'";
  }
  limits.*(named->field) = value;
  return std::nullopt;
}

}  // namespace stratus::ec2
