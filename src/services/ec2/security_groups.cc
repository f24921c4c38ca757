#include "services/ec2/security_groups.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/cidr.h"
#include "common/ids.h"
#include "services/ec2/describe.h"
#include "services/ec2/prefix_lists.h"
#include "services/ec2/resources.h"
#include "services/ec2/tags.h"
#include "services/ec2/vpc_peering.h"

namespace stratus::ec2 {
namespace {

constexpr size_t kMaxNameLength = 255;

// Fails with InvalidParameterValue unless `value` is at most 255 characters of AWS's character
// set for VPC security group names, descriptions and rule descriptions: a-z, A-Z, 0-9, spaces
// and ._-:/()#,@[]+=&;{}!$*
void check_group_text(const std::string& value, const std::string& parameter) {
  static constexpr std::string_view kAllowed = "._-:/()#,@[]+=&;{}!$* ";
  bool allowed = value.size() <= kMaxNameLength && std::all_of(value.begin(), value.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || kAllowed.find(c) != std::string_view::npos;
                 });
  if (allowed) return;
  std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
  fail("InvalidParameterValue", "Value (" + shown + ") for parameter " + parameter +
                                    " is invalid. Valid values are at most 255 characters from the following set: "
                                    "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*");
}

// Copies a peer's Description onto `rule` after checking it.
void copy_rule_description(const json& peer, json& rule) {
  if (!peer.contains("Description")) return;
  check_group_text(peer["Description"].get<std::string>(), "Description");
  rule["Description"] = peer["Description"];
}

// The canonical protocol name AWS reports for a user's protocol text.
std::string normalize_protocol(const std::string& protocol) {
  std::string p = protocol;
  std::transform(p.begin(), p.end(), p.begin(), ::tolower);
  if (p == "tcp" || p == "6") return "tcp";
  if (p == "udp" || p == "17") return "udp";
  if (p == "icmp" || p == "1") return "icmp";
  if (p == "icmpv6" || p == "58") return "icmpv6";
  if (p == "-1" || p == "all") return "-1";
  if (!p.empty() && p.size() <= 3 && std::all_of(p.begin(), p.end(), ::isdigit) && std::stoi(p) <= 255) return p;
  fail("InvalidParameterValue", "Invalid value '" + protocol + "' for IP protocol. Unknown protocol.");
}

bool has_ports(const std::string& protocol) {
  return protocol == "tcp" || protocol == "udp" || protocol == "icmp" || protocol == "icmpv6";
}

// The peer of a rule as one comparable string, e.g. "cidr4:0.0.0.0/0" or "group:sg-1".
std::string peer_key(const json& rule) {
  if (rule.contains("CidrIpv4")) return "cidr4:" + rule["CidrIpv4"].get<std::string>();
  if (rule.contains("CidrIpv6")) return "cidr6:" + rule["CidrIpv6"].get<std::string>();
  if (rule.contains("PrefixListId")) return "pl:" + rule["PrefixListId"].get<std::string>();
  return "group:" + rule["ReferencedGroupInfo"].value("GroupId", "");
}

std::string peer_text(const json& rule) {
  std::string key = peer_key(rule);
  return key.substr(key.find(':') + 1);
}

// True when two rules have the same direction, protocol, ports and peer.
bool same_rule(const json& a, const json& b) {
  return a.value("IsEgress", false) == b.value("IsEgress", false) && a["IpProtocol"] == b["IpProtocol"] &&
         a.value("FromPort", -1) == b.value("FromPort", -1) && a.value("ToPort", -1) == b.value("ToPort", -1) &&
         peer_key(a) == peer_key(b);
}

std::string describe_rule(const json& rule) {
  std::string protocol = rule["IpProtocol"].get<std::string>();
  std::string upper = protocol == "-1" ? "ALL" : protocol;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  return "peer: " + peer_text(rule) + ", " + upper + ", from port: " + std::to_string(rule.value("FromPort", -1)) +
         ", to port: " + std::to_string(rule.value("ToPort", -1)) + ", ALLOW";
}

std::vector<json> rules_of(CallContext& ctx, const std::string& group_id) {
  return list_where(ctx, kinds::kSecurityGroupRule, "GroupId", group_id);
}

// Groups rule records by protocol and port range into AWS's IpPermissions form.
json permissions_from_rules(const std::vector<json>& rules) {
  json perms = json::array();
  for (const json& rule : rules) {
    std::string protocol = rule["IpProtocol"].get<std::string>();
    json* perm = nullptr;
    for (json& p : perms) {
      if (p["IpProtocol"] == protocol && p.value("FromPort", -1) == rule.value("FromPort", -1) &&
          p.value("ToPort", -1) == rule.value("ToPort", -1)) {
        perm = &p;
      }
    }
    if (perm == nullptr) {
      json p = {{"IpProtocol", protocol},
                {"IpRanges", json::array()},
                {"Ipv6Ranges", json::array()},
                {"PrefixListIds", json::array()},
                {"UserIdGroupPairs", json::array()}};
      if (has_ports(protocol)) {
        p["FromPort"] = rule["FromPort"];
        p["ToPort"] = rule["ToPort"];
      }
      perms.push_back(p);
      perm = &perms.back();
    }
    json peer = json::object();
    if (rule.contains("Description")) peer["Description"] = rule["Description"];
    if (rule.contains("CidrIpv4")) {
      peer["CidrIp"] = rule["CidrIpv4"];
      (*perm)["IpRanges"].push_back(peer);
    } else if (rule.contains("CidrIpv6")) {
      peer["CidrIpv6"] = rule["CidrIpv6"];
      (*perm)["Ipv6Ranges"].push_back(peer);
    } else if (rule.contains("PrefixListId")) {
      peer["PrefixListId"] = rule["PrefixListId"];
      (*perm)["PrefixListIds"].push_back(peer);
    } else {
      for (const auto& [key, value] : rule["ReferencedGroupInfo"].items()) peer[key] = value;
      (*perm)["UserIdGroupPairs"].push_back(peer);
    }
  }
  return perms;
}

// Recomputes a group's IpPermissions/IpPermissionsEgress from its rule records and stores it.
void refresh_permissions(CallContext& ctx, json group) {
  std::vector<json> ingress, egress;
  for (json& rule : rules_of(ctx, group["GroupId"].get<std::string>())) {
    (rule.value("IsEgress", false) ? egress : ingress).push_back(std::move(rule));
  }
  group["IpPermissions"] = permissions_from_rules(ingress);
  group["IpPermissionsEgress"] = permissions_from_rules(egress);
  save(ctx, kinds::kSecurityGroup, group["GroupId"].get<std::string>(), group);
}

// The group named `name` in `vpc_id`, or nullopt.
std::optional<json> group_by_name(CallContext& ctx, const std::string& vpc_id, const std::string& name) {
  for (json& group : list_where(ctx, kinds::kSecurityGroup, "GroupName", name)) {
    if (group.value("VpcId", "") == vpc_id) return std::move(group);
  }
  return std::nullopt;
}

std::string default_vpc_id(CallContext& ctx) {
  for (const json& vpc : list(ctx, kinds::kVpc)) {
    if (vpc.value("IsDefault", false)) return vpc["VpcId"].get<std::string>();
  }
  return "";
}

// The group a request targets by GroupId or (in the default VPC) GroupName.
json target_group(CallContext& ctx, const json& request) {
  if (request.contains("GroupId")) return require(ctx, kinds::kSecurityGroup, request["GroupId"].get<std::string>());
  if (request.contains("GroupName")) {
    std::string name = request["GroupName"].get<std::string>();
    std::string vpc = default_vpc_id(ctx);
    auto group = group_by_name(ctx, vpc, name);
    if (!group) {
      fail("InvalidGroup.NotFound", "The security group '" + name + "' does not exist in default VPC '" + vpc + "'");
    }
    return std::move(*group);
  }
  fail("MissingParameter", "The request must contain the parameter groupName or groupId");
}

json new_group(CallContext& ctx, const std::string& vpc_id, const std::string& name, const std::string& description,
               const json& tags) {
  std::string id = new_resource_id("sg");
  return {{"GroupId", id},
          {"GroupName", name},
          {"Description", description},
          {"VpcId", vpc_id},
          {"OwnerId", ctx.account_id},
          {"SecurityGroupArn", arn(ctx, "security-group", id)},
          {"IpPermissions", json::array()},
          {"IpPermissionsEgress", json::array()},
          {"Tags", tags}};
}

// Builds a rule record for `group` (not yet stored).
json new_rule(CallContext& ctx, const json& group, bool egress, const std::string& protocol, int64_t from, int64_t to) {
  std::string id = new_resource_id("sgr");
  return {{"SecurityGroupRuleId", id},
          {"GroupId", group["GroupId"]},
          {"GroupOwnerId", ctx.account_id},
          {"IsEgress", egress},
          {"IpProtocol", protocol},
          {"FromPort", from},
          {"ToPort", to},
          {"Tags", json::array()},
          {"SecurityGroupRuleArn", arn(ctx, "security-group-rule", id)}};
}

// Validates and expands IpPermissions into one rule record per peer.
std::vector<json> expand_permissions(CallContext& ctx, const json& group, const json& permissions, bool egress) {
  std::vector<json> rules;
  for (const json& perm : permissions) {
    std::string protocol = normalize_protocol(str(perm, "IpProtocol", ""));
    int64_t from = -1, to = -1;
    if (protocol == "tcp" || protocol == "udp") {
      if (!perm.contains("FromPort") || !perm.contains("ToPort")) {
        fail("InvalidParameterValue", "Invalid value 'null' for fromPort/toPort: TCP and UDP rules need a port range");
      }
      from = perm["FromPort"].get<int64_t>();
      to = perm["ToPort"].get<int64_t>();
      if (from < 0 || to > 65535 || from > to) {
        fail("InvalidParameterValue", "Invalid port range: from port " + std::to_string(from) + ", to port " +
                                          std::to_string(to) + " (ports must be 0-65535, from <= to)");
      }
    } else if (protocol == "icmp" || protocol == "icmpv6") {
      from = perm.value("FromPort", int64_t{-1});
      to = perm.value("ToPort", int64_t{-1});
      if (from < -1 || from > 255 || to < -1 || to > 255) {
        fail("InvalidParameterValue", "Invalid value for ICMP type/code: type " + std::to_string(from) + ", code " +
                                          std::to_string(to));
      }
    }
    size_t before = rules.size();
    for (const json& range : perm.value("IpRanges", json::array())) {
      std::string cidr = str(range, "CidrIp");
      if (!Ipv4Cidr::parse(cidr, false)) {
        fail("InvalidParameterValue", "CIDR block " + cidr + " is malformed");
      }
      json rule = new_rule(ctx, group, egress, protocol, from, to);
      rule["CidrIpv4"] = Ipv4Cidr::parse(cidr, false)->str();
      copy_rule_description(range, rule);
      rules.push_back(rule);
    }
    for (const json& range : perm.value("Ipv6Ranges", json::array())) {
      std::string cidr = str(range, "CidrIpv6");
      if (!is_ipv6_cidr(cidr)) fail("InvalidParameterValue", "CIDR block " + cidr + " is malformed");
      json rule = new_rule(ctx, group, egress, protocol, from, to);
      rule["CidrIpv6"] = cidr;
      copy_rule_description(range, rule);
      rules.push_back(rule);
    }
    for (const json& pl : perm.value("PrefixListIds", json::array())) {
      json rule = new_rule(ctx, group, egress, protocol, from, to);
      rule["PrefixListId"] = require_prefix_list(ctx, str(pl, "PrefixListId"))["PrefixListId"];
      copy_rule_description(pl, rule);
      rules.push_back(rule);
    }
    for (const json& pair : perm.value("UserIdGroupPairs", json::array())) {
      json peer;
      if (pair.contains("GroupId")) {
        peer = require(ctx, kinds::kSecurityGroup, pair["GroupId"].get<std::string>());
      } else if (pair.contains("GroupName")) {
        auto found = group_by_name(ctx, group["VpcId"].get<std::string>(), pair["GroupName"].get<std::string>());
        if (!found) fail("InvalidGroup.NotFound", "The security group '" + pair["GroupName"].get<std::string>() +
                                                      "' does not exist");
        peer = *found;
      } else {
        fail("MissingParameter", "A UserIdGroupPair needs a GroupId or GroupName");
      }
      // A group of the same VPC, or of a VPC peered with it (AWS shows the peering then).
      std::optional<json> peering;
      if (peer["VpcId"] != group["VpcId"]) {
        peering = active_peering(ctx, group["VpcId"].get<std::string>(), peer["VpcId"].get<std::string>());
        if (!peering) {
          fail("InvalidGroup.NotFound", "The security group '" + peer["GroupId"].get<std::string>() +
                                            "' does not exist in VPC '" + group["VpcId"].get<std::string>() + "'");
        }
      }
      json rule = new_rule(ctx, group, egress, protocol, from, to);
      rule["ReferencedGroupInfo"] = {{"GroupId", peer["GroupId"]}, {"UserId", ctx.account_id}};
      if (peering) {
        rule["ReferencedGroupInfo"]["VpcId"] = peer["VpcId"];
        rule["ReferencedGroupInfo"]["VpcPeeringConnectionId"] = (*peering)["VpcPeeringConnectionId"];
        rule["ReferencedGroupInfo"]["PeeringStatus"] = "active";
      }
      copy_rule_description(pair, rule);
      rules.push_back(rule);
    }
    if (rules.size() == before) {
      fail("InvalidParameterValue", "Each IP permission needs at least one of IpRanges, Ipv6Ranges, PrefixListIds "
                                    "or UserIdGroupPairs");
    }
  }
  return rules;
}

// The IpPermissions of a request, including the legacy top-level form.
json permissions_of(const json& request) {
  json perms = request.value("IpPermissions", json::array());
  bool legacy = request.contains("IpProtocol") || request.contains("CidrIp") ||
                request.contains("SourceSecurityGroupName") || request.contains("FromPort") ||
                request.contains("ToPort");
  if (legacy) {
    json perm = {{"IpProtocol", str(request, "IpProtocol", "-1")}};
    if (request.contains("FromPort")) perm["FromPort"] = request["FromPort"];
    if (request.contains("ToPort")) perm["ToPort"] = request["ToPort"];
    if (request.contains("CidrIp")) perm["IpRanges"] = json::array({{{"CidrIp", request["CidrIp"]}}});
    if (request.contains("SourceSecurityGroupName")) {
      perm["UserIdGroupPairs"] = json::array({{{"GroupName", request["SourceSecurityGroupName"]}}});
      if (!request.contains("IpProtocol")) {
        perm["IpProtocol"] = "-1";
      }
    }
    perms.push_back(perm);
  }
  if (perms.empty()) fail("MissingParameter", "The request must contain the parameter ipPermissions");
  return perms;
}

json authorize(CallContext& ctx, const json& request, bool egress) {
  json group = target_group(ctx, request);
  std::vector<json> existing = rules_of(ctx, group["GroupId"].get<std::string>());
  std::vector<json> added = expand_permissions(ctx, group, permissions_of(request), egress);
  json tags = tags_from_specifications(ctx, request, "security-group-rule");
  for (size_t i = 0; i < added.size(); ++i) {
    for (const json& other : existing) {
      if (same_rule(added[i], other)) {
        fail("InvalidPermission.Duplicate", "the specified rule \"" + describe_rule(added[i]) + "\" already exists");
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (same_rule(added[i], added[j])) {
        fail("InvalidPermission.Duplicate", "the specified rule \"" + describe_rule(added[i]) + "\" already exists");
      }
    }
  }
  json out = json::array();
  for (json& rule : added) {
    rule["Tags"] = tags;
    save(ctx, kinds::kSecurityGroupRule, rule["SecurityGroupRuleId"].get<std::string>(), rule);
    out.push_back(rule);
  }
  check_rule_quota(ctx, group["GroupId"].get<std::string>());
  refresh_permissions(ctx, group);
  return {{"Return", true}, {"SecurityGroupRules", out}};
}

// The rules among `existing` (a group's) in one direction that `ids` name, in that order.
// Fails InvalidSecurityGroupRuleId.NotFound for an id not among them.
std::vector<json> rules_by_id(const std::vector<json>& existing, bool egress, const json& ids) {
  std::vector<json> out;
  for (const json& id : ids) {
    auto it = std::find_if(existing.begin(), existing.end(), [&](const json& r) {
      return r["SecurityGroupRuleId"] == id && r.value("IsEgress", false) == egress;
    });
    if (it == existing.end()) {
      fail("InvalidSecurityGroupRuleId.NotFound",
           "The security group rule ID '" + id.get<std::string>() + "' does not exist");
    }
    out.push_back(*it);
  }
  return out;
}

json revoke(CallContext& ctx, const json& request, bool egress) {
  json group = target_group(ctx, request);
  std::vector<json> existing = rules_of(ctx, group["GroupId"].get<std::string>());
  std::vector<std::string> doomed;
  std::vector<json> unknown;
  if (request.contains("SecurityGroupRuleIds")) {
    for (const json& rule : rules_by_id(existing, egress, request["SecurityGroupRuleIds"])) {
      doomed.push_back(rule["SecurityGroupRuleId"].get<std::string>());
    }
  } else {
    std::vector<json> wanted = expand_permissions(ctx, group, permissions_of(request), egress);
    for (const json& rule : wanted) {
      auto it = std::find_if(existing.begin(), existing.end(), [&](const json& r) { return same_rule(rule, r); });
      if (it == existing.end()) {
        unknown.push_back(rule);
      } else {
        doomed.push_back((*it)["SecurityGroupRuleId"].get<std::string>());
      }
    }
    if (doomed.empty()) {
      fail("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
    }
  }
  for (const std::string& id : doomed) remove(ctx, id);
  refresh_permissions(ctx, group);
  json out = {{"Return", unknown.empty()}};
  if (!unknown.empty()) out["UnknownIpPermissions"] = permissions_from_rules(unknown);
  return out;
}

// UpdateSecurityGroupRuleDescriptions{Ingress,Egress}: sets the description of rules named by
// their permission (a rule given without a description loses its description, as on AWS) or by
// SecurityGroupRuleDescriptions; nothing changes when any of them does not exist.
json update_rule_descriptions(CallContext& ctx, const json& request, bool egress) {
  json group = target_group(ctx, request);
  std::vector<json> changed;
  if (request.contains("SecurityGroupRuleDescriptions") && !request["SecurityGroupRuleDescriptions"].empty()) {
    json ids = json::array();
    for (const json& d : request["SecurityGroupRuleDescriptions"]) ids.push_back(str(d, "SecurityGroupRuleId"));
    changed = rules_by_id(rules_of(ctx, group["GroupId"].get<std::string>()), egress, ids);
    for (size_t i = 0; i < changed.size(); ++i) {
      const json& given = request["SecurityGroupRuleDescriptions"][i];
      changed[i].erase("Description");
      copy_rule_description(given, changed[i]);
    }
  } else {
    std::vector<json> existing = rules_of(ctx, group["GroupId"].get<std::string>());
    for (const json& wanted : expand_permissions(ctx, group, permissions_of(request), egress)) {
      auto it = std::find_if(existing.begin(), existing.end(), [&](const json& r) { return same_rule(wanted, r); });
      if (it == existing.end()) fail("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
      json rule = *it;
      rule.erase("Description");
      if (wanted.contains("Description")) rule["Description"] = wanted["Description"];
      changed.push_back(std::move(rule));
    }
  }
  for (const json& rule : changed) save(ctx, kinds::kSecurityGroupRule, rule["SecurityGroupRuleId"].get<std::string>(), rule);
  refresh_permissions(ctx, group);
  return {{"Return", true}};
}

// The IpPermission a ModifySecurityGroupRules SecurityGroupRuleRequest describes.
json permission_of_rule_request(const json& r) {
  // Request member of the peer -> the IpPermission list holding it, and the member there.
  static const struct {
    const char* member;
    const char* list;
    const char* peer_member;
  } kPeers[] = {{"CidrIpv4", "IpRanges", "CidrIp"},
                {"CidrIpv6", "Ipv6Ranges", "CidrIpv6"},
                {"PrefixListId", "PrefixListIds", "PrefixListId"},
                {"ReferencedGroupId", "UserIdGroupPairs", "GroupId"}};
  json perm = {{"IpProtocol", str(r, "IpProtocol", "")}};
  if (r.contains("FromPort")) perm["FromPort"] = r["FromPort"];
  if (r.contains("ToPort")) perm["ToPort"] = r["ToPort"];
  int peers = 0;
  for (const auto& p : kPeers) {
    if (!r.contains(p.member)) continue;
    json peer = {{p.peer_member, r[p.member]}};
    if (r.contains("Description")) peer["Description"] = r["Description"];
    perm[p.list] = json::array({peer});
    ++peers;
  }
  if (peers != 1) {
    fail("InvalidParameterCombination",
         "A security group rule needs exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId");
  }
  return perm;
}

// ModifySecurityGroupRules: replaces what each named rule allows (protocol, ports, peer,
// description), keeping its id, direction and tags; validated as AuthorizeSecurityGroup* is,
// all or nothing.
json modify_security_group_rules(CallContext& ctx, const json& request) {
  json group = require(ctx, kinds::kSecurityGroup, request["GroupId"].get<std::string>());
  std::vector<json> existing = rules_of(ctx, group["GroupId"].get<std::string>());
  std::vector<json> replaced;
  for (const json& update : request.value("SecurityGroupRules", json::array())) {
    std::string id = str(update, "SecurityGroupRuleId");
    auto it = std::find_if(existing.begin(), existing.end(), [&](const json& r) { return r["SecurityGroupRuleId"] == id; });
    if (it == existing.end()) {
      fail("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + id + "' does not exist");
    }
    if (!update.contains("SecurityGroupRule")) {
      fail("MissingParameter", "The request must contain the parameter SecurityGroupRule");
    }
    bool egress = it->value("IsEgress", false);
    json rule = expand_permissions(ctx, group, json::array({permission_of_rule_request(update["SecurityGroupRule"])}),
                                   egress)
                    .front();
    rule["SecurityGroupRuleId"] = id;
    rule["SecurityGroupRuleArn"] = (*it)["SecurityGroupRuleArn"];
    rule["Tags"] = (*it).value("Tags", json::array());
    *it = rule;
    replaced.push_back(rule);
  }
  for (size_t i = 0; i < existing.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (same_rule(existing[i], existing[j])) {
        fail("InvalidPermission.Duplicate", "the specified rule \"" + describe_rule(existing[i]) + "\" already exists");
      }
    }
  }
  for (const json& rule : replaced) save(ctx, kinds::kSecurityGroupRule, rule["SecurityGroupRuleId"].get<std::string>(), rule);
  check_rule_quota(ctx, group["GroupId"].get<std::string>());
  refresh_permissions(ctx, group);
  return {{"Return", true}};
}

json create_security_group(CallContext& ctx, const json& request) {
  std::string name = request["GroupName"].get<std::string>();
  std::string description = request["Description"].get<std::string>();
  if (name.empty() || name.size() > kMaxNameLength) {
    fail("InvalidParameterValue", "Invalid value '" + name + "' for groupName. Length must be 1-255 characters");
  }
  if (name.rfind("sg-", 0) == 0) {
    fail("InvalidParameterValue", "Invalid value '" + name + "' for groupName. Group names may not start with 'sg-'");
  }
  check_group_text(name, "GroupName");
  check_group_text(description, "GroupDescription");
  std::string vpc_id = request.contains("VpcId") ? request["VpcId"].get<std::string>() : default_vpc_id(ctx);
  if (vpc_id.empty()) fail("VPCIdNotSpecified", "No default VPC for this user");
  require(ctx, kinds::kVpc, vpc_id);
  if (group_by_name(ctx, vpc_id, name)) {
    fail("InvalidGroup.Duplicate", "The security group '" + name + "' already exists for VPC '" + vpc_id + "'");
  }
  json tags = tags_from_specifications(ctx, request, "security-group");
  // Per region, every VPC's default group included (Amazon VPC quotas); AWS's message names the VPC.
  require_room(count(ctx, kinds::kSecurityGroup), ctx.limits.security_groups, "SecurityGroupLimitExceeded",
               "The maximum number of security groups for VPC '" + vpc_id + "' has been reached.");
  json group = new_group(ctx, vpc_id, name, description, tags);
  save(ctx, kinds::kSecurityGroup, group["GroupId"].get<std::string>(), group);
  json all = new_rule(ctx, group, true, "-1", -1, -1);
  all["CidrIpv4"] = "0.0.0.0/0";
  save(ctx, kinds::kSecurityGroupRule, all["SecurityGroupRuleId"].get<std::string>(), all);
  refresh_permissions(ctx, group);
  return {{"GroupId", group["GroupId"]}, {"Tags", group["Tags"]}, {"SecurityGroupArn", group["SecurityGroupArn"]}};
}

json delete_security_group(CallContext& ctx, const json& request) {
  json group = target_group(ctx, request);
  std::string id = group["GroupId"].get<std::string>();
  if (group.value("GroupName", "") == "default") {
    fail("CannotDelete", "the specified group: \"" + id + "\" name: \"default\" cannot be deleted by a user");
  }
  for (const json& rule : list_where(ctx, kinds::kSecurityGroupRule, "ReferencedGroupInfo.GroupId", id)) {
    if (rule.value("GroupId", "") != id) fail("DependencyViolation", "resource " + id + " has a dependent object");
  }
  for (const json& rule : rules_of(ctx, id)) remove(ctx, rule["SecurityGroupRuleId"].get<std::string>());
  remove(ctx, id);
  return {{"Return", true}, {"GroupId", id}};
}

const FilterTable& group_filters() {
  static const FilterTable table = {
      {"description", field("Description")},
      {"group-id", field("GroupId")},
      {"group-name", field("GroupName")},
      {"owner-id", field("OwnerId")},
      {"vpc-id", field("VpcId")},
      {"ip-permission.cidr", field("IpPermissions[].IpRanges[].CidrIp")},
      {"ip-permission.ipv6-cidr", field("IpPermissions[].Ipv6Ranges[].CidrIpv6")},
      {"ip-permission.from-port", field("IpPermissions[].FromPort")},
      {"ip-permission.to-port", field("IpPermissions[].ToPort")},
      {"ip-permission.protocol", field("IpPermissions[].IpProtocol")},
      {"ip-permission.group-id", field("IpPermissions[].UserIdGroupPairs[].GroupId")},
      {"ip-permission.group-name", field("_ReferencedGroupNames.Ingress")},
      {"ip-permission.user-id", field("IpPermissions[].UserIdGroupPairs[].UserId")},
      {"ip-permission.prefix-list-id", field("IpPermissions[].PrefixListIds[].PrefixListId")},
      {"egress.ip-permission.cidr", field("IpPermissionsEgress[].IpRanges[].CidrIp")},
      {"egress.ip-permission.ipv6-cidr", field("IpPermissionsEgress[].Ipv6Ranges[].CidrIpv6")},
      {"egress.ip-permission.from-port", field("IpPermissionsEgress[].FromPort")},
      {"egress.ip-permission.to-port", field("IpPermissionsEgress[].ToPort")},
      {"egress.ip-permission.protocol", field("IpPermissionsEgress[].IpProtocol")},
      {"egress.ip-permission.group-id", field("IpPermissionsEgress[].UserIdGroupPairs[].GroupId")},
      {"egress.ip-permission.group-name", field("_ReferencedGroupNames.Egress")},
      {"egress.ip-permission.user-id", field("IpPermissionsEgress[].UserIdGroupPairs[].UserId")},
      {"egress.ip-permission.prefix-list-id", field("IpPermissionsEgress[].PrefixListIds[].PrefixListId")},
  };
  return table;
}

json describe_security_groups(CallContext& ctx, const json& request) {
  json effective = request;
  if (request.contains("GroupNames") && !request["GroupNames"].empty()) {
    std::string vpc = default_vpc_id(ctx);
    json ids = effective.value("GroupIds", json::array());
    for (const json& name : request["GroupNames"]) {
      auto group = group_by_name(ctx, vpc, name.get<std::string>());
      if (!group) {
        fail("InvalidGroup.NotFound",
             "The security group '" + name.get<std::string>() + "' does not exist in default VPC '" + vpc + "'");
      }
      ids.push_back((*group)["GroupId"]);
    }
    effective["GroupIds"] = ids;
  }
  // The *.ip-permission.group-name filters match the names of referenced groups, which the
  // pairs do not carry; they are added under a member the output shape does not have.
  auto names_of_referenced = [&ctx](json group) {
    for (const auto& [direction, member] : {std::pair{"Ingress", "IpPermissions"}, {"Egress", "IpPermissionsEgress"}}) {
      json names = json::array();
      for (const json& perm : group.value(member, json::array())) {
        for (const json& pair : perm.value("UserIdGroupPairs", json::array())) {
          if (auto peer = find(ctx, kinds::kSecurityGroup, pair.value("GroupId", ""))) names.push_back((*peer)["GroupName"]);
        }
      }
      group["_ReferencedGroupNames"][direction] = names;
    }
    return group;
  };
  bool by_referenced_name = false;  // the names are looked up only for the filters that need them
  for (const json& filter : request.value("Filters", json::array())) {
    std::string name = filter.value("Name", "");
    by_referenced_name = by_referenced_name || name == "ip-permission.group-name" || name == "egress.ip-permission.group-name";
  }
  return describe_stored(ctx, effective,
                         DescribeSpec{kinds::kSecurityGroup, "GroupIds", "GroupId", "SecurityGroups", group_filters(),
                                      by_referenced_name ? std::function<json(json)>(names_of_referenced) : nullptr});
}

json describe_security_group_rules(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"group-id", field("GroupId")},
                                      {"security-group-rule-id", field("SecurityGroupRuleId")}};
  return describe_stored(ctx, request,
                         DescribeSpec{kinds::kSecurityGroupRule, "SecurityGroupRuleIds", "SecurityGroupRuleId",
                                      "SecurityGroupRules", filters});
}

}  // namespace

json default_group_refs(CallContext& ctx, const std::string& vpc_id) {
  json groups = json::array();
  for (const json& group : list_where(ctx, kinds::kSecurityGroup, "GroupName", "default")) {
    if (group.value("VpcId", "") == vpc_id) {
      groups.push_back({{"GroupId", group["GroupId"]}, {"GroupName", group["GroupName"]}});
    }
  }
  return groups;
}

std::string create_default_security_group(CallContext& ctx, const std::string& vpc_id) {
  json group = new_group(ctx, vpc_id, "default", "default VPC security group", json::array());
  save(ctx, kinds::kSecurityGroup, group["GroupId"].get<std::string>(), group);
  json self = new_rule(ctx, group, false, "-1", -1, -1);
  self["ReferencedGroupInfo"] = {{"GroupId", group["GroupId"]}, {"UserId", ctx.account_id}};
  json all = new_rule(ctx, group, true, "-1", -1, -1);
  all["CidrIpv4"] = "0.0.0.0/0";
  save(ctx, kinds::kSecurityGroupRule, self["SecurityGroupRuleId"].get<std::string>(), self);
  save(ctx, kinds::kSecurityGroupRule, all["SecurityGroupRuleId"].get<std::string>(), all);
  refresh_permissions(ctx, group);
  return group["GroupId"].get<std::string>();
}

void delete_default_security_group(CallContext& ctx, const std::string& vpc_id) {
  auto group = group_by_name(ctx, vpc_id, "default");
  if (!group) return;
  std::string id = (*group)["GroupId"].get<std::string>();
  for (const json& rule : rules_of(ctx, id)) remove(ctx, rule["SecurityGroupRuleId"].get<std::string>());
  remove(ctx, id);
}

void check_rule_quota(CallContext& ctx, const std::string& group_id) {
  // Each direction and address family apart; a group reference or prefix list counts toward
  // both families, a prefix list as its MaxEntries (Amazon VPC quotas).
  std::vector<json> rules = rules_of(ctx, group_id);
  for (bool egress : {false, true}) {
    for (bool ipv6 : {false, true}) {
      int64_t used = 0;
      for (const json& rule : rules) {
        if (rule.value("IsEgress", false) != egress || rule.contains(ipv6 ? "CidrIpv4" : "CidrIpv6")) continue;
        used += rule.contains("PrefixListId")
                    ? prefix_list_weight(require_prefix_list(ctx, rule["PrefixListId"].get<std::string>()))
                    : 1;
      }
      if (used > ctx.limits.rules_per_security_group) {
        fail("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.");
      }
    }
  }
}

void add_security_group_actions(ActionTable& table) {
  table["CreateSecurityGroup"] = {create_security_group, true};
  table["DeleteSecurityGroup"] = {delete_security_group, true};
  table["DescribeSecurityGroups"] = {describe_security_groups, false};
  table["DescribeSecurityGroupRules"] = {describe_security_group_rules, false};
  table["AuthorizeSecurityGroupIngress"] = {[](CallContext& c, const json& r) { return authorize(c, r, false); }, true};
  table["AuthorizeSecurityGroupEgress"] = {[](CallContext& c, const json& r) { return authorize(c, r, true); }, true};
  table["RevokeSecurityGroupIngress"] = {[](CallContext& c, const json& r) { return revoke(c, r, false); }, true};
  table["RevokeSecurityGroupEgress"] = {[](CallContext& c, const json& r) { return revoke(c, r, true); }, true};
  table["UpdateSecurityGroupRuleDescriptionsIngress"] = {
      [](CallContext& c, const json& r) { return update_rule_descriptions(c, r, false); }, true};
  table["UpdateSecurityGroupRuleDescriptionsEgress"] = {
      [](CallContext& c, const json& r) { return update_rule_descriptions(c, r, true); }, true};
  table["ModifySecurityGroupRules"] = {modify_security_group_rules, true};
}

}  // namespace stratus::ec2
