#include "services/ec2/region_info.h"

#include <algorithm>
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
  bool all = request.value("AllRegions", false);
  std::vector<json> rows;
  for (const Region& r : ctx.catalog.regions()) {
    // Named regions are shown whatever their status; otherwise disabled ones only on AllRegions.
    if (wanted.empty() ? !(r.enabled || all) : !wanted.count(r.name)) continue;
    rows.push_back({{"RegionName", r.name},
                    {"Endpoint", ctx.endpoint_url.empty() ? "ec2." + r.name + ".amazonaws.com"
                                                          : std::string(ctx.endpoint_url)},
                    {"OptInStatus", r.opt_in_status()}});
  }
  return describe_values(std::move(rows), json{{"Filters", request.value("Filters", json::array())}}, filters,
                         "Regions");
}

// True when the request's list member `member` (maybe absent) has `value`.
bool listed(const json& request, const char* member, const std::string& value) {
  auto it = request.find(member);
  return it != request.end() && std::find(it->begin(), it->end(), value) != it->end();
}

json describe_availability_zones(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"zone-name", field("ZoneName")},
      {"zone-id", field("ZoneId")},
      {"region-name", field("RegionName")},
      {"state", field("State")},
      {"zone-type", field("ZoneType")},
      {"group-name", field("GroupName")},
      {"group-long-name", field("GroupLongName")},
      {"opt-in-status", field("OptInStatus")},
      {"network-border-group", field("NetworkBorderGroup")},
      {"parent-zone-id", field("ParentZoneId")},
      {"parent-zone-name", field("ParentZoneName")},
      {"message", field("Messages[].Message")}};
  const Region* region = ctx.catalog.region(ctx.region);
  std::set<std::string> names, ids;
  for (const Zone& z : region->zones) {
    names.insert(z.name);
    ids.insert(z.id);
  }
  require_known(request.value("ZoneNames", json::array()), names, "InvalidParameterValue", "Invalid availability zone");
  require_known(request.value("ZoneIds", json::array()), ids, "InvalidParameterValue", "Invalid availability zone id");
  bool by_name = !request.value("ZoneNames", json::array()).empty();
  bool by_id = !request.value("ZoneIds", json::array()).empty();
  // AllAvailabilityZones adds Local and Wavelength Zones, which stratus does not have.
  std::vector<json> rows;
  for (const Zone& z : region->zones) {
    if ((by_name || by_id) && !listed(request, "ZoneNames", z.name) && !listed(request, "ZoneIds", z.id)) continue;
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
  const Limits& limits = ctx.limits;
  const std::vector<std::pair<std::string, std::string>> attributes = {
      {"supported-platforms", "VPC"},
      {"default-vpc", default_vpc},
      {"max-instances", std::to_string(limits.instances)},
      {"vpc-max-security-groups-per-interface", std::to_string(limits.security_groups_per_interface)},
      {"max-elastic-ips", std::to_string(limits.elastic_ips)},
      {"vpc-max-elastic-ips", std::to_string(limits.elastic_ips)},
  };
  std::set<std::string> known, wanted;
  for (const auto& [name, value] : attributes) known.insert(name);
  for (const json& n : request.value("AttributeNames", json::array())) {
    const std::string& name = n.get_ref<const std::string&>();
    if (!known.count(name)) {
      fail("InvalidParameterValue", "Value (" + name + ") for parameter attributeName is invalid. Unknown attribute.");
    }
    wanted.insert(name);
  }
  json rows = json::array();
  for (const auto& [name, value] : attributes) {
    if (!wanted.empty() && !wanted.count(name)) continue;
    rows.push_back({{"AttributeName", name}, {"AttributeValues", json::array({{{"AttributeValue", value}}})}});
  }
  return {{"AccountAttributes", rows}};
}

json describe_instance_types(CallContext& ctx, const json& request) {
  // Every filter the model documents, by the member it reads.
  static const FilterTable filters = {
      {"auto-recovery-supported", field("AutoRecoverySupported")},
      {"bare-metal", field("BareMetal")},
      {"burstable-performance-supported", field("BurstablePerformanceSupported")},
      {"current-generation", field("CurrentGeneration")},
      {"dedicated-hosts-supported", field("DedicatedHostsSupported")},
      {"ebs-info.attachment-limit-type", field("EbsInfo.AttachmentLimitType")},
      {"ebs-info.maximum-ebs-attachments", field("EbsInfo.MaximumEbsAttachments")},
      {"ebs-info.ebs-optimized-info.baseline-bandwidth-in-mbps", field("EbsInfo.EbsOptimizedInfo.BaselineBandwidthInMbps")},
      {"ebs-info.ebs-optimized-info.baseline-iops", field("EbsInfo.EbsOptimizedInfo.BaselineIops")},
      {"ebs-info.ebs-optimized-info.baseline-throughput-in-mbps", field("EbsInfo.EbsOptimizedInfo.BaselineThroughputInMBps")},
      {"ebs-info.ebs-optimized-info.maximum-bandwidth-in-mbps", field("EbsInfo.EbsOptimizedInfo.MaximumBandwidthInMbps")},
      {"ebs-info.ebs-optimized-info.maximum-iops", field("EbsInfo.EbsOptimizedInfo.MaximumIops")},
      {"ebs-info.ebs-optimized-info.maximum-throughput-in-mbps", field("EbsInfo.EbsOptimizedInfo.MaximumThroughputInMBps")},
      {"ebs-info.ebs-optimized-support", field("EbsInfo.EbsOptimizedSupport")},
      {"ebs-info.encryption-support", field("EbsInfo.EncryptionSupport")},
      {"ebs-info.nvme-support", field("EbsInfo.NvmeSupport")},
      {"free-tier-eligible", field("FreeTierEligible")},
      {"hibernation-supported", field("HibernationSupported")},
      {"hypervisor", field("Hypervisor")},
      {"instance-storage-info.disk.count", field("InstanceStorageInfo.Disks[].Count")},
      {"instance-storage-info.disk.size-in-gb", field("InstanceStorageInfo.Disks[].SizeInGB")},
      {"instance-storage-info.disk.type", field("InstanceStorageInfo.Disks[].Type")},
      {"instance-storage-info.encryption-support", field("InstanceStorageInfo.EncryptionSupport")},
      {"instance-storage-info.nvme-support", field("InstanceStorageInfo.NvmeSupport")},
      {"instance-storage-info.total-size-in-gb", field("InstanceStorageInfo.TotalSizeInGB")},
      {"instance-storage-supported", field("InstanceStorageSupported")},
      {"instance-type", field("InstanceType")},
      {"memory-info.size-in-mib", field("MemoryInfo.SizeInMiB")},
      {"network-info.bandwidth-weightings", field("NetworkInfo.BandwidthWeightings")},
      {"network-info.efa-info.maximum-efa-interfaces", field("NetworkInfo.EfaInfo.MaximumEfaInterfaces")},
      {"network-info.efa-supported", field("NetworkInfo.EfaSupported")},
      {"network-info.ena-support", field("NetworkInfo.EnaSupport")},
      {"network-info.flexible-ena-queues-support", field("NetworkInfo.FlexibleEnaQueuesSupport")},
      {"network-info.encryption-in-transit-supported", field("NetworkInfo.EncryptionInTransitSupported")},
      {"network-info.ipv4-addresses-per-interface", field("NetworkInfo.Ipv4AddressesPerInterface")},
      {"network-info.ipv6-addresses-per-interface", field("NetworkInfo.Ipv6AddressesPerInterface")},
      {"network-info.ipv6-supported", field("NetworkInfo.Ipv6Supported")},
      {"network-info.maximum-network-cards", field("NetworkInfo.MaximumNetworkCards")},
      {"network-info.maximum-network-interfaces", field("NetworkInfo.MaximumNetworkInterfaces")},
      {"network-info.network-performance", field("NetworkInfo.NetworkPerformance")},
      {"nitro-enclaves-support", field("NitroEnclavesSupport")},
      {"nitro-tpm-support", field("NitroTpmSupport")},
      {"nitro-tpm-info.supported-versions", field("NitroTpmInfo.SupportedVersions")},
      {"processor-info.supported-architecture", field("ProcessorInfo.SupportedArchitectures")},
      {"processor-info.sustained-clock-speed-in-ghz", field("ProcessorInfo.SustainedClockSpeedInGhz")},
      {"processor-info.supported-features", field("ProcessorInfo.SupportedFeatures")},
      {"reboot-migration-support", field("RebootMigrationSupport")},
      {"supported-boot-mode", field("SupportedBootModes")},
      {"supported-root-device-type", field("SupportedRootDeviceTypes")},
      {"supported-usage-class", field("SupportedUsageClasses")},
      {"supported-virtualization-type", field("SupportedVirtualizationTypes")},
      {"vcpu-info.default-cores", field("VCpuInfo.DefaultCores")},
      {"vcpu-info.default-threads-per-core", field("VCpuInfo.DefaultThreadsPerCore")},
      {"vcpu-info.default-vcpus", field("VCpuInfo.DefaultVCpus")},
      {"vcpu-info.valid-cores", field("VCpuInfo.ValidCores")},
      {"vcpu-info.valid-threads-per-core", field("VCpuInfo.ValidThreadsPerCore")},
  };
  // A region describes the types it offers.
  const Region& region = *ctx.catalog.region(ctx.region);
  std::vector<const json*> rows;
  const json& wanted = request.contains("InstanceTypes") ? request["InstanceTypes"] : json::array();
  if (wanted.empty()) {
    rows = region.instance_types;
  } else {
    std::string missing;
    for (const json& name : wanted) {
      const std::string& type = name.get_ref<const std::string&>();
      if (region.offers(type)) {
        rows.push_back(ctx.catalog.instance_type(type));
      } else {
        missing += (missing.empty() ? "" : ", ") + type;
      }
    }
    if (!missing.empty()) fail("InvalidInstanceType", "The following supplied instance types do not exist: [" + missing + "]");
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  }
  json paging = request;
  if (!paging.contains("MaxResults")) paging["MaxResults"] = 100;
  return describe_catalog(rows, paging, filters, "InstanceTypes");
}

json describe_instance_type_offerings(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"instance-type", field("InstanceType")}, {"location", field("Location")}};
  std::string location_type = str(request, "LocationType", "region");
  if (location_type != "region" && location_type != "availability-zone" && location_type != "availability-zone-id") {
    fail("InvalidParameterValue", "Invalid LocationType: " + location_type);
  }
  const Region& region = *ctx.catalog.region(ctx.region);
  std::vector<json> rows;
  auto offer = [&](const std::string& location, const Zone* zone) {
    for (const json* info : region.instance_types) {
      const std::string& type = (*info)["InstanceType"].get_ref<const std::string&>();
      if (zone != nullptr && !zone->offers_offered_type(type)) continue;
      rows.push_back({{"InstanceType", type}, {"LocationType", location_type}, {"Location", location}});
    }
  };
  if (location_type == "region") {
    offer(region.name, nullptr);
  } else {
    for (const Zone& z : region.zones) offer(location_type == "availability-zone" ? z.name : z.id, &z);
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
