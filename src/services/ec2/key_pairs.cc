#include "services/ec2/key_pairs.h"

#include "common/base64.h"
#include "common/ids.h"
#include "common/ssh_keys.h"
#include "common/timestamp.h"
#include "services/ec2/describe.h"
#include "services/ec2/resources.h"
#include "services/ec2/tags.h"

namespace stratus::ec2 {
namespace {

constexpr size_t kMaxKeyNameLength = 255;

std::optional<json> key_by_name(CallContext& ctx, const std::string& name) {
  std::vector<json> keys = list_where(ctx, kinds::kKeyPair, "KeyName", name);
  if (keys.empty()) return std::nullopt;
  return std::move(keys.front());
}

// Validates a new key name, that it is free and that the region has room for one more key.
void check_new_key(CallContext& ctx, const std::string& name) {
  if (name.empty() || name.size() > kMaxKeyNameLength) {
    fail("InvalidParameterValue", "Value (" + name + ") for parameter keyName is invalid. Length must be 1-255.");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c > 0x7e) {
      fail("InvalidParameterValue", "Value (" + name + ") for parameter keyName is invalid. Only ASCII is allowed.");
    }
  }
  if (key_by_name(ctx, name)) fail("InvalidKeyPair.Duplicate", "The keypair '" + name + "' already exists.");
  require_room(count(ctx, kinds::kKeyPair), ctx.limits.key_pairs, "KeyPairLimitExceeded",
               "The maximum number of key pairs has been reached.");
}

json store_key(CallContext& ctx, const std::string& name, const SshPublicKey& key, const json& tags) {
  std::string id = new_resource_id("key");
  json doc = {{"KeyPairId", id},
              {"KeyName", name},
              {"KeyType", key.type},
              {"KeyFingerprint", key.fingerprint},
              {"CreateTime", format_iso8601(ctx.now)},
              {"_PublicKey", key.openssh + " " + name},
              {"Tags", tags}};
  save(ctx, kinds::kKeyPair, id, doc);
  return doc;
}

json create_key_pair(CallContext& ctx, const json& request) {
  std::string name = request["KeyName"].get<std::string>();
  std::string type = str(request, "KeyType", "rsa");
  std::string format = str(request, "KeyFormat", "pem");
  if (format != "pem") {
    fail("InvalidParameterValue", "Value (" + format + ") for parameter keyFormat is not supported by this region; "
                                  "use pem");
  }
  check_new_key(ctx, name);
  auto generated = generate_ssh_key_pair(type);
  if (!generated) fail("InvalidParameterValue", "Value (" + type + ") for parameter keyType is invalid.");
  json doc = store_key(ctx, name, generated->public_key, tags_from_specifications(ctx, request, "key-pair"));
  return {{"KeyName", name},
          {"KeyPairId", doc["KeyPairId"]},
          {"KeyFingerprint", doc["KeyFingerprint"]},
          {"KeyMaterial", generated->private_key_pem},
          {"Tags", doc["Tags"]}};
}

json import_key_pair(CallContext& ctx, const json& request) {
  std::string name = request["KeyName"].get<std::string>();
  check_new_key(ctx, name);
  auto material = base64_decode(request["PublicKeyMaterial"].get<std::string>());
  auto key = material ? parse_ssh_public_key(*material) : std::nullopt;
  if (!key) fail("InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
  json doc = store_key(ctx, name, *key, tags_from_specifications(ctx, request, "key-pair"));
  return {{"KeyName", name}, {"KeyPairId", doc["KeyPairId"]}, {"KeyFingerprint", doc["KeyFingerprint"]},
          {"Tags", doc["Tags"]}};
}

json delete_key_pair(CallContext& ctx, const json& request) {
  // As on AWS, deleting a key that does not exist succeeds.
  std::optional<json> key;
  if (request.contains("KeyPairId")) {
    key = find(ctx, kinds::kKeyPair, request["KeyPairId"].get<std::string>());
  } else if (request.contains("KeyName")) {
    key = key_by_name(ctx, request["KeyName"].get<std::string>());
  } else {
    fail("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
  }
  json out = {{"Return", true}};
  if (key) {
    remove(ctx, (*key)["KeyPairId"].get<std::string>());
    out["KeyPairId"] = (*key)["KeyPairId"];
  }
  return out;
}

json describe_key_pairs(CallContext& ctx, const json& request) {
  static const FilterTable filters = {{"key-pair-id", field("KeyPairId")},
                                      {"key-name", field("KeyName")},
                                      {"fingerprint", field("KeyFingerprint")},
                                      {"key-type", field("KeyType")}};
  json effective = request;
  if (request.contains("KeyNames") && !request["KeyNames"].empty()) {
    json ids = effective.value("KeyPairIds", json::array());
    for (const json& name : request["KeyNames"]) {
      auto key = key_by_name(ctx, name.get<std::string>());
      if (!key) fail("InvalidKeyPair.NotFound", "The key pair '" + name.get<std::string>() + "' does not exist");
      ids.push_back((*key)["KeyPairId"]);
    }
    effective["KeyPairIds"] = ids;
  }
  json out = describe_stored(ctx, effective,
                             DescribeSpec{kinds::kKeyPair, "KeyPairIds", "KeyPairId", "KeyPairs", filters});
  if (request.value("IncludePublicKey", false)) {
    for (json& key : out["KeyPairs"]) key["PublicKey"] = key["_PublicKey"];
  }
  return out;
}

}  // namespace

void add_key_pair_actions(ActionTable& table) {
  table["CreateKeyPair"] = {create_key_pair, true};
  table["ImportKeyPair"] = {import_key_pair, true};
  table["DeleteKeyPair"] = {delete_key_pair, true};
  table["DescribeKeyPairs"] = {describe_key_pairs, false};
}

}  // namespace stratus::ec2
