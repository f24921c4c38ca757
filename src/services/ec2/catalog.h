#pragma once
// Static facts of the region set: regions, availability zones, which instance types each
// offers, and the instance type catalogue with on-demand prices (kept for billing).

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stratus::ec2 {

// One availability zone.
struct Zone {
  std::string name;  // "us-east-1a"
  std::string id;    // "use1-az2"
  std::set<std::string, std::less<>> unavailable;  // types the region offers but this zone does not

  // True when instances of `type` launch in this zone. REQUIRES: the region offers `type`.
  bool offers_offered_type(std::string_view type) const { return unavailable.find(type) == unavailable.end(); }
};

// One region and its zones.
struct Region {
  std::string name;      // "us-east-1"
  bool opt_in = false;   // on AWS, disabled until an account opts in
  bool enabled = true;   // this server answers calls signed for it
  std::vector<Zone> zones;
  std::vector<const nlohmann::json*> instance_types;  // InstanceTypeInfo of the types offered here, by name
  std::set<std::string, std::less<>> offered;          // their names

  // "opt-in-not-required", "opted-in" or "not-opted-in", as DescribeRegions reports it.
  std::string opt_in_status() const;
  // True when instances of `type` launch in this region.
  bool offers(std::string_view type) const { return offered.find(type) != offered.end(); }
};

// Immutable catalogue shared by all calls.
class Catalog {
 public:
  // Builds the catalogue from the data files' texts (data/instance_types.json,
  // data/regions.json). `enabled` names the regions calls may be signed for; nullopt enables
  // every region. Throws std::runtime_error when the data is malformed or `enabled` names a
  // region the data does not have.
  Catalog(std::string_view instance_types_json, std::string_view regions_json,
          const std::optional<std::vector<std::string>>& enabled = std::nullopt);
  // Regions point into the catalogue's own type list.
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Every region, enabled or not, in name order.
  const std::vector<Region>& regions() const { return regions_; }
  // The region named `name` (enabled or not), or null.
  const Region* region(std::string_view name) const;
  // The zone of `region` with this name or zone id, or null.
  const Zone* zone(std::string_view region, std::string_view name_or_id) const;
  // The zone id of the zone of `region` named `name`, or "" when there is none.
  std::string zone_id(std::string_view region, std::string_view name) const {
    const Zone* found = zone(region, name);
    return found != nullptr ? found->id : "";
  }
  // True when `type` is in the catalogue (in some region).
  bool has_instance_type(std::string_view type) const { return instance_type(type) != nullptr; }
  // The InstanceTypeInfo document of `type`, or null when it is not in the catalogue.
  const nlohmann::json* instance_type(std::string_view type) const;
  // USD per hour for `type` on demand in `region`, or nullopt when unknown.
  std::optional<double> hourly_price(std::string_view type, std::string_view region) const;

 private:
  std::vector<Region> regions_;
  std::vector<nlohmann::json> instance_types_;
  std::unordered_map<std::string, size_t> type_index_;  // name -> position in instance_types_
  nlohmann::json prices_;                               // type -> region -> price
};

}  // namespace stratus::ec2
