#include "fis/fault_actions.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <regex>

#include "fis/fis_actions.h"

namespace stratus::fis {
namespace {

using nlohmann::json;

// The value at dot path `path` ("Placement.AvailabilityZone") of `item` as text, or "".
std::string at_path(const json& item, const std::string& path) {
  const json* node = &item;
  size_t from = 0;
  while (from <= path.size()) {
    size_t dot = path.find('.', from);
    std::string key = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    if (!node->is_object() || !node->contains(key)) return "";
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  if (node->is_string()) return node->get<std::string>();
  return node->is_null() ? "" : node->dump();
}

// Whether `item` carries every tag of `tags` ({KEY: VALUE}).
bool has_tags(const json& item, const json& tags) {
  const json item_tags = item.value("Tags", json::array());
  for (const auto& [tag_key, tag_value] : tags.items()) {
    const std::string& key = tag_key;  // a lambda may not capture a structured binding (clang)
    const json& value = tag_value;
    bool found = std::any_of(item_tags.begin(), item_tags.end(),
                             [&](const json& t) { return t.value("Key", "") == key && t.value("Value", "") == value; });
    if (!found) return false;
  }
  return true;
}

// `ids` cut down as `mode` says: ALL, COUNT(n) or PERCENT(n) of them, chosen at random.
Result<std::vector<std::string>> select(std::vector<std::string> ids, const std::string& mode) {
  if (mode == "ALL") return ids;
  static const std::regex kMode(R"((COUNT|PERCENT)\((\d+)\))");
  std::smatch m;
  if (!std::regex_match(mode, m, kMode)) return ApiError{"ValidationException", "Unknown selectionMode " + mode};
  size_t n = std::stoul(m[2].str());
  if (m[1] == "PERCENT") n = static_cast<size_t>(std::ceil(static_cast<double>(ids.size()) * static_cast<double>(n) / 100));
  std::shuffle(ids.begin(), ids.end(), std::mt19937{std::random_device{}()});
  if (ids.size() > n) ids.resize(n);
  return ids;
}

}  // namespace

Result<std::vector<std::string>> Ec2FaultActions::resolve(const Scope& scope, const json& target) {
  const std::string type = target.value("resourceType", "");
  bool subnets = type == "aws:ec2:subnet";
  auto described = subnets ? ec2_.read(scope.account, scope.region, "DescribeSubnets", json::object())
                           : ec2_.read(scope.account, scope.region, "DescribeInstances",
                                       {{"Filters", {{{"Name", "instance-state-name"}, {"Values", {"pending", "running"}}}}}});
  if (!described.ok()) return described.error();
  std::vector<json> items;
  if (subnets) {
    for (const json& s : described.value().value("Subnets", json::array())) items.push_back(s);
  } else {
    for (const json& r : described.value().value("Reservations", json::array())) {
      for (const json& i : r.value("Instances", json::array())) items.push_back(i);
    }
  }
  const json arns = target.value("resourceArns", json::array());
  const json parameters = target.value("parameters", json::object());
  const json filters = target.value("filters", json::array());
  std::vector<std::string> ids;
  for (const json& item : items) {
    std::string id = item.value(subnets ? "SubnetId" : "InstanceId", "");
    std::string arn = "arn:aws:ec2:" + scope.region + ":" + scope.account + (subnets ? ":subnet/" : ":instance/") + id;
    if (!arns.empty() && std::find(arns.begin(), arns.end(), json(arn)) == arns.end()) continue;
    if (target.contains("resourceTags") && !has_tags(item, target["resourceTags"])) continue;
    if (type == "aws:ec2:spot-instance" && item.value("InstanceLifecycle", "") != "spot") continue;
    bool filtered = std::all_of(filters.begin(), filters.end(), [&](const json& f) {
      const json values = f.value("values", json::array());
      return std::find(values.begin(), values.end(), json(at_path(item, f.value("path", "")))) != values.end();
    });
    if (!filtered) continue;
    if (subnets && parameters.contains("availabilityZoneIdentifier")) {
      std::string zone = parameters["availabilityZoneIdentifier"];
      if (item.value("AvailabilityZone", "") != zone && item.value("AvailabilityZoneId", "") != zone) continue;
    }
    if (subnets && parameters.contains("vpc") && item.value("VpcId", "") != parameters["vpc"]) continue;
    ids.push_back(id);
  }
  return select(std::move(ids), target.value("selectionMode", "ALL"));
}

Result<json> Ec2FaultActions::run(const Scope& scope, const std::string& action_id, const std::vector<std::string>& ids,
                                  const json& parameters) {
  if (action_id == "aws:fis:wait") return json();
  auto role = ec2_.assume(scope.account, scope.role_arn);
  if (!role.ok()) return role.error();
  auto ec2 = [&](const std::string& action, const json& request) {
    return ec2_.call(role.value(), scope.account, scope.region, action, request);
  };
  if (action_id == "aws:network:disrupt-connectivity") return disrupt(role.value(), scope, ids, parameters.value("scope", "all"));
  Result<json> done = json();
  if (action_id == "aws:ec2:stop-instances") done = ec2("StopInstances", {{"InstanceIds", ids}});
  if (action_id == "aws:ec2:reboot-instances") done = ec2("RebootInstances", {{"InstanceIds", ids}});
  if (action_id == "aws:ec2:terminate-instances") done = ec2("TerminateInstances", {{"InstanceIds", ids}});
  if (action_id == "aws:ec2:send-spot-instance-interruptions") {
    int64_t after = parse_duration(parameters.value("durationBeforeInterruption", "PT2M")).value_or(120);
    done = ec2("SendSpotInstanceInterruptions", {{"InstanceIds", ids}, {"DurationBeforeInterruption", after}});
  }
  if (!done.ok()) return done.error();
  if (action_id == "aws:ec2:stop-instances" && parameters.contains("startInstancesAfterDuration")) {
    return json{{"InstanceIds", ids}};
  }
  return json();
}

Result<json> Ec2FaultActions::disrupt(const api::Principal& role, const Scope& scope, const std::vector<std::string>& subnets,
                                      const std::string& reach) {
  auto ec2 = [&](const std::string& action, const json& request) {
    return ec2_.call(role, scope.account, scope.region, action, request);
  };
  auto acls = ec2_.read(scope.account, scope.region, "DescribeNetworkAcls", json::object());
  auto all_subnets = ec2_.read(scope.account, scope.region, "DescribeSubnets", json::object());
  if (!acls.ok()) return acls.error();
  if (!all_subnets.ok()) return all_subnets.error();
  json swaps = json::array();
  // Puts the swaps made back when a later step fails.
  auto fail = [&](const ApiError& error) -> Result<json> {
    undo(scope, "aws:network:disrupt-connectivity", {{"Swaps", swaps}});
    return error;
  };
  for (const std::string& subnet_id : subnets) {
    json subnet, association;
    for (const json& s : all_subnets.value()["Subnets"]) {
      if (s.value("SubnetId", "") == subnet_id) subnet = s;
    }
    for (const json& acl : acls.value()["NetworkAcls"]) {
      for (const json& a : acl.value("Associations", json::array())) {
        if (a.value("SubnetId", "") == subnet_id) association = a;
      }
    }
    if (subnet.is_null() || association.is_null()) return fail({"ResourceNotFoundException", "Subnet " + subnet_id + " is gone."});
    const json current = [&] {
      for (const json& acl : acls.value()["NetworkAcls"]) {
        if (acl.value("NetworkAclId", "") == association.value("NetworkAclId", "")) return acl;
      }
      return json::object();
    }();
    for (const json& tag : current.value("Tags", json::array())) {
      if (tag.value("Key", "") == "managedByFIS") {
        return fail({"ConflictException", "Subnet " + subnet_id + " is already cut off by another experiment."});
      }
    }
    auto created = ec2("CreateNetworkAcl", {{"VpcId", subnet["VpcId"]},
                                            {"TagSpecifications", {{{"ResourceType", "network-acl"},
                                                                    {"Tags", {{{"Key", "managedByFIS"}, {"Value", "true"}}}}}}}});
    if (!created.ok()) return fail(created.error());
    std::string fis_acl = created.value()["NetworkAcl"]["NetworkAclId"];
    // A later step failing removes this ACL, which no swap records yet, with the swaps made.
    auto fail_here = [&](const ApiError& error) {
      ec2("DeleteNetworkAcl", {{"NetworkAclId", fis_acl}});
      return fail(error);
    };
    if (reach == "availability-zone") {  // deny the other zones' subnets of the VPC, allow the rest
      int rule = 100;
      for (const json& other : all_subnets.value()["Subnets"]) {
        if (other.value("VpcId", "") != subnet.value("VpcId", "") ||
            other.value("AvailabilityZone", "") == subnet.value("AvailabilityZone", "")) {
          continue;
        }
        for (bool egress : {false, true}) {
          auto entry = ec2("CreateNetworkAclEntry", {{"NetworkAclId", fis_acl}, {"RuleNumber", rule}, {"Protocol", "-1"},
                                                     {"RuleAction", "deny"}, {"Egress", egress},
                                                     {"CidrBlock", other["CidrBlock"]}});
          if (!entry.ok()) return fail_here(entry.error());
        }
        ++rule;
      }
      for (bool egress : {false, true}) {
        auto entry = ec2("CreateNetworkAclEntry", {{"NetworkAclId", fis_acl}, {"RuleNumber", 32000}, {"Protocol", "-1"},
                                                   {"RuleAction", "allow"}, {"Egress", egress}, {"CidrBlock", "0.0.0.0/0"}});
        if (!entry.ok()) return fail_here(entry.error());
      }
    }
    auto replaced = ec2("ReplaceNetworkAclAssociation",
                        {{"AssociationId", association["NetworkAclAssociationId"]}, {"NetworkAclId", fis_acl}});
    if (!replaced.ok()) return fail_here(replaced.error());
    swaps.push_back({{"AssociationId", replaced.value()["NewAssociationId"]},
                     {"NetworkAclId", association["NetworkAclId"]},
                     {"FisNetworkAclId", fis_acl}});
  }
  return json{{"Swaps", swaps}};
}

Result<bool> Ec2FaultActions::undo(const Scope& scope, const std::string& action_id, const json& undo) {
  // The role is assumed once there is something to do (a new session is stored each time).
  std::optional<Result<api::Principal>> role;
  auto ec2 = [&](const std::string& action, const json& request) -> Result<json> {
    if (!role) role = ec2_.assume(scope.account, scope.role_arn);
    if (!role->ok()) return role->error();
    return ec2_.call(role->value(), scope.account, scope.region, action, request);
  };
  if (action_id == "aws:ec2:stop-instances") {
    auto described = ec2_.read(scope.account, scope.region, "DescribeInstances", {{"InstanceIds", undo["InstanceIds"]}});
    if (!described.ok()) return described.error();
    json stopped = json::array();
    for (const json& r : described.value()["Reservations"]) {
      for (const json& i : r["Instances"]) {
        std::string state = i["State"].value("Name", "");
        if (state == "stopping" || state == "pending") return false;  // not down yet: the next pass
        if (state == "stopped") stopped.push_back(i["InstanceId"]);
      }
    }
    if (!stopped.empty()) {
      auto started = ec2("StartInstances", {{"InstanceIds", stopped}});
      if (!started.ok()) return started.error();
    }
    return true;
  }
  for (const json& swap : undo.value("Swaps", json::array())) {  // aws:network:disrupt-connectivity
    auto restored = ec2("ReplaceNetworkAclAssociation",
                        {{"AssociationId", swap["AssociationId"]}, {"NetworkAclId", swap["NetworkAclId"]}});
    if (!restored.ok()) return restored.error();
    auto deleted = ec2("DeleteNetworkAcl", {{"NetworkAclId", swap["FisNetworkAclId"]}});
    if (!deleted.ok()) return deleted.error();
  }
  return true;
}

}  // namespace stratus::fis
