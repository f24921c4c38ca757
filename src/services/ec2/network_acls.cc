#include "services/ec2/network_acls.h"

#include "common/ids.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

json entry(int64_t number, bool egress, const std::string& action) {
  return {{"RuleNumber", number}, {"Protocol", "-1"}, {"RuleAction", action}, {"Egress", egress},
          {"CidrBlock", "0.0.0.0/0"}};
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
  for (json& acl : list(ctx, kinds::kNetworkAcl)) {
    if (acl.value("VpcId", "") != vpc_id || !acl.value("IsDefault", false)) continue;
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
  for (const json& acl : list(ctx, kinds::kNetworkAcl)) {
    if (acl.value("VpcId", "") == vpc_id) remove(ctx, acl["NetworkAclId"].get<std::string>());
  }
}

void add_network_acl_actions(ActionTable& table) { table["DescribeNetworkAcls"] = {describe, false}; }

}  // namespace stratus::ec2
