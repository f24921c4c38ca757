#include "services/ec2/subnets.h"

#include <map>

#include "common/cidr.h"
#include "common/ids.h"
#include "services/ec2/catalog.h"
#include "services/ec2/describe.h"
#include "services/ec2/network_interfaces.h"
#include "services/ec2/network_acls.h"
#include "services/ec2/resources.h"
#include "services/ec2/vpcs.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

constexpr int kMinPrefix = 16;
constexpr int kMaxPrefix = 28;
constexpr uint64_t kReservedPerSubnet = 5;  // network, router, DNS, future use, broadcast

// The zone a CreateSubnet request names, or the zone of the VPC with the fewest subnets.
const Zone& choose_zone(CallContext& ctx, const json& request, const std::string& vpc_id) {
  const Region& region = *ctx.catalog.region(ctx.region);
  for (const char* member : {"AvailabilityZone", "AvailabilityZoneId"}) {
    if (!request.contains(member)) continue;
    std::string wanted = request[member].get<std::string>();
    const Zone* zone = ctx.catalog.zone(ctx.region, wanted);
    if (zone == nullptr) {
      std::string names;
      for (const Zone& z : region.zones) names += (names.empty() ? "" : ", ") + z.name;
      fail("InvalidParameterValue", "Value (" + wanted + ") for parameter availabilityZone is invalid. Subnets can "
                                    "currently only be created in the following availability zones: " + names + ".");
    }
    return *zone;
  }
  std::map<std::string, int> used;
  for (const json& subnet : list(ctx, kinds::kSubnet)) {
    if (subnet.value("VpcId", "") == vpc_id) used[subnet.value("AvailabilityZone", "")]++;
  }
  const Zone* best = &region.zones.front();
  for (const Zone& z : region.zones) {
    if (used[z.name] < used[best->name]) best = &z;
  }
  return *best;
}

json create_subnet(CallContext& ctx, const json& request) {
  json vpc = require(ctx, kinds::kVpc, request["VpcId"].get<std::string>());
  if (!request.contains("CidrBlock")) {
    fail("MissingParameter", "The request must contain the parameter cidrBlock");
  }
  const std::string vpc_id = vpc["VpcId"].get<std::string>();
  const Zone& zone = choose_zone(ctx, request, vpc_id);
  json tags = tags_from_specifications(ctx, request, "subnet");
  require_room(list_where(ctx, kinds::kSubnet, "VpcId", vpc_id).size(), ctx.limits.subnets_per_vpc,
               "SubnetLimitExceeded", "The maximum number of subnets has been reached.");
  json subnet = create_subnet_in(ctx, vpc, request["CidrBlock"].get<std::string>(), zone, false, tags);
  return {{"Subnet", subnet}};
}

json delete_subnet(CallContext& ctx, const json& request) {
  std::string id = request["SubnetId"].get<std::string>();
  require(ctx, kinds::kSubnet, id);
  for (json& table : list(ctx, kinds::kRouteTable)) {
    json kept = json::array();
    for (const json& a : table["Associations"]) {
      if (a.value("SubnetId", "") != id) kept.push_back(a);
    }
    if (kept.size() == table["Associations"].size()) continue;
    table["Associations"] = kept;
    save(ctx, kinds::kRouteTable, table["RouteTableId"].get<std::string>(), table);
  }
  disassociate_network_acl(ctx, id);
  remove(ctx, id);
  return json::object();
}

json modify_subnet_attribute(CallContext& ctx, const json& request) {
  std::string id = request["SubnetId"].get<std::string>();
  json subnet = require(ctx, kinds::kSubnet, id);
  bool changed = false;
  for (const char* member : {"MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "EnableDns64"}) {
    if (!request.contains(member)) continue;
    subnet[member] = request[member].value("Value", false);
    changed = true;
  }
  for (const char* member : {"EnableResourceNameDnsARecordOnLaunch", "EnableResourceNameDnsAAAARecordOnLaunch"}) {
    if (!request.contains(member)) continue;
    subnet["PrivateDnsNameOptionsOnLaunch"][member == std::string("EnableResourceNameDnsARecordOnLaunch")
                                                ? "EnableResourceNameDnsARecord"
                                                : "EnableResourceNameDnsAAAARecord"] =
        request[member].value("Value", false);
    changed = true;
  }
  if (request.contains("PrivateDnsHostnameTypeOnLaunch")) {
    subnet["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] = request["PrivateDnsHostnameTypeOnLaunch"];
    changed = true;
  }
  if (!changed) fail("InvalidParameterCombination", "No supported subnet attribute was given to modify");
  save(ctx, kinds::kSubnet, id, subnet);
  return json::object();
}

const FilterTable& subnet_filters() {
  static const FilterTable table = {
      {"availability-zone", field("AvailabilityZone")},
      {"availability-zone-id", field("AvailabilityZoneId")},
      {"available-ip-address-count", field("AvailableIpAddressCount")},
      {"cidr-block", field("CidrBlock")},
      {"cidr", field("CidrBlock")},
      {"cidrBlock", field("CidrBlock")},
      {"default-for-az", field("DefaultForAz")},
      {"defaultForAz", field("DefaultForAz")},
      {"map-public-ip-on-launch", field("MapPublicIpOnLaunch")},
      {"owner-id", field("OwnerId")},
      {"state", field("State")},
      {"subnet-arn", field("SubnetArn")},
      {"subnet-id", field("SubnetId")},
      {"vpc-id", field("VpcId")},
      {"ipv6-native", field("Ipv6Native")},
  };
  return table;
}

json describe_subnets(CallContext& ctx, const json& request) {
  // The stored count is the subnet's size less AWS's five reserved addresses; every interface in
  // it takes one more.
  std::map<std::string, int64_t> used;
  for (const json& eni : all_interfaces(ctx)) ++used[eni.value("SubnetId", "")];
  auto present = [&used](json subnet) {
    subnet["AvailableIpAddressCount"] = subnet.value("AvailableIpAddressCount", int64_t{0}) - used[subnet.value("SubnetId", "")];
    return subnet;
  };
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kSubnet, "SubnetIds", "SubnetId", "Subnets", subnet_filters(), present});
}

}  // namespace

json create_subnet_in(CallContext& ctx, const json& vpc, const std::string& cidr_text, const Zone& zone,
                      bool default_for_az, const json& tags) {
  auto cidr = Ipv4Cidr::parse(cidr_text, true);
  if (!cidr) {
    fail("InvalidParameterValue",
         "Value (" + cidr_text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  }
  bool inside = false;  // one of the VPC's CIDRs, primary or secondary, holds it
  for (const std::string& vpc_cidr : vpc_cidrs(vpc)) inside = inside || Ipv4Cidr::parse(vpc_cidr)->contains(*cidr);
  if (cidr->prefix < kMinPrefix || cidr->prefix > kMaxPrefix || !inside) {
    fail("InvalidSubnet.Range", "The CIDR '" + cidr_text + "' is invalid.");
  }
  std::string vpc_id = vpc["VpcId"].get<std::string>();
  for (const json& other : list(ctx, kinds::kSubnet)) {
    if (other.value("VpcId", "") != vpc_id) continue;
    if (Ipv4Cidr::parse(other["CidrBlock"].get<std::string>(), true)->overlaps(*cidr)) {
      fail("InvalidSubnet.Conflict", "The CIDR '" + cidr_text + "' conflicts with another subnet");
    }
  }
  std::string id = new_resource_id("subnet");
  json subnet = {{"SubnetId", id},
                 {"VpcId", vpc_id},
                 {"CidrBlock", cidr->str()},
                 {"AvailabilityZone", zone.name},
                 {"AvailabilityZoneId", zone.id},
                 {"AvailableIpAddressCount", static_cast<int64_t>(cidr->size() - kReservedPerSubnet)},
                 {"DefaultForAz", default_for_az},
                 {"MapPublicIpOnLaunch", default_for_az},
                 {"MapCustomerOwnedIpOnLaunch", false},
                 {"State", "available"},
                 {"OwnerId", ctx.account_id},
                 {"AssignIpv6AddressOnCreation", false},
                 {"Ipv6CidrBlockAssociationSet", json::array()},
                 {"EnableDns64", false},
                 {"Ipv6Native", false},
                 {"PrivateDnsNameOptionsOnLaunch",
                  {{"HostnameType", "ip-name"},
                   {"EnableResourceNameDnsARecord", false},
                   {"EnableResourceNameDnsAAAARecord", false}}},
                 {"SubnetArn", arn(ctx, "subnet", id)},
                 {"Tags", tags}};
  save(ctx, kinds::kSubnet, id, subnet);
  associate_default_network_acl(ctx, vpc_id, id);
  return subnet;
}

void add_subnet_actions(ActionTable& table) {
  table["CreateSubnet"] = {create_subnet, true};
  table["DeleteSubnet"] = {delete_subnet, true};
  table["DescribeSubnets"] = {describe_subnets, false};
  table["ModifySubnetAttribute"] = {modify_subnet_attribute, true};
}

}  // namespace stratus::ec2
