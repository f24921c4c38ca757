#include "services/ec2/authorization.h"

#include <algorithm>
#include <set>

#include "common/ascii_case.h"

namespace stratus::ec2 {
namespace {

using nlohmann::json;

// The strings at `path` in `request`: a member name, "[]" after a name walking a list
// ("NetworkInterfaces[].SubnetId"); a list of strings at the end gives each.
void strings_at(const json& node, std::string_view path, std::vector<std::string>& out) {
  if (path.empty()) {
    if (node.is_string()) out.push_back(node.get<std::string>());
    if (node.is_array()) {
      for (const json& item : node) {
        if (item.is_string()) out.push_back(item.get<std::string>());
      }
    }
    return;
  }
  size_t dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  bool each = head.size() > 2 && head.substr(head.size() - 2) == "[]";
  if (each) head.remove_suffix(2);
  if (!node.is_object()) return;
  auto it = node.find(head);
  if (it == node.end()) return;
  if (!each) return strings_at(*it, rest, out);
  if (!it->is_array()) return;
  for (const json& item : *it) strings_at(item, rest, out);
}

// Adds `tags` ([{Key, Value}]) to `keys` under `prefix` ("aws:requesttag/", ...).
void add_tags(iam::ContextKeys& keys, const json& tags, const std::string& prefix) {
  for (const json& tag : tags) keys[prefix + ascii_lower(tag.value("Key", ""))] = {tag.value("Value", "")};
}

// Adds the tags a resource is being given, `tags`, to `keys`: aws:RequestTag/KEY and aws:TagKeys.
void add_request_tags(iam::ContextKeys& keys, const json& tags) {
  add_tags(keys, tags, "aws:requesttag/");
  std::vector<std::string> names;
  for (const json& tag : tags) names.push_back(tag.value("Key", ""));
  if (!names.empty()) keys["aws:tagkeys"] = names;
}

// The tags a request makes resources of `type` with: its TagSpecifications for that type (or
// for none named), or CreateTags' Tags.
json request_tags(const json& request, const std::string& type) {
  json tags = json::array();
  for (const json& spec : request.value("TagSpecifications", json::array())) {
    if (spec.value("ResourceType", type) != type) continue;
    for (const json& tag : spec.value("Tags", json::array())) tags.push_back(tag);
  }
  return tags;
}

}  // namespace

AuthorizationResources::AuthorizationResources(std::string_view data, store::Store& store) : store_(store) {
  json parsed = json::parse(data);
  for (const auto& [path, type] : parsed.at("members").items()) members_.push_back({path, type.get<std::string>()});
  for (const auto& [prefix, type] : parsed.at("prefixes").items()) prefixes_.emplace(prefix, type.get<std::string>());
  for (const auto& [action, types] : parsed.at("creates").items()) {
    creates_.emplace(action, types.get<std::vector<std::string>>());
  }
  for (const auto& [action, member] : parsed.at("named_by").items()) named_by_.emplace(action, member.get<std::string>());
  for (const json& type : parsed.at("without_account")) without_account_.insert(type.get<std::string>());
}

std::vector<iam::RequestResource> AuthorizationResources::resources(const api::ServiceCall& call) const {
  if (call.action.rfind("Describe", 0) == 0) return {{"*", {}, "", ""}};
  const json& request = call.request;
  auto arn = [&](const std::string& type, const std::string& id) {
    return "arn:aws:ec2:" + call.region + ":" + (without_account_.count(type) ? "" : call.account_id) + ":" + type +
           "/" + id;
  };
  auto base_keys = [&] { return iam::ContextKeys{{"ec2:region", {call.region}}}; };
  std::vector<iam::RequestResource> out;
  std::set<std::string> seen;
  auto add = [&](iam::RequestResource resource) {
    if (seen.insert(resource.arn).second) out.push_back(std::move(resource));
  };
  std::unique_ptr<store::Transaction> txn;  // opened at the first look-up
  auto lookup = [&](const std::string& id) {
    if (!txn) txn = store_.begin_read();
    return txn->get(id);
  };
  // ec2:Vpc and ec2:Subnet of a resource described by `described` (its VpcId and SubnetId).
  auto add_placement = [&](iam::ContextKeys& keys, const json& described, const std::string& type) {
    if (described.contains("VpcId") && described["VpcId"].is_string()) {
      keys["ec2:vpc"] = {arn("vpc", described["VpcId"].get<std::string>())};
    }
    if (type != "subnet" && described.contains("SubnetId") && described["SubnetId"].is_string()) {
      keys["ec2:subnet"] = {arn("subnet", described["SubnetId"].get<std::string>())};
    }
  };
  // Where what the call makes goes: the subnet it names (and that subnet's VPC), or the VPC.
  json placement = json::object();
  std::vector<std::string> subnets;
  strings_at(request, "SubnetId", subnets);
  strings_at(request, "NetworkInterfaces[].SubnetId", subnets);
  if (!subnets.empty()) {
    placement["SubnetId"] = subnets.front();
    if (auto subnet = lookup(subnets.front())) placement["VpcId"] = subnet->doc.value("VpcId", "");
  }
  if (request.contains("VpcId")) placement["VpcId"] = request["VpcId"];
  auto naming_it = named_by_.find(call.action);
  std::string naming = naming_it == named_by_.end() ? "" : naming_it->second;
  // What the call makes.
  if (auto creates = creates_.find(call.action); creates != creates_.end()) {
    for (const std::string& type : creates->second) {
      iam::RequestResource resource{arn(type, naming.empty() ? "*" : request.value(naming, "*")), base_keys(), "", ""};
      add_request_tags(resource.keys, request_tags(request, type));
      if (type == "instance") resource.keys["ec2:instancetype"] = {request.value("InstanceType", "m1.small")};
      add_placement(resource.keys, placement, type);
      add(std::move(resource));
    }
  }
  // What it names: by member, and CreateTags' and DeleteTags' Resources by id prefix.
  std::vector<std::pair<std::string, std::string>> named;  // type, id
  for (const Member& member : members_) {
    if (member.path == naming) continue;
    std::vector<std::string> ids;
    strings_at(request, member.path, ids);
    for (std::string& id : ids) named.emplace_back(member.type, std::move(id));
  }
  std::vector<std::string> tagged;
  strings_at(request, "Resources", tagged);
  for (std::string& id : tagged) {
    auto type = prefixes_.find(std::string_view(id).substr(0, id.find('-')));
    if (type != prefixes_.end()) named.emplace_back(type->second, std::move(id));
  }
  for (const auto& [type, id] : named) {
    iam::RequestResource resource{arn(type, id), base_keys(), "", ""};
    if (auto record = lookup(id)) {
      const json& tags = record->doc.value("Tags", json::array());
      add_tags(resource.keys, tags, "ec2:resourcetag/");
      add_tags(resource.keys, tags, "aws:resourcetag/");
      // An instance's record holds its description under "Instance"; other kinds are theirs.
      bool instance = type == "instance" && record->doc.contains("Instance");
      const json& described = instance ? record->doc["Instance"] : record->doc;
      if (instance) resource.keys["ec2:instancetype"] = {described.value("InstanceType", "")};
      add_placement(resource.keys, described, type);
    }
    if (call.action == "CreateTags") add_request_tags(resource.keys, request.value("Tags", json::array()));
    add(std::move(resource));
  }
  return out;
}

}  // namespace stratus::ec2
