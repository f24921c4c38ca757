#include "services/ec2/catalog.h"

#include <algorithm>
#include <stdexcept>

namespace stratus::ec2 {

using nlohmann::json;

std::string Region::opt_in_status() const {
  if (!enabled) return "not-opted-in";
  return opt_in ? "opted-in" : "opt-in-not-required";
}

Catalog::Catalog(std::string_view instance_types_json, std::string_view regions_json,
                 const std::optional<std::vector<std::string>>& enabled) {
  json types = json::parse(instance_types_json);
  prices_ = types.value("prices", json::object());
  for (json& t : types.at("types")) instance_types_.push_back(std::move(t));
  std::sort(instance_types_.begin(), instance_types_.end(), [](const json& a, const json& b) {
    return a["InstanceType"].get_ref<const std::string&>() < b["InstanceType"].get_ref<const std::string&>();
  });
  for (size_t i = 0; i < instance_types_.size(); ++i) type_index_[instance_types_[i]["InstanceType"]] = i;

  json regions = json::parse(regions_json);
  for (const json& r : regions.at("regions")) {
    Region region;
    region.name = r.at("name").get<std::string>();
    region.opt_in = r.at("opt_in").get<bool>();
    region.enabled = !enabled || std::find(enabled->begin(), enabled->end(), region.name) != enabled->end();
    for (const json& z : r.at("zones")) {
      Zone zone{z.at("name").get<std::string>(), z.at("id").get<std::string>(), {}};
      for (const json& t : z.at("unavailable")) zone.unavailable.insert(t.get<std::string>());
      region.zones.push_back(std::move(zone));
    }
    for (const json& t : r.at("instance_types")) {
      const json* info = instance_type(t.get<std::string>());
      if (info == nullptr) throw std::runtime_error("regions data: unknown instance type " + t.dump());
      region.instance_types.push_back(info);
      region.offered.insert(t.get<std::string>());
    }
    regions_.push_back(std::move(region));
  }
  std::sort(regions_.begin(), regions_.end(), [](const Region& a, const Region& b) { return a.name < b.name; });
  for (const std::string& name : enabled.value_or(std::vector<std::string>{})) {
    if (region(name) == nullptr) throw std::runtime_error("unknown region " + name);
  }
}

const Region* Catalog::region(std::string_view name) const {
  auto it = std::lower_bound(regions_.begin(), regions_.end(), name,
                             [](const Region& r, std::string_view n) { return r.name < n; });
  return it != regions_.end() && it->name == name ? &*it : nullptr;
}

const Zone* Catalog::zone(std::string_view region_name, std::string_view name_or_id) const {
  const Region* r = region(region_name);
  if (r == nullptr) return nullptr;
  for (const Zone& z : r->zones) {
    if (z.name == name_or_id || z.id == name_or_id) return &z;
  }
  return nullptr;
}

const nlohmann::json* Catalog::instance_type(std::string_view type) const {
  auto it = type_index_.find(std::string(type));
  return it == type_index_.end() ? nullptr : &instance_types_[it->second];
}

std::optional<double> Catalog::hourly_price(std::string_view type, std::string_view region_name) const {
  auto t = prices_.find(std::string(type));
  if (t == prices_.end()) return std::nullopt;
  auto p = t->find(std::string(region_name));
  if (p == t->end() || !p->is_number()) return std::nullopt;
  return p->get<double>();
}

}  // namespace stratus::ec2
