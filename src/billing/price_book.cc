#include "billing/price_book.h"

#include <cctype>
#include <stdexcept>

namespace stratus::billing {
namespace {

using nlohmann::json;

// `into` with every value of `from` laid over it, objects merged member by member.
void merge(json& into, const json& from) {
  for (const auto& [key, value] : from.items()) {
    if (value.is_object() && into.contains(key) && into[key].is_object()) {
      merge(into[key], value);
    } else {
      into[key] = value;
    }
  }
}

double number_or(const json* value, double fallback) { return value && value->is_number() ? value->get<double>() : fallback; }

}  // namespace

PriceBook::PriceBook(json prices, const ec2::Catalog& catalog) : prices_(std::move(prices)), catalog_(catalog) {
  if (!prices_.is_object() || !prices_.contains("default") || !prices_["default"].is_object()) {
    throw std::invalid_argument("prices: a \"default\" object is required");
  }
}

void PriceBook::override_with(const json& overrides) {
  if (!overrides.is_object()) throw std::invalid_argument("price file: a JSON object is required");
  json rest = overrides;
  if (rest.contains("instances")) {
    merge(instance_overrides_, rest["instances"]);
    rest.erase("instances");
  }
  merge(prices_, rest);
}

const json* PriceBook::find(const std::string& region, std::initializer_list<const char*> path) const {
  for (const json* base : {prices_.contains("regions") && prices_["regions"].contains(region) ? &prices_["regions"][region]
                                                                                                : nullptr,
                           &prices_["default"]}) {
    const json* node = base;
    for (const char* member : path) {
      if (node == nullptr || !node->is_object() || !node->contains(member)) {
        node = nullptr;
        break;
      }
      node = &(*node)[member];
    }
    if (node != nullptr) return node;
  }
  return nullptr;
}

std::optional<double> PriceBook::instance_hour(const std::string& type, const std::string& region) const {
  if (auto t = instance_overrides_.find(type); t != instance_overrides_.end()) {
    if (auto p = t->find(region); p != t->end() && p->is_number()) return p->get<double>();
  }
  return catalog_.hourly_price(type, region);
}

std::optional<EbsPrices> PriceBook::ebs(const std::string& volume_type, const std::string& region) const {
  if (find(region, {"ebs", volume_type.c_str()}) == nullptr) return std::nullopt;
  auto value = [&](const char* name) { return number_or(find(region, {"ebs", volume_type.c_str(), name}), 0); };
  EbsPrices out;
  out.storage_gb_month = value("storage_gb_month");
  out.iops_month = value("iops_month");
  out.baseline_iops = static_cast<int64_t>(value("baseline_iops"));
  out.throughput_mibps_month = value("throughput_mibps_month");
  out.baseline_throughput = static_cast<int64_t>(value("baseline_throughput"));
  return out;
}

double PriceBook::snapshot_gb_month(const std::string& region) const {
  return number_or(find(region, {"snapshot_gb_month"}), 0);
}

double PriceBook::public_ipv4_hour(const std::string& region) const {
  return number_or(find(region, {"public_ipv4_hour"}), 0);
}

std::string PriceBook::usage_prefix(const std::string& region) const {
  if (prices_.contains("usage_prefixes")) {
    if (auto it = prices_["usage_prefixes"].find(region); it != prices_["usage_prefixes"].end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  // "ap-east-2" -> "APE2": the area upper-cased, then each word's initial, then the number.
  std::string out;
  size_t dash = region.find('-');
  for (size_t i = 0; i < region.size(); ++i) {
    char c = region[i];
    bool area = i < dash, initial = i > 0 && region[i - 1] == '-' && i > dash;
    if (area || initial || std::isdigit(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace stratus::billing
