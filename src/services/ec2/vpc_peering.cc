#include "services/ec2/vpc_peering.h"

#include "common/cidr.h"
#include "common/ids.h"
#include "common/timestamp.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"
#include "services/ec2/tags.h"
#include "services/ec2/vpcs.h"

namespace stratus::ec2 {
namespace {

// How long a request waits for acceptance before it expires, as on AWS.
constexpr int64_t kAcceptanceSeconds = 7 * 24 * 3600;

// One side of a connection as VpcPeeringConnectionVpcInfo.
json side_of(CallContext& ctx, const json& vpc) {
  json cidrs = json::array();
  for (const std::string& cidr : vpc_cidrs(vpc)) cidrs.push_back({{"CidrBlock", cidr}});
  return {{"CidrBlock", vpc["CidrBlock"]},
          {"CidrBlockSet", cidrs},
          {"OwnerId", ctx.account_id},
          {"VpcId", vpc["VpcId"]},
          {"Region", ctx.region},
          {"PeeringOptions",
           {{"AllowDnsResolutionFromRemoteVpc", false},
            {"AllowEgressFromLocalClassicLinkToRemoteVpc", false},
            {"AllowEgressFromLocalVpcToRemoteClassicLink", false}}}};
}

// True when some CIDR of `a` overlaps some CIDR of `b`.
bool overlapping(const json& a, const json& b) {
  for (const std::string& x : vpc_cidrs(a)) {
    for (const std::string& y : vpc_cidrs(b)) {
      if (Ipv4Cidr::parse(x)->overlaps(*Ipv4Cidr::parse(y))) return true;
    }
  }
  return false;
}


// Moves `pcx` from one of `from` to `to` with `message`, or fails as AWS does.
void transition(CallContext& ctx, json& pcx, std::initializer_list<const char*> from, const std::string& to,
                const std::string& message) {
  std::string now = peering_status(pcx);
  bool allowed = false;
  for (const char* state : from) allowed = allowed || now == state;
  if (!allowed) {
    fail("InvalidStateTransition", "Invalid state transition for " + pcx["VpcPeeringConnectionId"].get<std::string>() +
                                       ", attempted to transition from " + now + " to " + to);
  }
  pcx["Status"] = {{"Code", to}, {"Message", message}};
  if (to != "pending-acceptance") pcx.erase("ExpirationTime");
  save(ctx, kinds::kVpcPeeringConnection, pcx["VpcPeeringConnectionId"].get<std::string>(), pcx);
}

json create_vpc_peering_connection(CallContext& ctx, const json& request) {
  json requester = require(ctx, kinds::kVpc, request["VpcId"].get<std::string>());
  if (!request.contains("PeerVpcId")) fail("MissingParameter", "The request must contain the parameter peerVpcId");
  std::string peer_owner = str(request, "PeerOwnerId", ctx.account_id);
  if (peer_owner != ctx.account_id) {
    fail("InvalidParameterValue", "PeerOwnerId " + peer_owner + " is not this account: peering across accounts is not "
                                  "supported by this region");
  }
  if (std::string region = str(request, "PeerRegion", ctx.region); region != ctx.region) {
    fail("InvalidParameterValue", "PeerRegion " + region + ": peering across regions is not supported by this region");
  }
  json accepter = require(ctx, kinds::kVpc, request["PeerVpcId"].get<std::string>());
  if (requester["VpcId"] == accepter["VpcId"]) {
    fail("InvalidParameterValue", "A VPC cannot be peered with itself");
  }
  for (const json& other : list(ctx, kinds::kVpcPeeringConnection)) {
    auto [a, b] = peering_vpcs(other);
    bool same_pair = (a == requester["VpcId"] && b == accepter["VpcId"]) || (b == requester["VpcId"] && a == accepter["VpcId"]);
    std::string state = peering_status(other);
    if (same_pair && (state == "pending-acceptance" || state == "active")) {
      fail("VpcPeeringConnectionAlreadyExists", "A VPC peering connection already exists between " +
                                                    requester["VpcId"].get<std::string>() + " and " +
                                                    accepter["VpcId"].get<std::string>() + ": " +
                                                    other["VpcPeeringConnectionId"].get<std::string>());
    }
  }
  std::string id = new_resource_id("pcx");
  json pcx = {{"VpcPeeringConnectionId", id},
              {"RequesterVpcInfo", side_of(ctx, requester)},
              {"AccepterVpcInfo", side_of(ctx, accepter)},
              {"Tags", tags_from_specifications(ctx, request, "vpc-peering-connection")}};
  // As on AWS, a request between overlapping VPCs is made, and fails at once.
  if (overlapping(requester, accepter)) {
    pcx["Status"] = {{"Code", "failed"}, {"Message", "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"}};
  } else {
    pcx["Status"] = {{"Code", "pending-acceptance"}, {"Message", "Pending Acceptance by " + ctx.account_id}};
    pcx["ExpirationTime"] = format_iso8601(ctx.now + kAcceptanceSeconds);
  }
  save(ctx, kinds::kVpcPeeringConnection, id, pcx);
  return {{"VpcPeeringConnection", pcx}};
}

json accept_vpc_peering_connection(CallContext& ctx, const json& request) {
  json pcx = require(ctx, kinds::kVpcPeeringConnection, request["VpcPeeringConnectionId"].get<std::string>());
  transition(ctx, pcx, {"pending-acceptance"}, "active", "Active");
  return {{"VpcPeeringConnection", pcx}};
}

json reject_vpc_peering_connection(CallContext& ctx, const json& request) {
  json pcx = require(ctx, kinds::kVpcPeeringConnection, request["VpcPeeringConnectionId"].get<std::string>());
  transition(ctx, pcx, {"pending-acceptance"}, "rejected", "Rejected by " + ctx.account_id);
  return {{"Return", true}};
}

json delete_vpc_peering_connection(CallContext& ctx, const json& request) {
  json pcx = require(ctx, kinds::kVpcPeeringConnection, request["VpcPeeringConnectionId"].get<std::string>());
  transition(ctx, pcx, {"pending-acceptance", "active"}, "deleted", "Deleted by " + ctx.account_id);
  return {{"Return", true}};
}

json describe_vpc_peering_connections(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"accepter-vpc-info.cidr-block", field("AccepterVpcInfo.CidrBlockSet[].CidrBlock")},
      {"accepter-vpc-info.owner-id", field("AccepterVpcInfo.OwnerId")},
      {"accepter-vpc-info.vpc-id", field("AccepterVpcInfo.VpcId")},
      {"requester-vpc-info.cidr-block", field("RequesterVpcInfo.CidrBlockSet[].CidrBlock")},
      {"requester-vpc-info.owner-id", field("RequesterVpcInfo.OwnerId")},
      {"requester-vpc-info.vpc-id", field("RequesterVpcInfo.VpcId")},
      {"expiration-time", field("ExpirationTime")},
      {"status-code", field("Status.Code")},
      {"status-message", field("Status.Message")},
      {"vpc-peering-connection-id", field("VpcPeeringConnectionId")}};
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kVpcPeeringConnection, "VpcPeeringConnectionIds", "VpcPeeringConnectionId",
                                      "VpcPeeringConnections", filters});
}

json modify_vpc_peering_connection_options(CallContext& ctx, const json& request) {
  std::string id = request["VpcPeeringConnectionId"].get<std::string>();
  json pcx = require(ctx, kinds::kVpcPeeringConnection, id);
  if (peering_status(pcx) != "active") {
    fail("OperationNotPermitted", "Peering connection " + id + " is not active (" + peering_status(pcx) + ")");
  }
  json out = json::object();
  for (const auto& [member, side] : {std::pair{"AccepterPeeringConnectionOptions", "AccepterVpcInfo"},
                                     {"RequesterPeeringConnectionOptions", "RequesterVpcInfo"}}) {
    json& options = pcx[side]["PeeringOptions"];
    if (request.contains(member)) {
      for (const auto& [key, value] : request[member].items()) options[key] = value;
    }
    out[member] = options;
  }
  save(ctx, kinds::kVpcPeeringConnection, id, pcx);
  return out;
}

}  // namespace

std::string peering_status(const json& pcx) { return pcx["Status"].value("Code", ""); }

std::pair<std::string, std::string> peering_vpcs(const json& pcx) {
  return {pcx["RequesterVpcInfo"].value("VpcId", ""), pcx["AccepterVpcInfo"].value("VpcId", "")};
}

std::optional<json> active_peering(CallContext& ctx, const std::string& vpc_a, const std::string& vpc_b) {
  for (json& pcx : list(ctx, kinds::kVpcPeeringConnection)) {
    auto [a, b] = peering_vpcs(pcx);
    if (peering_status(pcx) == "active" && ((a == vpc_a && b == vpc_b) || (a == vpc_b && b == vpc_a))) return std::move(pcx);
  }
  return std::nullopt;
}

bool has_live_peering(CallContext& ctx, const std::string& vpc_id) {
  for (const json& pcx : list(ctx, kinds::kVpcPeeringConnection)) {
    auto [a, b] = peering_vpcs(pcx);
    std::string state = peering_status(pcx);
    if ((a == vpc_id || b == vpc_id) && (state == "active" || state == "pending-acceptance")) return true;
  }
  return false;
}

void add_vpc_peering_actions(ActionTable& table) {
  table["CreateVpcPeeringConnection"] = {create_vpc_peering_connection, true};
  table["AcceptVpcPeeringConnection"] = {accept_vpc_peering_connection, true};
  table["RejectVpcPeeringConnection"] = {reject_vpc_peering_connection, true};
  table["DeleteVpcPeeringConnection"] = {delete_vpc_peering_connection, true};
  table["DescribeVpcPeeringConnections"] = {describe_vpc_peering_connections, false};
  table["ModifyVpcPeeringConnectionOptions"] = {modify_vpc_peering_connection_options, true};
}

}  // namespace stratus::ec2
