#include "services/ec2/vpcs.h"

#include "common/cidr.h"
#include "common/ids.h"
#include "common/network_defaults.h"
#include "services/ec2/describe.h"
#include "services/ec2/dhcp_options.h"
#include "services/ec2/internet_gateways.h"
#include "services/ec2/network_acls.h"
#include "services/ec2/resources.h"
#include "services/ec2/route_tables.h"
#include "services/ec2/security_groups.h"
#include "services/ec2/tags.h"
#include "services/ec2/vpc_peering.h"

namespace stratus::ec2 {
namespace {

constexpr int kMinPrefix = 16;
constexpr int kMaxPrefix = 28;

// `text` as a VPC CIDR block (primary or secondary): InvalidParameterValue unless it is a CIDR,
// InvalidVpc.Range unless it is /16 to /28.
Ipv4Cidr checked_vpc_cidr(const std::string& text) {
  auto cidr = Ipv4Cidr::parse(text, true);
  if (!cidr) {
    fail("InvalidParameterValue",
         "Value (" + text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  }
  if (cidr->prefix < kMinPrefix || cidr->prefix > kMaxPrefix) fail("InvalidVpc.Range", "The CIDR '" + text + "' is invalid.");
  return *cidr;
}

json create_vpc(CallContext& ctx, const json& request) {
  std::string text = str(request, "CidrBlock");
  if (text.empty()) {
    fail(request.contains("Ipv4IpamPoolId") ? "InvalidParameterValue" : "MissingParameter",
         request.contains("Ipv4IpamPoolId") ? "IPAM pools are not supported by this region"
                                            : "The request must contain the parameter cidrBlock");
  }
  Ipv4Cidr cidr = checked_vpc_cidr(text);
  std::string tenancy = str(request, "InstanceTenancy", "default");
  if (tenancy != "default") {
    fail("InvalidParameterValue", "Value (" + tenancy + ") for parameter instanceTenancy is not supported by this region");
  }
  json tags = tags_from_specifications(ctx, request, "vpc");
  // The default VPC counts (AWS: VPCs per Region), though creating it never fails.
  require_room(count(ctx, kinds::kVpc), ctx.limits.vpcs, "VpcLimitExceeded",
               "The maximum number of VPCs has been reached.");
  json vpc = create_vpc_resources(ctx, cidr.str(), false, tags);
  return {{"Vpc", vpc}};
}

json delete_vpc(CallContext& ctx, const json& request) {
  std::string id = request["VpcId"].get<std::string>();
  require(ctx, kinds::kVpc, id);
  auto depends = [&] { fail("DependencyViolation", "The vpc '" + id + "' has dependencies and cannot be deleted."); };
  if (!list_where(ctx, kinds::kSubnet, "VpcId", id).empty()) depends();
  if (!attached_gateway(ctx, id).empty()) depends();
  if (has_live_peering(ctx, id)) depends();
  for (const json& group : list_where(ctx, kinds::kSecurityGroup, "VpcId", id)) {
    if (group.value("GroupName", "") != "default") depends();
  }
  for (const json& table : list_where(ctx, kinds::kRouteTable, "VpcId", id)) {
    bool main = false;
    for (const json& a : table["Associations"]) main = main || a.value("Main", false);
    if (!main) depends();
  }
  delete_default_security_group(ctx, id);
  delete_main_route_table(ctx, id);
  delete_network_acls(ctx, id);
  remove(ctx, id);
  return json::object();
}

const FilterTable& vpc_filters() {
  static const FilterTable table = {
      {"cidr", field("CidrBlock")},
      {"cidr-block", field("CidrBlock")},  // not in AWS's list, but AWS takes it and Ansible sends it
      {"cidr-block-association.cidr-block", field("CidrBlockAssociationSet[].CidrBlock")},
      {"cidr-block-association.association-id", field("CidrBlockAssociationSet[].AssociationId")},
      {"cidr-block-association.state", field("CidrBlockAssociationSet[].CidrBlockState.State")},
      {"dhcp-options-id", field("DhcpOptionsId")},
      {"is-default", field("IsDefault")},
      {"owner-id", field("OwnerId")},
      {"state", field("State")},
      {"vpc-id", field("VpcId")},
      {"instance-tenancy", field("InstanceTenancy")},
  };
  return table;
}

json describe_vpcs(CallContext& ctx, const json& request) {
  return describe_stored(ctx, request, DescribeSpec{kinds::kVpc, "VpcIds", "VpcId", "Vpcs", vpc_filters()});
}

// Internal document member holding each VPC attribute.
const std::map<std::string, std::string>& vpc_attributes() {
  static const std::map<std::string, std::string> attributes = {
      {"enableDnsSupport", "EnableDnsSupport"},
      {"enableDnsHostnames", "EnableDnsHostnames"},
      {"enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics"},
  };
  return attributes;
}

// The largest number of IPv4 CIDRs a VPC may have (AWS's default quota, the primary included).
constexpr size_t kMaxVpcCidrs = 5;

// Ranges a secondary CIDR may not come from, given the primary: AWS keeps 198.19.0.0/16 for
// itself, and 172.31.0.0/16 (the default VPC range) is not added to VPCs from other private ranges.
bool restricted_secondary(const Ipv4Cidr& primary, const Ipv4Cidr& wanted) {
  const Ipv4Cidr reserved = *Ipv4Cidr::parse("198.19.0.0/16");
  const Ipv4Cidr default_range = *Ipv4Cidr::parse("172.31.0.0/16");
  if (reserved.overlaps(wanted)) return true;
  return default_range.overlaps(wanted) && !default_range.overlaps(primary);
}

json associate_vpc_cidr_block(CallContext& ctx, const json& request) {
  std::string id = request["VpcId"].get<std::string>();
  json vpc = require(ctx, kinds::kVpc, id);
  if (!request.contains("CidrBlock")) {
    fail("UnsupportedOperation", "This region associates IPv4 CIDR blocks only (CidrBlock); IPv6 and IPAM pools are "
                                 "not supported");
  }
  std::string text = request["CidrBlock"].get<std::string>();
  Ipv4Cidr cidr = checked_vpc_cidr(text);
  std::vector<std::string> existing = vpc_cidrs(vpc);
  if (existing.size() >= kMaxVpcCidrs) {
    fail("CidrLimitExceeded", "This network '" + id + "' has met its maximum number of allowed CIDRs: " +
                                  std::to_string(kMaxVpcCidrs));
  }
  for (const std::string& other : existing) {
    if (Ipv4Cidr::parse(other)->overlaps(cidr)) {
      fail("InvalidVpc.Range", "The CIDR '" + text + "' conflicts with another CIDR block of the VPC (" + other + ").");
    }
  }
  if (restricted_secondary(*Ipv4Cidr::parse(existing.front()), cidr)) {
    fail("InvalidVpc.Range", "The CIDR '" + text + "' is restricted for the VPC's primary CIDR " + existing.front() + ".");
  }
  // Nor may it cover a route's destination in any of the VPC's tables (AWS: it may be smaller).
  for (const json& table : list_where(ctx, kinds::kRouteTable, "VpcId", id)) {
    for (const json& route : table["Routes"]) {
      auto destination = Ipv4Cidr::parse(route.value("DestinationCidrBlock", ""));
      if (destination && route.value("GatewayId", "") != "local" && cidr.contains(*destination)) {
        fail("InvalidVpc.Range", "The CIDR '" + text + "' is the same as or larger than the destination " +
                                     destination->str() + " of a route in " + table["RouteTableId"].get<std::string>());
      }
    }
  }
  json association = {{"AssociationId", new_resource_id("vpc-cidr-assoc")},
                      {"CidrBlock", cidr.str()},
                      {"CidrBlockState", {{"State", "associated"}}}};
  vpc["CidrBlockAssociationSet"].push_back(association);
  save(ctx, kinds::kVpc, id, vpc);
  set_local_route(ctx, id, cidr.str(), true);
  return {{"CidrBlockAssociation", association}, {"VpcId", id}};
}

json disassociate_vpc_cidr_block(CallContext& ctx, const json& request) {
  std::string association_id = request["AssociationId"].get<std::string>();
  for (json& vpc : list(ctx, kinds::kVpc)) {
    json& set = vpc["CidrBlockAssociationSet"];
    for (size_t i = 0; i < set.size(); ++i) {
      if (set[i].value("AssociationId", "") != association_id) continue;
      std::string vpc_id = vpc["VpcId"].get<std::string>();
      std::string cidr = set[i].value("CidrBlock", "");
      if (cidr == vpc.value("CidrBlock", "")) {
        fail("OperationNotPermitted", "The vpc CIDR block with association ID " + association_id +
                                          " may not be disassociated. It is the primary IPv4 CIDR block of the VPC");
      }
      for (const json& subnet : list_where(ctx, kinds::kSubnet, "VpcId", vpc_id)) {
        if (Ipv4Cidr::parse(cidr)->overlaps(*Ipv4Cidr::parse(subnet.value("CidrBlock", "")))) {
          fail("DependencyViolation", "The CIDR '" + cidr + "' of " + vpc_id + " has subnets (" +
                                          subnet["SubnetId"].get<std::string>() + ") and cannot be disassociated.");
        }
      }
      json association = set[i];
      association["CidrBlockState"] = {{"State", "disassociated"}};
      set.erase(i);
      save(ctx, kinds::kVpc, vpc_id, vpc);
      set_local_route(ctx, vpc_id, cidr, false);
      return {{"CidrBlockAssociation", association}, {"VpcId", vpc_id}};
    }
  }
  fail("InvalidVpcCidrBlockAssociationID.NotFound",
       "The vpc CIDR block association ID '" + association_id + "' does not exist");
}

json describe_vpc_attribute(CallContext& ctx, const json& request) {
  std::string id = request["VpcId"].get<std::string>();
  json vpc = require(ctx, kinds::kVpc, id);
  std::string attribute = request["Attribute"].get<std::string>();
  auto it = vpc_attributes().find(attribute);
  if (it == vpc_attributes().end()) fail("InvalidParameterValue", "Value (" + attribute + ") for parameter attribute is invalid.");
  return {{"VpcId", id}, {it->second, {{"Value", vpc.value("_" + it->second, false)}}}};
}

json modify_vpc_attribute(CallContext& ctx, const json& request) {
  std::string id = request["VpcId"].get<std::string>();
  json vpc = require(ctx, kinds::kVpc, id);
  int changed = 0;
  for (const auto& [name, member] : vpc_attributes()) {
    if (!request.contains(member)) continue;
    vpc["_" + member] = request[member].value("Value", false);
    ++changed;
  }
  if (changed != 1) {
    fail("InvalidParameterCombination", "Exactly one attribute must be modified per ModifyVpcAttribute call");
  }
  save(ctx, kinds::kVpc, id, vpc);
  return json::object();
}

}  // namespace

json create_vpc_resources(CallContext& ctx, const std::string& cidr, bool is_default, const json& tags) {
  std::string id = new_resource_id("vpc");
  json vpc = {{"VpcId", id},
              {"CidrBlock", cidr},
              {"DhcpOptionsId", default_dhcp_options(ctx)},
              {"State", "available"},
              {"OwnerId", ctx.account_id},
              {"InstanceTenancy", "default"},
              {"IsDefault", is_default},
              {"CidrBlockAssociationSet", json::array({{{"AssociationId", new_resource_id("vpc-cidr-assoc")},
                                                        {"CidrBlock", cidr},
                                                        {"CidrBlockState", {{"State", "associated"}}}}})},
              {"Ipv6CidrBlockAssociationSet", json::array()},
              {"_EnableDnsSupport", true},
              {"_EnableDnsHostnames", is_default},
              {"Tags", tags}};
  save(ctx, kinds::kVpc, id, vpc);
  create_main_route_table(ctx, id, cidr);
  create_default_security_group(ctx, id);
  create_default_network_acl(ctx, id);
  return vpc;
}

std::vector<std::string> vpc_cidrs(const json& vpc) {
  std::vector<std::string> out;
  for (const json& a : vpc.value("CidrBlockAssociationSet", json::array())) out.push_back(a.value("CidrBlock", ""));
  return out;
}

void add_vpc_actions(ActionTable& table) {
  table["AssociateVpcCidrBlock"] = {associate_vpc_cidr_block, true};
  table["DisassociateVpcCidrBlock"] = {disassociate_vpc_cidr_block, true};
  table["CreateVpc"] = {create_vpc, true};
  table["DeleteVpc"] = {delete_vpc, true};
  table["DescribeVpcs"] = {describe_vpcs, false};
  table["DescribeVpcAttribute"] = {describe_vpc_attribute, false};
  table["ModifyVpcAttribute"] = {modify_vpc_attribute, true};
}

}  // namespace stratus::ec2
