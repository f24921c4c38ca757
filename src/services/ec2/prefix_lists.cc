#include "services/ec2/prefix_lists.h"

#include <algorithm>

#include "common/cidr.h"
#include "common/ids.h"
#include "common/network_defaults.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"
#include "services/ec2/route_tables.h"
#include "services/ec2/security_groups.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

constexpr size_t kMaxTextLength = 255;

// The region's AWS-managed lists as DescribeManagedPrefixLists shows them, entries included.
std::vector<json> aws_managed(const CallContext& ctx) {
  std::vector<json> out;
  for (const AwsManagedPrefixList& list : aws_managed_prefix_lists(ctx.region)) {
    json entries = json::array();
    for (const std::string& cidr : list.cidrs) entries.push_back({{"Cidr", cidr}});
    out.push_back({{"PrefixListId", list.id},
                   {"AddressFamily", "IPv4"},
                   {"State", "create-complete"},
                   {"PrefixListArn", "arn:aws:ec2:" + ctx.region + ":aws:prefix-list/" + list.id},
                   {"PrefixListName", list.name},
                   {"MaxEntries", static_cast<int64_t>(list.cidrs.size())},
                   {"Version", 1},
                   {"Tags", json::array()},
                   {"OwnerId", "AWS"},
                   {"Entries", entries}});
  }
  return out;
}

// The account's own list `id`, or fails: NotFound, or OperationNotPermitted for an AWS-managed one.
json require_own(CallContext& ctx, const std::string& id) {
  json list = require_prefix_list(ctx, id);
  if (list["OwnerId"] == "AWS") {
    fail("OperationNotPermitted", "The prefix list " + id + " is managed by AWS and cannot be changed");
  }
  return list;
}

// Fails unless `text` (the parameter `name`) is at most 255 characters.
void check_length(const std::string& text, const std::string& name) {
  if (text.size() > kMaxTextLength) {
    fail("InvalidParameterValue", "The parameter " + name + " must be at most 255 characters long");
  }
}

// Fails unless `name` can name one of the account's lists: 1 to 255 characters, not starting
// with "com.amazonaws" (AWS's own lists' names).
void check_name(const std::string& name) {
  check_length(name, "PrefixListName");
  if (name.empty() || name.rfind("com.amazonaws", 0) == 0) {
    fail("InvalidParameterValue", "The prefix list name '" + name + "' is not valid: it must not be empty or start "
                                  "with com.amazonaws");
  }
}

// One entry of a request as stored: its CIDR in canonical form (host bits cleared, as AWS does
// for IPv4) and its description. Fails for a CIDR of the wrong address family.
json entry_of(const json& given, const std::string& family) {
  std::string cidr = str(given, "Cidr");
  json entry;
  if (family == "IPv4") {
    auto parsed = Ipv4Cidr::parse(cidr, false);
    if (!parsed) fail("InvalidParameterValue", "The CIDR '" + cidr + "' is not a valid IPv4 CIDR block");
    entry["Cidr"] = parsed->str();
  } else {
    if (!is_ipv6_cidr(cidr)) fail("InvalidParameterValue", "The CIDR '" + cidr + "' is not a valid IPv6 CIDR block");
    entry["Cidr"] = cidr;
  }
  if (given.contains("Description")) {
    check_length(given["Description"].get<std::string>(), "Description");
    entry["Description"] = given["Description"];
  }
  return entry;
}

// The position of the entry for `cidr` in `entries`, or entries.size().
size_t position_of(const json& entries, const std::string& cidr) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i]["Cidr"] == cidr) return i;
  }
  return entries.size();
}

// Fails unless MaxEntries `value` lies between `at_least` and the account's quota.
void check_max_entries(CallContext& ctx, int64_t value, int64_t at_least) {
  if (value < 1 || value > ctx.limits.entries_per_prefix_list) {
    fail("InvalidParameterValue", "MaxEntries must be between 1 and " +
                                      std::to_string(ctx.limits.entries_per_prefix_list) + ", got " +
                                      std::to_string(value));
  }
  if (value < at_least) {
    fail("InvalidParameterValue", "MaxEntries (" + std::to_string(value) + ") cannot be less than the number of "
                                  "entries in the prefix list (" + std::to_string(at_least) + ")");
  }
}

// Fails with PrefixListVersionMismatch unless the request's `member` (when given) is `list`'s version.
void check_version(const json& request, const char* member, const json& list) {
  if (!request.contains(member)) return;
  int64_t given = request[member].get<int64_t>(), current = list["Version"].get<int64_t>();
  if (given != current) {
    fail("PrefixListVersionMismatch", "The prefix list " + list["PrefixListId"].get<std::string>() + " is at version " +
                                          std::to_string(current) + ", not " + std::to_string(given));
  }
}

// `entries` in the order they are listed: by CIDR text.
json sorted(json entries) {
  std::sort(entries.begin(), entries.end(), [](const json& a, const json& b) {
    return a["Cidr"].get<std::string>() < b["Cidr"].get<std::string>();
  });
  return entries;
}

// Makes `entries` the current version of `list` (the old one kept for restores) and stores it.
void save_new_version(CallContext& ctx, json& list, json entries, const std::string& state) {
  list["PreviousVersions"].push_back({{"Version", list["Version"]}, {"Entries", list["Entries"]}});
  list["Version"] = list["Version"].get<int64_t>() + 1;
  list["Entries"] = sorted(std::move(entries));
  list["State"] = state;
  save(ctx, kinds::kPrefixList, list["PrefixListId"].get<std::string>(), list);
}

// The security groups and route tables whose rules or routes name `id`, as PrefixListAssociations.
json associations_of(CallContext& ctx, const std::string& id) {
  json out = json::array();
  std::vector<std::string> groups;
  for (const json& rule : list(ctx, kinds::kSecurityGroupRule)) {
    std::string group = rule.value("GroupId", "");
    if (rule.value("PrefixListId", "") == id && std::find(groups.begin(), groups.end(), group) == groups.end()) {
      groups.push_back(group);
    }
  }
  for (const std::string& group : groups) out.push_back({{"ResourceId", group}, {"ResourceOwner", ctx.account_id}});
  for (const json& table : list(ctx, kinds::kRouteTable)) {
    for (const json& route : table["Routes"]) {
      if (route.value("DestinationPrefixListId", "") == id) {
        out.push_back({{"ResourceId", table["RouteTableId"]}, {"ResourceOwner", ctx.account_id}});
        break;
      }
    }
  }
  return out;
}

json create_managed_prefix_list(CallContext& ctx, const json& request) {
  std::string name = str(request, "PrefixListName"), family = str(request, "AddressFamily");
  check_name(name);
  if (family != "IPv4" && family != "IPv6") {
    fail("InvalidParameterValue", "The address family '" + family + "' is not valid; expecting IPv4 or IPv6");
  }
  json entries = json::array();
  for (const json& given : request.value("Entries", json::array())) {
    json entry = entry_of(given, family);
    if (position_of(entries, entry["Cidr"]) != entries.size()) {
      fail("InvalidParameterValue", "The CIDR " + entry["Cidr"].get<std::string>() + " is given more than once");
    }
    entries.push_back(std::move(entry));
  }
  int64_t max_entries = request["MaxEntries"].get<int64_t>();
  check_max_entries(ctx, max_entries, static_cast<int64_t>(entries.size()));
  require_room(count(ctx, kinds::kPrefixList), ctx.limits.prefix_lists, "PrefixListLimitExceeded",
               "The maximum number of prefix lists has been reached.");
  std::string id = new_resource_id("pl");
  json list = {{"PrefixListId", id},
               {"AddressFamily", family},
               {"PrefixListArn", arn(ctx, "prefix-list", id)},
               {"PrefixListName", name},
               {"MaxEntries", max_entries},
               {"State", "create-complete"},
               {"Version", 1},
               {"Tags", tags_from_specifications(ctx, request, "prefix-list")},
               {"OwnerId", ctx.account_id},
               {"Entries", sorted(std::move(entries))},
               {"PreviousVersions", json::array()}};
  save(ctx, kinds::kPrefixList, id, list);
  return {{"PrefixList", list}};
}

json modify_managed_prefix_list(CallContext& ctx, const json& request) {
  std::string id = request["PrefixListId"].get<std::string>();
  json list = require_own(ctx, id);
  check_version(request, "CurrentVersion", list);
  bool changes_entries = !request.value("AddEntries", json::array()).empty() ||
                         !request.value("RemoveEntries", json::array()).empty();
  if (request.contains("PrefixListName")) {
    check_name(request["PrefixListName"].get<std::string>());
    list["PrefixListName"] = request["PrefixListName"];
  }
  if (request.contains("MaxEntries")) {
    if (changes_entries) {
      fail("InvalidParameterCombination", "The entries and the size of a prefix list cannot be changed in one request");
    }
    check_max_entries(ctx, request["MaxEntries"].get<int64_t>(), static_cast<int64_t>(list["Entries"].size()));
    list["MaxEntries"] = request["MaxEntries"];
  }
  list["State"] = "modify-complete";
  save(ctx, kinds::kPrefixList, id, list);
  if (request.contains("MaxEntries")) {
    // Every rule or route naming the list now counts as the new size: each must still fit.
    for (const json& association : associations_of(ctx, id)) {
      const std::string& resource = association["ResourceId"].get_ref<const std::string&>();
      if (resource.rfind("sg-", 0) == 0) {
        check_rule_quota(ctx, resource);
      } else {
        check_route_quota(ctx, require(ctx, kinds::kRouteTable, resource));
      }
    }
  }
  if (!changes_entries) return {{"PrefixList", list}};
  json entries = list["Entries"];
  for (const json& removed : request.value("RemoveEntries", json::array())) {
    std::string cidr = entry_of(removed, list["AddressFamily"].get<std::string>())["Cidr"].get<std::string>();
    size_t at = position_of(entries, cidr);
    if (at == entries.size()) {
      fail("InvalidPrefixListModification", "The prefix list entry (" + cidr + ") does not exist.");
    }
    entries.erase(at);
  }
  for (const json& added : request.value("AddEntries", json::array())) {
    json entry = entry_of(added, list["AddressFamily"].get<std::string>());
    if (position_of(entries, entry["Cidr"]) != entries.size()) {
      fail("InvalidPrefixListModification", "The prefix list entry (" + entry["Cidr"].get<std::string>() +
                                                ") already exists.");
    }
    entries.push_back(std::move(entry));
  }
  if (static_cast<int64_t>(entries.size()) > list["MaxEntries"].get<int64_t>()) {
    fail("InvalidPrefixListModification", "The prefix list " + id + " would have " + std::to_string(entries.size()) +
                                              " entries, more than its MaxEntries (" +
                                              std::to_string(list["MaxEntries"].get<int64_t>()) + ")");
  }
  save_new_version(ctx, list, std::move(entries), "modify-complete");
  return {{"PrefixList", list}};
}

json restore_managed_prefix_list_version(CallContext& ctx, const json& request) {
  std::string id = request["PrefixListId"].get<std::string>();
  json list = require_own(ctx, id);
  check_version(request, "CurrentVersion", list);
  int64_t wanted = request["PreviousVersion"].get<int64_t>();
  for (const json& previous : list["PreviousVersions"]) {
    if (previous["Version"].get<int64_t>() != wanted) continue;
    if (static_cast<int64_t>(previous["Entries"].size()) > list["MaxEntries"].get<int64_t>()) {
      fail("InvalidPrefixListModification", "Version " + std::to_string(wanted) + " of " + id +
                                                " has more entries than the prefix list's MaxEntries");
    }
    save_new_version(ctx, list, previous["Entries"], "restore-complete");
    return {{"PrefixList", list}};
  }
  fail("InvalidParameterValue", "The prefix list " + id + " has no previous version " + std::to_string(wanted));
}

json delete_managed_prefix_list(CallContext& ctx, const json& request) {
  std::string id = request["PrefixListId"].get<std::string>();
  json list = require_own(ctx, id);
  json associations = associations_of(ctx, id);
  if (!associations.empty()) {
    fail("DependencyViolation", "The prefix list " + id + " is referenced by " +
                                    associations[0]["ResourceId"].get<std::string>() + " and cannot be deleted.");
  }
  remove(ctx, id);
  list["State"] = "delete-complete";
  return {{"PrefixList", list}};
}

json describe_managed_prefix_lists(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"owner-id", field("OwnerId")},
                                      {"prefix-list-id", field("PrefixListId")},
                                      {"prefix-list-name", field("PrefixListName")}};
  std::vector<json> items;
  if (request.contains("PrefixListIds") && !request["PrefixListIds"].empty()) {
    for (const json& id : request["PrefixListIds"]) items.push_back(require_prefix_list(ctx, id.get<std::string>()));
  } else {
    items = aws_managed(ctx);
    for (json& own : list(ctx, kinds::kPrefixList)) items.push_back(std::move(own));
  }
  return describe_values(std::move(items), request, filters, "PrefixLists", false, member_key("PrefixListId"));
}

json describe_prefix_lists(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"prefix-list-id", field("PrefixListId")},
                                      {"prefix-list-name", field("PrefixListName")}};
  std::vector<json> items;
  for (const json& list : aws_managed(ctx)) {
    json cidrs = json::array();
    for (const json& entry : list["Entries"]) cidrs.push_back(entry["Cidr"]);
    items.push_back({{"PrefixListId", list["PrefixListId"]}, {"PrefixListName", list["PrefixListName"]},
                     {"Cidrs", cidrs}});
  }
  for (const json& id : request.value("PrefixListIds", json::array())) {
    bool known = std::any_of(items.begin(), items.end(), [&](const json& item) { return item["PrefixListId"] == id; });
    if (!known) fail("InvalidPrefixListId.NotFound", "The prefix list ID '" + id.get<std::string>() + "' does not exist");
  }
  if (request.contains("PrefixListIds") && !request["PrefixListIds"].empty()) {
    std::erase_if(items, [&](const json& item) {
      const json& ids = request["PrefixListIds"];
      return std::find(ids.begin(), ids.end(), item["PrefixListId"]) == ids.end();
    });
  }
  return describe_values(std::move(items), request, filters, "PrefixLists");
}

json get_managed_prefix_list_entries(CallContext& ctx, const json& request) {
  std::string id = request["PrefixListId"].get<std::string>();
  json list = require_prefix_list(ctx, id);
  json entries = list["Entries"];
  if (request.contains("TargetVersion") && request["TargetVersion"] != list["Version"]) {
    int64_t wanted = request["TargetVersion"].get<int64_t>();
    auto versions = list.value("PreviousVersions", json::array());
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const json& v) { return v["Version"].get<int64_t>() == wanted; });
    if (it == versions.end()) {
      fail("InvalidParameterValue", "The prefix list " + id + " has no version " + std::to_string(wanted));
    }
    entries = (*it)["Entries"];
  }
  return paginate(std::vector<json>(entries.begin(), entries.end()), request, "Entries", false, nullptr, 1);
}

json get_managed_prefix_list_associations(CallContext& ctx, const json& request) {
  std::string id = request["PrefixListId"].get<std::string>();
  require_prefix_list(ctx, id);
  json associations = associations_of(ctx, id);
  return paginate(std::vector<json>(associations.begin(), associations.end()), request, "PrefixListAssociations",
                  false, nullptr, 1);
}

}  // namespace

json require_prefix_list(CallContext& ctx, const std::string& id) {
  for (json& list : aws_managed(ctx)) {
    if (list["PrefixListId"] == id) return std::move(list);
  }
  return require(ctx, kinds::kPrefixList, id);
}

int64_t prefix_list_weight(const json& list) { return list["MaxEntries"].get<int64_t>(); }

void add_prefix_list_actions(ActionTable& table) {
  table["CreateManagedPrefixList"] = {create_managed_prefix_list, true};
  table["ModifyManagedPrefixList"] = {modify_managed_prefix_list, true};
  table["RestoreManagedPrefixListVersion"] = {restore_managed_prefix_list_version, true};
  table["DeleteManagedPrefixList"] = {delete_managed_prefix_list, true};
  table["DescribeManagedPrefixLists"] = {describe_managed_prefix_lists, false};
  table["DescribePrefixLists"] = {describe_prefix_lists, false};
  table["GetManagedPrefixListEntries"] = {get_managed_prefix_list_entries, false};
  table["GetManagedPrefixListAssociations"] = {get_managed_prefix_list_associations, false};
}

}  // namespace stratus::ec2
