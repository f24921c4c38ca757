#include "services/ec2/region_info.h"

#include <set>

#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

// Fails with `code` when some of the requested names are not among `known`.
void require_known(const json& requested, const std::set<std::string>& known, const std::string& code,
                   const std::string& what) {
  std::string missing;
  for (const json& name : requested) {
    if (!known.count(name.get<std::string>())) missing += (missing.empty() ? "" : ", ") + name.get<std::string>();
  }
  if (!missing.empty()) fail(code, what + ": [" + missing + "]");
}

json describe_regions(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"endpoint", field("Endpoint")},
                                      {"region-name", field("RegionName")},
                                      {"opt-in-status", field("OptInStatus")}};
  std::set<std::string> known;
  for (const Region& r : ctx.catalog.regions()) known.insert(r.name);
  require_known(request.value("RegionNames", json::array()), known, "InvalidParameterValue", "Invalid region names");
  std::set<std::string> wanted;
  for (const json& n : request.value("RegionNames", json::array())) wanted.insert(n.get<std::string>());
  std::vector<json> rows;
  for (const Region& r : ctx.catalog.regions()) {
    if (!wanted.empty() && !wanted.count(r.name)) continue;
    rows.push_back({{"RegionName", r.name},
                    {"Endpoint", "ec2." + r.name + ".amazonaws.com"},
                    {"OptInStatus", "opt-in-not-required"}});
  }
  json out = describe_values(std::move(rows), json{{"Filters", request.value("Filters", json::array())}}, filters,
                             "Regions");
  return out;
}

json describe_availability_zones(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"zone-name", field("ZoneName")},     {"zone-id", field("ZoneId")},
      {"region-name", field("RegionName")}, {"state", field("State")},
      {"zone-type", field("ZoneType")},     {"group-name", field("GroupName")},
      {"opt-in-status", field("OptInStatus")}, {"network-border-group", field("NetworkBorderGroup")},
      {"message", field("Messages[].Message")}};
  const Region* region = ctx.catalog.region(ctx.region);
  std::set<std::string> names, ids;
  for (const Zone& z : region->zones) {
    names.insert(z.name);
    ids.insert(z.id);
  }
  require_known(request.value("ZoneNames", json::array()), names, "InvalidParameterValue", "Invalid availability zone");
  require_known(request.value("ZoneIds", json::array()), ids, "InvalidParameterValue", "Invalid availability zone id");
  std::vector<json> rows;
  for (const Zone& z : region->zones) {
    bool by_name = request.contains("ZoneNames") && !request["ZoneNames"].empty();
    bool by_id = request.contains("ZoneIds") && !request["ZoneIds"].empty();
    if ((by_name || by_id) &&
        !(by_name && std::find(request["ZoneNames"].begin(), request["ZoneNames"].end(), z.name) !=
                         request["ZoneNames"].end()) &&
        !(by_id && std::find(request["ZoneIds"].begin(), request["ZoneIds"].end(), z.id) != request["ZoneIds"].end())) {
      continue;
    }
    rows.push_back({{"ZoneName", z.name},
                    {"ZoneId", z.id},
                    {"RegionName", region->name},
                    {"State", "available"},
                    {"OptInStatus", "opt-in-not-required"},
                    {"Messages", json::array()},
                    {"GroupName", region->name},
                    {"GroupLongName", region->name},
                    {"NetworkBorderGroup", region->name},
                    {"ZoneType", "availability-zone"}});
  }
  return describe_values(std::move(rows), json{{"Filters", request.value("Filters", json::array())}}, filters,
                         "AvailabilityZones");
}

json describe_account_attributes(CallContext& ctx, const json& request) {
  std::string default_vpc = "none";
  for (const json& vpc : list(ctx, kinds::kVpc)) {
    if (vpc.value("IsDefault", false)) default_vpc = vpc.value("VpcId", "none");
  }
  const std::vector<std::pair<std::string, std::string>> attributes = {
      {"supported-platforms", "VPC"},
      {"default-vpc", default_vpc},
      {"max-instances", "20"},
      {"vpc-max-security-groups-per-interface", "5"},
      {"max-elastic-ips", "5"},
      {"vpc-max-elastic-ips", "5"},
  };
  std::set<std::string> wanted;
  for (const json& n : request.value("AttributeNames", json::array())) wanted.insert(n.get<std::string>());
  json rows = json::array();
  for (const auto& [name, value] : attributes) {
    if (!wanted.empty() && !wanted.count(name)) continue;
    rows.push_back({{"AttributeName", name}, {"AttributeValues", json::array({{{"AttributeValue", value}}})}});
  }
  return {{"AccountAttributes", rows}};
}

json describe_instance_types(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"instance-type", field("InstanceType")},
      {"current-generation", field("CurrentGeneration")},
      {"free-tier-eligible", field("FreeTierEligible")},
      {"bare-metal", field("BareMetal")},
      {"hypervisor", field("Hypervisor")},
      {"burstable-performance-supported", field("BurstablePerformanceSupported")},
      {"instance-storage-supported", field("InstanceStorageSupported")},
      {"supported-usage-class", field("SupportedUsageClasses")},
      {"supported-root-device-type", field("SupportedRootDeviceTypes")},
      {"supported-virtualization-type", field("SupportedVirtualizationTypes")},
      {"processor-info.supported-architecture", field("ProcessorInfo.SupportedArchitectures")},
      {"processor-info.sustained-clock-speed-in-ghz", field("ProcessorInfo.SustainedClockSpeedInGhz")},
      {"vcpu-info.default-vcpus", field("VCpuInfo.DefaultVCpus")},
      {"vcpu-info.default-cores", field("VCpuInfo.DefaultCores")},
      {"vcpu-info.default-threads-per-core", field("VCpuInfo.DefaultThreadsPerCore")},
      {"vcpu-info.valid-cores", field("VCpuInfo.ValidCores")},
      {"vcpu-info.valid-threads-per-core", field("VCpuInfo.ValidThreadsPerCore")},
      {"memory-info.size-in-mib", field("MemoryInfo.SizeInMiB")},
      {"ebs-info.ebs-optimized-support", field("EbsInfo.EbsOptimizedSupport")},
      {"ebs-info.encryption-support", field("EbsInfo.EncryptionSupport")},
      {"ebs-info.nvme-support", field("EbsInfo.NvmeSupport")},
      {"network-info.ena-support", field("NetworkInfo.EnaSupport")},
      {"network-info.ipv6-supported", field("NetworkInfo.Ipv6Supported")},
      {"network-info.maximum-network-interfaces", field("NetworkInfo.MaximumNetworkInterfaces")},
      {"network-info.ipv4-addresses-per-interface", field("NetworkInfo.Ipv4AddressesPerInterface")},
      {"network-info.ipv6-addresses-per-interface", field("NetworkInfo.Ipv6AddressesPerInterface")},
      {"network-info.network-performance", field("NetworkInfo.NetworkPerformance")},
      {"hibernation-supported", field("HibernationSupported")},
      {"dedicated-hosts-supported", field("DedicatedHostsSupported")},
      {"auto-recovery-supported", field("AutoRecoverySupported")},
      {"supported-boot-mode", field("SupportedBootModes")},
  };
  std::set<std::string> known, wanted;
  for (const json& t : ctx.catalog.instance_types()) known.insert(t["InstanceType"].get<std::string>());
  require_known(request.value("InstanceTypes", json::array()), known, "InvalidInstanceType",
                "The following supplied instance types do not exist");
  for (const json& n : request.value("InstanceTypes", json::array())) wanted.insert(n.get<std::string>());
  std::vector<json> rows;
  for (const json& t : ctx.catalog.instance_types()) {
    if (wanted.empty() || wanted.count(t["InstanceType"].get<std::string>())) rows.push_back(t);
  }
  json paging = request;
  if (!paging.contains("MaxResults")) paging["MaxResults"] = 100;
  return describe_values(std::move(rows), paging, filters, "InstanceTypes");
}

json describe_instance_type_offerings(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"instance-type", field("InstanceType")}, {"location", field("Location")}};
  std::string location_type = str(request, "LocationType", "region");
  const Region* region = ctx.catalog.region(ctx.region);
  std::vector<std::string> locations;
  if (location_type == "region") {
    locations.push_back(region->name);
  } else {
    for (const Zone& z : region->zones) locations.push_back(location_type == "availability-zone" ? z.name : z.id);
  }
  if (location_type != "region" && location_type != "availability-zone" && location_type != "availability-zone-id") {
    fail("InvalidParameterValue", "Invalid LocationType: " + location_type);
  }
  std::vector<json> rows;
  for (const std::string& location : locations) {
    for (const json& t : ctx.catalog.instance_types()) {
      std::string type = t["InstanceType"].get<std::string>();
      if (!ctx.catalog.hourly_price(type, ctx.region)) continue;
      rows.push_back({{"InstanceType", type}, {"LocationType", location_type}, {"Location", location}});
    }
  }
  return describe_values(std::move(rows), request, filters, "InstanceTypeOfferings");
}

}  // namespace

void add_region_info_actions(ActionTable& table) {
  table["DescribeRegions"] = {describe_regions, false};
  table["DescribeAvailabilityZones"] = {describe_availability_zones, false};
  table["DescribeAccountAttributes"] = {describe_account_attributes, false};
  table["DescribeInstanceTypes"] = {describe_instance_types, false};
  table["DescribeInstanceTypeOfferings"] = {describe_instance_type_offerings, false};
}

}  // namespace stratus::ec2
