#include "services/iam/iam_call.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <stdexcept>

#include "common/ascii_case.h"
#include "common/base64.h"
#include "common/ids.h"
#include "common/timestamp.h"

namespace stratus::iam {
namespace {

using model::IamEntity;
using model::IamKind;

constexpr KindNames kKinds[] = {
    {IamKind::kUser, "user", "User", "UserName", "AIDA"},
    {IamKind::kGroup, "group", "Group", "GroupName", "AGPA"},
    {IamKind::kRole, "role", "Role", "RoleName", "AROA"},
};

// The most tags a user, role, policy or instance profile may have.
constexpr size_t kMaxTags = 50;
// Paging: MaxItems' default.
constexpr int64_t kDefaultMaxItems = 100;

}  // namespace

void fail(const std::string& code, const std::string& message) { throw ServiceError{{code, message}}; }

AwsPolicies::AwsPolicies(std::string_view text) {
  json doc = json::parse(text);
  for (const json& p : doc.at("Policies")) {
    model::ManagedPolicy policy;
    policy.account = "aws";
    policy.name = p.at("PolicyName").get<std::string>();
    policy.id = p.at("PolicyId").get<std::string>();
    policy.path = p.value("Path", "/");
    policy.description = p.value("Description", "");
    policy.create_date = p.value("CreateDate", "");
    policy.update_date = p.value("UpdateDate", "");
    policy.default_version = p.value("DefaultVersionId", "v1");
    policy.versions.push_back({policy.default_version, p.at("Document").dump(), policy.update_date});
    policies_.push_back(std::move(policy));
  }
  std::sort(policies_.begin(), policies_.end(),
            [](const model::ManagedPolicy& a, const model::ManagedPolicy& b) { return a.name < b.name; });
}

const model::ManagedPolicy* AwsPolicies::find(const std::string& arn) const {
  for (const model::ManagedPolicy& policy : policies_) {
    if (model::policy_arn(policy) == arn) return &policy;
  }
  return nullptr;
}

std::string str(const json& request, const char* name, const std::string& fallback) {
  return request.contains(name) ? request[name].get<std::string>() : fallback;
}

std::string new_unique_id(const char* prefix) { return prefix + random_string(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"); }

std::string now_iso(const Call& call) { return format_iso8601(call.now); }

const KindNames& names_of(IamKind kind) {
  for (const KindNames& names : kKinds) {
    if (names.kind == kind) return names;
  }
  return kKinds[0];
}

std::optional<IamEntity> find_entity(Call& call, IamKind kind, const std::string& name) {
  auto record = call.txn.get(model::iam_record_id(model::iam_kind_name(kind), call.account(), name));
  if (!record) return std::nullopt;
  return model::iam_entity_from_doc(record->doc);
}

IamEntity require_entity(Call& call, IamKind kind, const std::string& name) {
  auto entity = find_entity(call, kind, name);
  if (!entity) fail("NoSuchEntity", "The " + std::string(names_of(kind).noun) + " with name " + name + " cannot be found.");
  return *entity;
}

std::vector<IamEntity> list_entities(Call& call, IamKind kind, const std::string& path_prefix) {
  std::vector<IamEntity> out;
  for (const store::Record& record : call.txn.list(model::iam_kind_name(kind), std::string(model::kIamRegion))) {
    IamEntity entity = model::iam_entity_from_doc(record.doc);
    if (entity.account == call.account() && entity.path.rfind(path_prefix, 0) == 0) out.push_back(std::move(entity));
  }
  std::sort(out.begin(), out.end(), [](const IamEntity& a, const IamEntity& b) { return ascii_lower(a.name) < ascii_lower(b.name); });
  return out;
}

void save_entity(Call& call, const IamEntity& entity) {
  std::string kind = model::iam_kind_name(entity.kind);
  call.txn.put({model::iam_record_id(kind, entity.account, entity.name), kind, model::kIamRegion,
                model::iam_entity_doc(entity)});
}

void erase_entity(Call& call, IamKind kind, const std::string& name) {
  call.txn.erase(model::iam_record_id(model::iam_kind_name(kind), call.account(), name));
}

std::optional<model::ManagedPolicy> find_policy(Call& call, const std::string& arn) {
  if (const model::ManagedPolicy* aws = call.aws.find(arn)) return *aws;
  std::string prefix = "arn:aws:iam::" + call.account() + ":policy/";
  if (arn.rfind(prefix, 0) != 0) return std::nullopt;
  std::string name = arn.substr(arn.rfind('/') + 1);
  auto record = call.txn.get(model::iam_record_id(model::kManagedPolicyKind, call.account(), name));
  if (!record) return std::nullopt;
  model::ManagedPolicy policy = model::managed_policy_from_doc(record->doc);
  if (model::policy_arn(policy) != arn) return std::nullopt;  // same name, other path
  return policy;
}

void save_policy(Call& call, const model::ManagedPolicy& policy) {
  call.txn.put({model::iam_record_id(model::kManagedPolicyKind, policy.account, policy.name), model::kManagedPolicyKind,
                model::kIamRegion, model::managed_policy_doc(policy)});
}

std::optional<model::InstanceProfile> find_instance_profile(Call& call, const std::string& name) {
  auto record = call.txn.get(model::iam_record_id(model::kInstanceProfileKind, call.account(), name));
  if (!record) return std::nullopt;
  return model::instance_profile_from_doc(record->doc);
}

iam::Policy require_document(const std::string& document, PolicyKind kind) {
  auto parsed = parse_policy(document, kind);
  if (!parsed.ok()) fail(parsed.error().code, parsed.error().message);
  return std::move(parsed.value());
}

size_t document_size(const std::string& document) {
  return static_cast<size_t>(
      std::count_if(document.begin(), document.end(), [](unsigned char c) { return !std::isspace(c); }));
}

std::string encoded_document(const std::string& document) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : document) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json tags_of(const json& request) {
  json tags = request.value("Tags", json::array());
  if (tags.size() > kMaxTags) {
    fail("LimitExceeded", "The number of tags has reached the maximum limit of " + std::to_string(kMaxTags) + ".");
  }
  std::set<std::string> keys;
  for (const json& tag : tags) {
    if (!keys.insert(ascii_lower(tag.value("Key", ""))).second) {
      fail("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    }
  }
  return tags;
}

json merge_tags(const json& tags, const json& added) {
  json out = json::array();
  for (const json& tag : tags) {
    bool replaced = std::any_of(added.begin(), added.end(),
                                [&](const json& a) { return ascii_lower(a.value("Key", "")) == ascii_lower(tag.value("Key", "")); });
    if (!replaced) out.push_back(tag);
  }
  for (const json& tag : added) out.push_back(tag);
  if (out.size() > kMaxTags) {
    fail("LimitExceeded", "The number of tags has reached the maximum limit of " + std::to_string(kMaxTags) + ".");
  }
  return out;
}

json remove_tags(const json& tags, const json& request) {
  std::set<std::string> gone;
  for (const json& key : request.value("TagKeys", json::array())) gone.insert(ascii_lower(key.get<std::string>()));
  json out = json::array();
  for (const json& tag : tags) {
    if (!gone.count(ascii_lower(tag.value("Key", "")))) out.push_back(tag);
  }
  return out;
}

json page(std::vector<json> items, const json& request, const char* member) {
  int64_t max_items = request.value("MaxItems", kDefaultMaxItems);
  size_t start = 0;
  if (request.contains("Marker")) {
    auto decoded = base64_decode(str(request, "Marker"));
    size_t index = 0;
    auto [end, error] = decoded ? std::from_chars(decoded->data(), decoded->data() + decoded->size(), index)
                                : std::from_chars_result{nullptr, std::errc::invalid_argument};
    if (!decoded || error != std::errc() || end != decoded->data() + decoded->size()) {
      fail("InvalidInput", "Invalid Marker.");
    }
    start = std::min(index, items.size());
  }
  size_t end = std::min(items.size(), start + static_cast<size_t>(max_items));
  json out = {{member, json(std::vector<json>(std::make_move_iterator(items.begin() + start),
                                              std::make_move_iterator(items.begin() + end)))},
              {"IsTruncated", end < items.size()}};
  if (end < items.size()) out["Marker"] = base64_encode(std::to_string(end));
  return out;
}

}  // namespace stratus::iam
