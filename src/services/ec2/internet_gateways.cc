#include "services/ec2/internet_gateways.h"

#include "common/ids.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"
#include "services/ec2/route_tables.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

json create(CallContext& ctx, const json& request) {
  json tags = tags_from_specifications(ctx, request, "internet-gateway");
  require_room(count(ctx, kinds::kInternetGateway), ctx.limits.internet_gateways, "InternetGatewayLimitExceeded",
               "The maximum number of internet gateways has been reached.");
  std::string id = create_internet_gateway(ctx, tags);
  return {{"InternetGateway", require(ctx, kinds::kInternetGateway, id)}};
}

json attach(CallContext& ctx, const json& request) {
  attach_internet_gateway(ctx, request["InternetGatewayId"].get<std::string>(), request["VpcId"].get<std::string>());
  return json::object();
}

json detach(CallContext& ctx, const json& request) {
  std::string id = request["InternetGatewayId"].get<std::string>();
  std::string vpc_id = request["VpcId"].get<std::string>();
  json gateway = require(ctx, kinds::kInternetGateway, id);
  require(ctx, kinds::kVpc, vpc_id);
  json kept = json::array();
  bool found = false;
  for (const json& a : gateway["Attachments"]) {
    if (a.value("VpcId", "") == vpc_id) found = true; else kept.push_back(a);
  }
  if (!found) fail("Gateway.NotAttached", "resource " + id + " is not attached to network " + vpc_id);
  gateway["Attachments"] = kept;
  save(ctx, kinds::kInternetGateway, id, gateway);
  blackhole_routes_to(ctx, vpc_id, id);
  return json::object();
}

json delete_gateway(CallContext& ctx, const json& request) {
  std::string id = request["InternetGatewayId"].get<std::string>();
  json gateway = require(ctx, kinds::kInternetGateway, id);
  if (!gateway["Attachments"].empty()) {
    fail("DependencyViolation", "The internetGateway '" + id + "' has dependencies and cannot be deleted.");
  }
  remove(ctx, id);
  return json::object();
}

json describe(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"attachment.state", field("Attachments[].State")},
                                      {"attachment.vpc-id", field("Attachments[].VpcId")},
                                      {"internet-gateway-id", field("InternetGatewayId")},
                                      {"owner-id", field("OwnerId")}};
  return describe_stored(ctx, request, DescribeSpec{kinds::kInternetGateway, "InternetGatewayIds",
                                                    "InternetGatewayId", "InternetGateways", filters});
}

}  // namespace

std::string create_internet_gateway(CallContext& ctx, const json& tags) {
  std::string id = new_resource_id("igw");
  save(ctx, kinds::kInternetGateway, id,
       {{"InternetGatewayId", id}, {"OwnerId", ctx.account_id}, {"Attachments", json::array()}, {"Tags", tags}});
  return id;
}

void attach_internet_gateway(CallContext& ctx, const std::string& igw_id, const std::string& vpc_id) {
  json gateway = require(ctx, kinds::kInternetGateway, igw_id);
  require(ctx, kinds::kVpc, vpc_id);
  if (!gateway["Attachments"].empty()) {
    fail("Resource.AlreadyAssociated", "resource " + igw_id + " is already attached to network " +
                                           gateway["Attachments"][0].value("VpcId", ""));
  }
  std::string other = attached_gateway(ctx, vpc_id);
  if (!other.empty()) {
    fail("Resource.AlreadyAssociated", "network " + vpc_id + " already has an internet gateway attached (" + other + ")");
  }
  gateway["Attachments"] = json::array({{{"State", "available"}, {"VpcId", vpc_id}}});
  save(ctx, kinds::kInternetGateway, igw_id, gateway);
}

std::string attached_gateway(CallContext& ctx, const std::string& vpc_id) {
  for (const json& gateway : list(ctx, kinds::kInternetGateway)) {
    for (const json& a : gateway["Attachments"]) {
      if (a.value("VpcId", "") == vpc_id) return gateway["InternetGatewayId"].get<std::string>();
    }
  }
  return "";
}

void add_internet_gateway_actions(ActionTable& table) {
  table["CreateInternetGateway"] = {create, true};
  table["AttachInternetGateway"] = {attach, true};
  table["DetachInternetGateway"] = {detach, true};
  table["DeleteInternetGateway"] = {delete_gateway, true};
  table["DescribeInternetGateways"] = {describe, false};
}

}  // namespace stratus::ec2
