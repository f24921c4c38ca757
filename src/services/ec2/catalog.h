#pragma once
// Static facts of the region set: regions, availability zones and the instance type
// catalogue with per-region on-demand prices (kept for billing).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::ec2 {

// One availability zone.
struct Zone {
  std::string name;  // "us-east-1a"
  std::string id;    // "use1-az1"
};

// One region and its zones.
struct Region {
  std::string name;  // "us-east-1"
  std::vector<Zone> zones;
};

// Immutable catalogue shared by all calls.
class Catalog {
 public:
  // Builds the catalogue from the instance type data file's text (data/instance_types.json).
  // Throws std::runtime_error when the data is malformed.
  explicit Catalog(std::string_view instance_types_json);

  // Every region, in a stable order.
  const std::vector<Region>& regions() const { return regions_; }
  // The region named `name`, or null.
  const Region* region(std::string_view name) const;
  // The zone of `region` with this name or zone id, or null.
  const Zone* zone(std::string_view region, std::string_view name_or_id) const;
  // InstanceTypeInfo documents (service-model member names), sorted by type name.
  const std::vector<nlohmann::json>& instance_types() const { return instance_types_; }
  // True when `type` is in the catalogue.
  bool has_instance_type(std::string_view type) const;
  // The InstanceTypeInfo document of `type`, or null when it is not in the catalogue.
  const nlohmann::json* instance_type(std::string_view type) const;
  // USD per hour for `type` on demand in `region`, or nullopt when unknown.
  std::optional<double> hourly_price(std::string_view type, std::string_view region) const;

 private:
  std::vector<Region> regions_;
  std::vector<nlohmann::json> instance_types_;
  nlohmann::json prices_;  // type -> region -> price
};

}  // namespace stratus::ec2
