#include "services/ec2/vpcs.h"

#include "common/cidr.h"
#include "common/ids.h"
#include "common/network_defaults.h"
#include "services/ec2/describe.h"
#include "services/ec2/internet_gateways.h"
#include "services/ec2/network_acls.h"
#include "services/ec2/resources.h"
#include "services/ec2/route_tables.h"
#include "services/ec2/security_groups.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

constexpr int kMinPrefix = 16;
constexpr int kMaxPrefix = 28;

json create_vpc(CallContext& ctx, const json& request) {
  std::string text = str(request, "CidrBlock");
  if (text.empty()) {
    fail(request.contains("Ipv4IpamPoolId") ? "InvalidParameterValue" : "MissingParameter",
         request.contains("Ipv4IpamPoolId") ? "IPAM pools are not supported by this region"
                                            : "The request must contain the parameter cidrBlock");
  }
  auto cidr = Ipv4Cidr::parse(text, true);
  if (!cidr) {
    fail("InvalidParameterValue",
         "Value (" + text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  }
  if (cidr->prefix < kMinPrefix || cidr->prefix > kMaxPrefix) fail("InvalidVpc.Range", "The CIDR '" + text + "' is invalid.");
  std::string tenancy = str(request, "InstanceTenancy", "default");
  if (tenancy != "default") {
    fail("InvalidParameterValue", "Value (" + tenancy + ") for parameter instanceTenancy is not supported by this region");
  }
  json tags = tags_from_specifications(ctx, request, "vpc");
  // The default VPC counts (AWS: VPCs per Region), though creating it never fails.
  require_room(count(ctx, kinds::kVpc), ctx.limits.vpcs, "VpcLimitExceeded",
               "The maximum number of VPCs has been reached.");
  json vpc = create_vpc_resources(ctx, cidr->str(), false, tags);
  return {{"Vpc", vpc}};
}

json delete_vpc(CallContext& ctx, const json& request) {
  std::string id = request["VpcId"].get<std::string>();
  require(ctx, kinds::kVpc, id);
  auto depends = [&] { fail("DependencyViolation", "The vpc '" + id + "' has dependencies and cannot be deleted."); };
  if (!list_where(ctx, kinds::kSubnet, "VpcId", id).empty()) depends();
  if (!attached_gateway(ctx, id).empty()) depends();
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

json describe_dhcp_options(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"dhcp-options-id", field("DhcpOptionsId")},
                                      {"key", field("DhcpConfigurations[].Key")},
                                      {"value", field("DhcpConfigurations[].Values[].Value")},
                                      {"owner-id", field("OwnerId")}};
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kDhcpOptions, "DhcpOptionsIds", "DhcpOptionsId", "DhcpOptions", filters});
}

}  // namespace

std::string default_dhcp_options(CallContext& ctx) {
  for (const json& options : list(ctx, kinds::kDhcpOptions)) {
    if (options.value("_Default", false)) return options["DhcpOptionsId"].get<std::string>();
  }
  std::string id = new_resource_id("dopt");
  std::string domain = private_dns_domain(ctx.region);
  save(ctx, kinds::kDhcpOptions, id,
       {{"DhcpOptionsId", id},
        {"OwnerId", ctx.account_id},
        {"_Default", true},
        {"DhcpConfigurations",
         json::array({{{"Key", "domain-name"}, {"Values", json::array({{{"Value", domain}}})}},
                      {{"Key", "domain-name-servers"}, {"Values", json::array({{{"Value", "AmazonProvidedDNS"}}})}}})},
        {"Tags", json::array()}});
  return id;
}

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

void add_vpc_actions(ActionTable& table) {
  table["CreateVpc"] = {create_vpc, true};
  table["DeleteVpc"] = {delete_vpc, true};
  table["DescribeVpcs"] = {describe_vpcs, false};
  table["DescribeVpcAttribute"] = {describe_vpc_attribute, false};
  table["ModifyVpcAttribute"] = {modify_vpc_attribute, true};
  table["DescribeDhcpOptions"] = {describe_dhcp_options, false};
}

}  // namespace stratus::ec2
