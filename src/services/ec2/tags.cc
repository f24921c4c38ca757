#include "services/ec2/tags.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "services/ec2/describe.h"
#include "services/ec2/network_interfaces.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

// The number of characters (code points) in UTF-8 text: AWS's tag limits count characters, so
// a key of 128 Hangul syllables (384 bytes) is allowed.
size_t characters(const std::string& utf8) {
  return std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; });
}

// Validates one {Key, Value} pair as AWS does. EC2, unlike most services, allows any character
// in tags (AWS's EC2 user guide, tag restrictions); the decoder has already refused control
// characters, which XML cannot carry.
void validate_tag(const json& tag, bool require_value) {
  std::string key = tag.value("Key", "");
  if (!tag.contains("Key")) fail("InvalidParameterValue", "Tag key must be specified");
  if (key.empty() || characters(key) > 128) {
    fail("InvalidParameterValue", "Tag keys must be between 1 and 128 characters: '" + key.substr(0, 128) + "'");
  }
  if (key.rfind("aws:", 0) == 0) {
    fail("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
  }
  if (require_value && characters(tag.value("Value", "")) > 256) {
    fail("InvalidParameterValue", "Tag values may not be longer than 256 characters");
  }
}

// Fails with AWS's TagLimitExceeded when `total` tags are more than a resource may carry.
void check_tag_total(const CallContext& ctx, size_t total) {
  int64_t limit = ctx.limits.tags_per_resource;
  if (static_cast<int64_t>(total) <= limit) return;
  fail("TagLimitExceeded", "The resultant tag set must not have more than " + std::to_string(limit) + " user tags.");
}

// Fails with TagLimitExceeded when `tags` names more distinct keys than a resource may carry:
// checked before any work, and linear in the number of tags.
void check_tag_count(const CallContext& ctx, const json& tags) {
  std::unordered_set<std::string> keys;
  for (const json& tag : tags) {
    keys.insert(tag.value("Key", ""));
    check_tag_total(ctx, keys.size());
  }
}

// Sets or replaces each tag of `add` on `doc` (linear: existing keys are looked up by hash).
void merge_tags(const CallContext& ctx, json& doc, const json& add) {
  json& tags = doc["Tags"];
  if (!tags.is_array()) tags = json::array();
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < tags.size(); ++i) position.emplace(tags[i].value("Key", ""), i);
  for (const json& tag : add) {
    json entry = {{"Key", tag.value("Key", "")}, {"Value", tag.value("Value", "")}};
    auto [it, fresh] = position.emplace(entry["Key"].get<std::string>(), tags.size());
    if (fresh) {
      check_tag_total(ctx, tags.size() + 1);
      tags.push_back(std::move(entry));
    } else {
      tags[it->second] = std::move(entry);
    }
  }
}

// Applies `change` to the document that holds the tags of resource `id` in the call's region
// and saves it. Throws the kind's NotFound.
void retag(CallContext& ctx, const std::string& id, const std::function<void(json& doc)>& change) {
  const ResourceKind* kind = kind_for_id(id);
  if (kind == nullptr) fail("InvalidID", "The ID '" + id + "' is not valid");
  if (kind == &kinds::kNetworkInterface) {  // attached interfaces live inside their instance
    auto home = find_interface(ctx, id);
    if (!home) fail(std::string(kind->not_found_code), not_found_message(*kind, id));
    change(home->interface);
    save_interface(ctx, *home);
    return;
  }
  auto record = ctx.txn.get(id);
  if (!record || record->region != ctx.region || record->kind != kind->kind) {
    fail(std::string(kind->not_found_code), not_found_message(*kind, id));
  }
  change(record->doc);
  ctx.txn.put(*record);
}

json create_tags(CallContext& ctx, const json& request) {
  check_tag_count(ctx, request["Tags"]);
  for (const json& tag : request["Tags"]) validate_tag(tag, true);
  for (const json& id : request["Resources"]) {
    retag(ctx, id.get<std::string>(), [&](json& doc) { merge_tags(ctx, doc, request["Tags"]); });
  }
  return json::object();
}

json delete_tags(CallContext& ctx, const json& request) {
  // Key -> the values to remove; nullopt: whatever the value (a tag named without one).
  std::unordered_map<std::string, std::vector<std::optional<std::string>>> doomed;
  for (const json& gone : request.value("Tags", json::array())) {
    auto value = gone.contains("Value") ? std::optional<std::string>(gone.value("Value", "")) : std::nullopt;
    doomed[gone.value("Key", "")].push_back(std::move(value));
  }
  auto drops = [&](const json& tag) {
    if (!request.contains("Tags")) return true;
    auto it = doomed.find(tag.value("Key", ""));
    if (it == doomed.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const auto& value) { return !value || *value == tag.value("Value", ""); });
  };
  for (const json& id : request["Resources"]) {
    retag(ctx, id.get<std::string>(), [&](json& doc) {
      json kept = json::array();
      for (const json& tag : doc.value("Tags", json::array())) {
        if (!drops(tag)) kept.push_back(tag);
      }
      doc["Tags"] = kept;
    });
  }
  return json::object();
}

const FilterTable& tag_description_filters() {
  static const FilterTable table = {
      {"key", field("Key")},
      {"value", field("Value")},
      {"resource-id", field("ResourceId")},
      {"resource-type", field("ResourceType")},
  };
  return table;
}

json describe_tags(CallContext& ctx, const json& request) {
  static const ResourceKind* const kTaggable[] = {
      &kinds::kVpc,         &kinds::kSubnet,     &kinds::kInternetGateway, &kinds::kRouteTable,
      &kinds::kSecurityGroup, &kinds::kSecurityGroupRule, &kinds::kKeyPair, &kinds::kNetworkAcl,
      &kinds::kDhcpOptions, &kinds::kImage, &kinds::kInstance, &kinds::kAddress,
      &kinds::kVpcPeeringConnection, &kinds::kPrefixList, &kinds::kVolume};
  std::vector<json> rows;
  for (const ResourceKind* kind : kTaggable) {
    for (auto& record : ctx.txn.list(std::string(kind->kind), ctx.region)) {
      for (const json& tag : record.doc.value("Tags", json::array())) {
        rows.push_back({{"Key", tag.value("Key", "")},
                        {"Value", tag.value("Value", "")},
                        {"ResourceId", record.id},
                        {"ResourceType", std::string(kind->resource_type)}});
      }
    }
  }
  for (const json& eni : all_interfaces(ctx)) {
    for (const json& tag : eni.value("Tags", json::array())) {
      rows.push_back({{"Key", tag.value("Key", "")},
                      {"Value", tag.value("Value", "")},
                      {"ResourceId", eni["NetworkInterfaceId"]},
                      {"ResourceType", std::string(kinds::kNetworkInterface.resource_type)}});
    }
  }
  return describe_values(std::move(rows), request, tag_description_filters(), "Tags", false, [](const json& tag) {
    return tag.value("ResourceId", "") + '\n' + tag.value("Key", "");
  });
}

}  // namespace

json tags_from_specifications(const CallContext& ctx, const json& request, std::string_view resource_type,
                              std::initializer_list<std::string_view> others) {
  json tags = json::array();
  json doc = json::object();
  for (const json& spec : request.value("TagSpecifications", json::array())) {
    std::string type = spec.value("ResourceType", "");
    if (std::find(others.begin(), others.end(), type) != others.end()) continue;
    if (type != resource_type) {
      fail("InvalidParameterValue", "'" + type + "' is not a valid taggable resource type for this operation.");
    }
    check_tag_count(ctx, spec.value("Tags", json::array()));
    for (const json& tag : spec.value("Tags", json::array())) validate_tag(tag, true);
    merge_tags(ctx, doc, spec.value("Tags", json::array()));
  }
  return doc.contains("Tags") ? doc["Tags"] : tags;
}

void add_tag_actions(ActionTable& table) {
  table["CreateTags"] = {create_tags, true};
  table["DeleteTags"] = {delete_tags, true};
  table["DescribeTags"] = {describe_tags, false};
}

}  // namespace stratus::ec2
