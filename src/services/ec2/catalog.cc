#include "services/ec2/catalog.h"

#include <algorithm>
#include <stdexcept>

namespace stratus::ec2 {
namespace {

using nlohmann::json;

// Maps one catalogue entry to DescribeInstanceTypes' InstanceTypeInfo.
json instance_type_info(const json& t) {
  bool nitro = t.value("Hypervisor", "") == "nitro" || t.value("BareMetal", false);
  return {
      {"InstanceType", t.at("InstanceType")},
      {"CurrentGeneration", t.value("CurrentGeneration", true)},
      {"FreeTierEligible", t.value("FreeTierEligible", false)},
      {"SupportedUsageClasses", t.value("SupportedUsageClasses", json::array({"on-demand"}))},
      {"SupportedRootDeviceTypes", t.value("SupportedRootDeviceTypes", json::array({"ebs"}))},
      {"SupportedVirtualizationTypes", t.value("SupportedVirtualizationTypes", json::array({"hvm"}))},
      {"BareMetal", t.value("BareMetal", false)},
      {"Hypervisor", t.contains("Hypervisor") ? t["Hypervisor"] : json()},
      {"ProcessorInfo",
       {{"SupportedArchitectures", t.value("SupportedArchitectures", json::array({"x86_64"}))},
        {"SustainedClockSpeedInGhz", t.value("SustainedClockSpeedInGhz", 2.5)},
        {"Manufacturer", "Intel"}}},
      {"VCpuInfo",
       {{"DefaultVCpus", t.at("VCpus")},
        {"DefaultCores", t.value("DefaultCores", t.at("VCpus").get<int>())},
        {"DefaultThreadsPerCore", t.value("DefaultThreadsPerCore", 1)},
        {"ValidCores", t.value("ValidCores", json::array())},
        {"ValidThreadsPerCore", t.value("ValidThreadsPerCore", json::array())}}},
      {"MemoryInfo", {{"SizeInMiB", t.at("MemoryMiB")}}},
      {"InstanceStorageSupported", false},
      {"EbsInfo",
       {{"EbsOptimizedSupport", t.value("EbsOptimizedSupport", "unsupported")},
        {"EncryptionSupport", "supported"},
        {"NvmeSupport", nitro ? "required" : "unsupported"}}},
      {"NetworkInfo",
       {{"NetworkPerformance", t.value("NetworkPerformance", "Moderate")},
        {"MaximumNetworkInterfaces", t.value("MaximumNetworkInterfaces", 2)},
        {"MaximumNetworkCards", 1},
        {"DefaultNetworkCardIndex", 0},
        {"NetworkCards",
         json::array({{{"NetworkCardIndex", 0},
                       {"NetworkPerformance", t.value("NetworkPerformance", "Moderate")},
                       {"MaximumNetworkInterfaces", t.value("MaximumNetworkInterfaces", 2)}}})},
        {"Ipv4AddressesPerInterface", t.value("Ipv4AddressesPerInterface", 2)},
        {"Ipv6AddressesPerInterface", t.value("Ipv6AddressesPerInterface", 2)},
        {"Ipv6Supported", true},
        {"EnaSupport", t.value("EnaSupport", "unsupported")},
        {"EfaSupported", false},
        {"EncryptionInTransitSupported", false}}},
      {"PlacementGroupInfo", {{"SupportedStrategies", json::array({"partition", "spread"})}}},
      {"HibernationSupported", false},
      {"BurstablePerformanceSupported", t.value("BurstablePerformanceSupported", false)},
      {"DedicatedHostsSupported", false},
      {"AutoRecoverySupported", true},
      {"SupportedBootModes", json::array({"legacy-bios", "uefi"})},
  };
}

}  // namespace

Catalog::Catalog(std::string_view instance_types_json) {
  regions_ = {
      {"us-east-1", {{"us-east-1a", "use1-az1"}, {"us-east-1b", "use1-az2"}, {"us-east-1c", "use1-az3"}}},
      {"ap-northeast-2", {{"ap-northeast-2a", "apne2-az1"}, {"ap-northeast-2b", "apne2-az2"},
                          {"ap-northeast-2c", "apne2-az3"}}},
  };
  json data = json::parse(instance_types_json);
  prices_ = json::object();
  for (const json& t : data.at("types")) {
    json info = instance_type_info(t);
    if (info["Hypervisor"].is_null()) info.erase("Hypervisor");
    prices_[t.at("InstanceType").get<std::string>()] = t.value("PricePerHourUsd", json::object());
    instance_types_.push_back(std::move(info));
  }
  std::sort(instance_types_.begin(), instance_types_.end(), [](const json& a, const json& b) {
    return a["InstanceType"].get<std::string>() < b["InstanceType"].get<std::string>();
  });
}

const Region* Catalog::region(std::string_view name) const {
  for (const Region& r : regions_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const Zone* Catalog::zone(std::string_view region_name, std::string_view name_or_id) const {
  const Region* r = region(region_name);
  if (r == nullptr) return nullptr;
  for (const Zone& z : r->zones) {
    if (z.name == name_or_id || z.id == name_or_id) return &z;
  }
  return nullptr;
}

bool Catalog::has_instance_type(std::string_view type) const { return prices_.contains(std::string(type)); }

const nlohmann::json* Catalog::instance_type(std::string_view type) const {
  for (const nlohmann::json& info : instance_types_) {
    if (info.value("InstanceType", "") == type) return &info;
  }
  return nullptr;
}

std::optional<double> Catalog::hourly_price(std::string_view type, std::string_view region_name) const {
  auto t = prices_.find(std::string(type));
  if (t == prices_.end()) return std::nullopt;
  auto p = t->find(std::string(region_name));
  if (p == t->end() || !p->is_number()) return std::nullopt;
  return p->get<double>();
}

}  // namespace stratus::ec2
