#include "services/ec2/network_acls.h"

#include <algorithm>
#include <charconv>

#include "common/cidr.h"
#include "common/ids.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

json entry(int64_t number, bool egress, const std::string& action) {
  return {{"RuleNumber", number}, {"Protocol", "-1"}, {"RuleAction", action}, {"Egress", egress},
          {"CidrBlock", "0.0.0.0/0"}};
}

// The protocol number an entry keeps for the request's `protocol`: "-1" for all, else the
// decimal IANA number 0-255 (the names tcp, udp, icmp and all are taken too). Throws
// InvalidParameterValue for anything else (AWS's message).
std::string entry_protocol(const std::string& protocol) {
  if (protocol == "-1" || protocol == "all") return "-1";
  if (protocol == "tcp") return "6";
  if (protocol == "udp") return "17";
  if (protocol == "icmp") return "1";
  int number = -1;
  bool digits = !protocol.empty() && protocol.size() <= 3 &&
                std::all_of(protocol.begin(), protocol.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(protocol.data(), protocol.data() + protocol.size(), number);
  if (number < 0 || number > 255) {
    fail("InvalidParameterValue", "Invalid value '" + protocol + "' for IP protocol. Unknown protocol.");
  }
  return std::to_string(number);
}

json describe(CallContext& ctx, const json& request) {
  static const FilterTable filters = {
      {"network-acl-id", field("NetworkAclId")},
      {"vpc-id", field("VpcId")},
      {"default", field("IsDefault")},
      {"owner-id", field("OwnerId")},
      {"association.association-id", field("Associations[].NetworkAclAssociationId")},
      {"association.network-acl-id", field("Associations[].NetworkAclId")},
      {"association.subnet-id", field("Associations[].SubnetId")},
      {"entry.cidr", field("Entries[].CidrBlock")},
      {"entry.egress", field("Entries[].Egress")},
      {"entry.protocol", field("Entries[].Protocol")},
      {"entry.rule-action", field("Entries[].RuleAction")},
      {"entry.rule-number", field("Entries[].RuleNumber")},
  };
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kNetworkAcl, "NetworkAclIds", "NetworkAclId", "NetworkAcls", filters});
}

json create_acl(CallContext& ctx, const json& request) {
  std::string vpc_id = request["VpcId"].get<std::string>();
  require(ctx, kinds::kVpc, vpc_id);
  json tags = tags_from_specifications(ctx, request, "network-acl");
  require_room(list_where(ctx, kinds::kNetworkAcl, "VpcId", vpc_id).size(), ctx.limits.network_acls_per_vpc,
               "NetworkAclLimitExceeded", "The maximum number of network ACLs has been reached.");
  std::string id = new_resource_id("acl");
  json acl = {{"NetworkAclId", id},
              {"VpcId", vpc_id},
              {"IsDefault", false},
              {"OwnerId", ctx.account_id},
              {"Associations", json::array()},
              {"Entries", json::array({entry(32767, false, "deny"), entry(32767, true, "deny")})},
              {"Tags", tags}};
  save(ctx, kinds::kNetworkAcl, id, acl);
  return with_client_token(request, {{"NetworkAcl", acl}});
}

json delete_acl(CallContext& ctx, const json& request) {
  std::string id = request["NetworkAclId"].get<std::string>();
  json acl = require(ctx, kinds::kNetworkAcl, id);
  if (acl.value("IsDefault", false)) fail("InvalidParameterValue", "cannot delete default network ACL " + id);
  if (!acl["Associations"].empty()) {
    fail("DependencyViolation", "The networkAcl '" + id + "' has dependencies and cannot be deleted.");
  }
  remove(ctx, id);
  return json::object();
}

// Creates (or, with `replace`, replaces) the entry a request describes.
json put_entry(CallContext& ctx, const json& request, bool replace) {
  std::string id = request["NetworkAclId"].get<std::string>();
  json acl = require(ctx, kinds::kNetworkAcl, id);
  int64_t number = request["RuleNumber"].get<int64_t>();
  bool egress = request["Egress"].get<bool>();
  if (number < 1 || number > 32766) {
    fail("InvalidParameterValue", "Invalid value for parameter ruleNumber: " + std::to_string(number) +
                                      " (must be between 1 and 32766)");
  }
  std::string action = request["RuleAction"].get<std::string>();
  std::transform(action.begin(), action.end(), action.begin(), ::tolower);
  if (action != "allow" && action != "deny") fail("InvalidParameterValue", "Invalid value for RuleAction: " + action);
  std::string protocol = entry_protocol(request["Protocol"].get<std::string>());
  json e = {{"RuleNumber", number}, {"Protocol", protocol}, {"RuleAction", action}, {"Egress", egress}};
  if (request.contains("Ipv6CidrBlock")) {
    fail("InvalidParameterValue", "Only IPv4 network ACL entries are supported by this region");
  }
  std::string cidr = str(request, "CidrBlock");
  if (cidr.empty()) fail("MissingParameter", "The request must contain the parameter cidrBlock");
  auto block = Ipv4Cidr::parse(cidr, /*strict=*/false);
  if (!block) fail("InvalidParameterValue", "Value (" + cidr + ") for parameter cidrBlock is invalid.");
  e["CidrBlock"] = block->str();
  if (protocol == "6" || protocol == "17") {
    if (!request.contains("PortRange")) fail("MissingParameter", "The request must contain the parameter portRange");
    const json& range = request["PortRange"];
    int64_t from = range.value("From", int64_t{-1}), to = range.value("To", int64_t{-1});
    if (from < 0 || to > 65535 || from > to) {
      fail("InvalidParameterValue", "Invalid port range: " + std::to_string(from) + "-" + std::to_string(to));
    }
    e["PortRange"] = {{"From", from}, {"To", to}};
  } else if (protocol == "1") {
    if (!request.contains("IcmpTypeCode")) {
      fail("MissingParameter", "The request must contain the parameter icmpTypeCode");
    }
    int64_t type = request["IcmpTypeCode"].value("Type", int64_t{-1});
    int64_t code = request["IcmpTypeCode"].value("Code", int64_t{-1});
    if (type < -1 || type > 255 || code < -1 || code > 255) {
      fail("InvalidParameterValue", "Invalid value for ICMP type/code: type " + std::to_string(type) + ", code " +
                                        std::to_string(code) + " (each must be -1 or 0-255)");
    }
    e["IcmpTypeCode"] = {{"Type", type}, {"Code", code}};
  }
  json entries = json::array();
  bool found = false;
  for (const json& existing : acl["Entries"]) {
    if (existing["RuleNumber"] == number && existing["Egress"] == egress) {
      found = true;
      if (replace) entries.push_back(e);
    } else {
      entries.push_back(existing);
    }
  }
  if (found && !replace) {
    fail("NetworkAclEntryAlreadyExists", "The network acl entry identified by " + std::to_string(number) + " already exists.");
  }
  if (!found && replace) {
    fail("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by " + std::to_string(number) +
                                                " does not exist.");
  }
  if (!found) {
    // The quota is per direction and counts the default deny rule (Amazon VPC quotas).
    auto same_direction = [&](const json& other) { return other["Egress"] == egress; };
    require_room(std::count_if(entries.begin(), entries.end(), same_direction), ctx.limits.rules_per_network_acl,
                 "NetworkAclEntryLimitExceeded", "The maximum number of network ACL entries has been reached.");
    entries.push_back(e);
  }
  acl["Entries"] = entries;
  save(ctx, kinds::kNetworkAcl, id, acl);
  return json::object();
}

json delete_entry(CallContext& ctx, const json& request) {
  std::string id = request["NetworkAclId"].get<std::string>();
  json acl = require(ctx, kinds::kNetworkAcl, id);
  int64_t number = request["RuleNumber"].get<int64_t>();
  bool egress = request["Egress"].get<bool>();
  json entries = json::array();
  for (const json& existing : acl["Entries"]) {
    if (existing["RuleNumber"] != number || existing["Egress"] != egress || number == 32767) entries.push_back(existing);
  }
  if (entries.size() == acl["Entries"].size()) {
    fail("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by " + std::to_string(number) +
                                                " does not exist.");
  }
  acl["Entries"] = entries;
  save(ctx, kinds::kNetworkAcl, id, acl);
  return json::object();
}

json replace_association(CallContext& ctx, const json& request) {
  std::string association = request["AssociationId"].get<std::string>();
  std::string target_id = request["NetworkAclId"].get<std::string>();
  json target = require(ctx, kinds::kNetworkAcl, target_id);
  for (json& acl : list(ctx, kinds::kNetworkAcl)) {
    for (const json& a : acl["Associations"]) {
      if (a.value("NetworkAclAssociationId", "") != association) continue;
      if (acl["VpcId"] != target["VpcId"]) {
        fail("InvalidParameterValue", "Network ACL " + target_id + " and subnet " + a.value("SubnetId", "") +
                                          " belong to different networks");
      }
      std::string subnet_id = a.value("SubnetId", "");
      disassociate_network_acl(ctx, subnet_id);
      target = require(ctx, kinds::kNetworkAcl, target_id);
      std::string fresh = new_resource_id("aclassoc");
      target["Associations"].push_back(
          {{"NetworkAclAssociationId", fresh}, {"NetworkAclId", target_id}, {"SubnetId", subnet_id}});
      save(ctx, kinds::kNetworkAcl, target_id, target);
      return {{"NewAssociationId", fresh}};
    }
  }
  fail("InvalidAssociationID.NotFound", "The association ID '" + association + "' does not exist");
}

}  // namespace

void create_default_network_acl(CallContext& ctx, const std::string& vpc_id) {
  std::string id = new_resource_id("acl");
  save(ctx, kinds::kNetworkAcl, id,
       {{"NetworkAclId", id},
        {"VpcId", vpc_id},
        {"IsDefault", true},
        {"OwnerId", ctx.account_id},
        {"Associations", json::array()},
        {"Entries", json::array({entry(100, false, "allow"), entry(32767, false, "deny"), entry(100, true, "allow"),
                                 entry(32767, true, "deny")})},
        {"Tags", json::array()}});
}

void associate_default_network_acl(CallContext& ctx, const std::string& vpc_id, const std::string& subnet_id) {
  for (json& acl : list_where(ctx, kinds::kNetworkAcl, "VpcId", vpc_id)) {
    if (!acl.value("IsDefault", false)) continue;
    acl["Associations"].push_back({{"NetworkAclAssociationId", new_resource_id("aclassoc")},
                                   {"NetworkAclId", acl["NetworkAclId"]},
                                   {"SubnetId", subnet_id}});
    save(ctx, kinds::kNetworkAcl, acl["NetworkAclId"].get<std::string>(), acl);
  }
}

void disassociate_network_acl(CallContext& ctx, const std::string& subnet_id) {
  for (json& acl : list(ctx, kinds::kNetworkAcl)) {
    json kept = json::array();
    for (const json& a : acl["Associations"]) {
      if (a.value("SubnetId", "") != subnet_id) kept.push_back(a);
    }
    if (kept.size() == acl["Associations"].size()) continue;
    acl["Associations"] = kept;
    save(ctx, kinds::kNetworkAcl, acl["NetworkAclId"].get<std::string>(), acl);
  }
}

void delete_network_acls(CallContext& ctx, const std::string& vpc_id) {
  for (const json& acl : list_where(ctx, kinds::kNetworkAcl, "VpcId", vpc_id)) {
    remove(ctx, acl["NetworkAclId"].get<std::string>());
  }
}

void add_network_acl_actions(ActionTable& table) {
  table["DescribeNetworkAcls"] = {describe, false};
  table["CreateNetworkAcl"] = {create_acl, true};
  table["DeleteNetworkAcl"] = {delete_acl, true};
  table["CreateNetworkAclEntry"] = {[](CallContext& c, const json& r) { return put_entry(c, r, false); }, true};
  table["ReplaceNetworkAclEntry"] = {[](CallContext& c, const json& r) { return put_entry(c, r, true); }, true};
  table["DeleteNetworkAclEntry"] = {delete_entry, true};
  table["ReplaceNetworkAclAssociation"] = {replace_association, true};
}

}  // namespace stratus::ec2
