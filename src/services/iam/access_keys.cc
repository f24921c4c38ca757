#include "services/iam/access_keys.h"

#include "common/ids.h"
#include "common/timestamp.h"

namespace stratus::iam {
namespace {

// The characters of secret access keys and session tokens.
constexpr std::string_view kSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The store kind of access keys (shared with the account's root keys).
constexpr const char* kKeyKind = "access-key";
// Keys one user (or the root) may have.
constexpr size_t kKeysPerUser = 2;

// The access key records of user `user_name` ("" = the root) of the caller's account.
std::vector<store::Record> key_records(Call& call, const std::string& user_name) {
  std::vector<store::Record> out;
  for (store::Record& record : call.txn.list(kKeyKind, std::string())) {
    const json& doc = record.doc;
    if (doc.value("AccountId", "") != call.account() || doc.value("Temporary", false)) continue;
    bool root = doc.value("Root", false);
    bool owned = user_name.empty() ? root : (!root && model::same_iam_name(doc.value("UserName", ""), user_name));
    if (owned) out.push_back(std::move(record));
  }
  return out;
}

// The user a key request is about (its name as created): its UserName, else the caller (the
// root: "").
std::string subject_of(Call& call, const json& request) {
  std::string name = request.contains("UserName") ? str(request, "UserName") : call.caller.user;
  if (name.empty()) return name;
  return require_entity(call, model::IamKind::kUser, name).name;
}

// The key `request` names, owned by the user it names (or the caller), or NoSuchEntity.
store::Record require_key(Call& call, const json& request) {
  std::string user = subject_of(call, request);
  std::string id = str(request, "AccessKeyId");
  for (store::Record& record : key_records(call, user)) {
    if (record.id == id) return record;
  }
  fail("NoSuchEntity", "The Access Key with id " + id + " cannot be found.");
}

// What ListAccessKeys shows of a key.
json metadata_of(const store::Record& record, const std::string& user) {
  return {{"UserName", user},
          {"AccessKeyId", record.id},
          {"Status", record.doc.value("Status", "Active")},
          {"CreateDate", record.doc.value("CreateDate", "")}};
}

json create_access_key(Call& call, const json& request) {
  std::string user = subject_of(call, request);
  if (key_records(call, user).size() >= kKeysPerUser) {
    fail("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: " + std::to_string(kKeysPerUser));
  }
  std::string secret = new_secret_access_key();
  store::Record record = access_key_record(new_access_key_id(), secret, call.account(), user, now_iso(call));
  call.txn.put(record);
  json key = metadata_of(record, user);
  key["SecretAccessKey"] = secret;
  return {{"AccessKey", key}};
}

json list_access_keys(Call& call, const json& request) {
  std::string user = subject_of(call, request);
  std::vector<json> keys;
  for (const store::Record& record : key_records(call, user)) keys.push_back(metadata_of(record, user));
  return page(std::move(keys), request, "AccessKeyMetadata");
}

json update_access_key(Call& call, const json& request) {
  store::Record record = require_key(call, request);
  record.doc["Status"] = str(request, "Status");
  call.txn.put(record);
  call.changed_keys.push_back(record.id);
  return json::object();
}

json delete_access_key(Call& call, const json& request) {
  store::Record record = require_key(call, request);
  call.txn.erase(record.id);
  call.changed_keys.push_back(record.id);
  return json::object();
}

json get_access_key_last_used(Call& call, const json& request) {
  std::string id = str(request, "AccessKeyId");
  auto record = call.txn.get(id);
  if (!record || record->kind != kKeyKind || record->doc.value("AccountId", "") != call.account()) {
    fail("NoSuchEntity", "The Access Key with id " + id + " cannot be found.");
  }
  json used = {{"ServiceName", "N/A"}, {"Region", "N/A"}};
  if (call.keys != nullptr) {
    if (auto use = call.keys->last_used(id)) {
      used = {{"LastUsedDate", format_iso8601(use->at)}, {"ServiceName", use->service}, {"Region", use->region}};
    }
  }
  json out = {{"AccessKeyLastUsed", used}};
  if (!record->doc.value("Root", false)) out["UserName"] = record->doc.value("UserName", "");
  return out;
}

}  // namespace

std::string new_access_key_id(const char* prefix) { return prefix + random_string(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"); }

std::string new_secret_access_key() { return random_string(40, kSecretAlphabet); }

std::string new_session_token() { return random_string(356, kSecretAlphabet); }

store::Record access_key_record(const std::string& id, const std::string& secret, const std::string& account,
                                const std::string& user_name, const std::string& create_date) {
  json doc = {{"AccessKeyId", id}, {"SecretAccessKey", secret}, {"AccountId", account},
              {"Status", "Active"}, {"CreateDate", create_date}, {"Root", user_name.empty()}};
  if (!user_name.empty()) doc["UserName"] = user_name;
  return {id, kKeyKind, "", doc};
}

std::vector<std::string> keys_of_user(Call& call, const std::string& user_name) {
  std::vector<std::string> ids;
  for (const store::Record& record : key_records(call, user_name)) ids.push_back(record.id);
  return ids;
}

void rename_key_owner(Call& call, const std::string& old_name, const std::string& new_name) {
  for (store::Record& record : key_records(call, old_name)) {
    record.doc["UserName"] = new_name;
    call.txn.put(record);
    call.changed_keys.push_back(record.id);
  }
}

void add_access_key_actions(ActionTable& table) {
  table["CreateAccessKey"] = {create_access_key, true};
  table["ListAccessKeys"] = {list_access_keys, false};
  table["UpdateAccessKey"] = {update_access_key, true};
  table["DeleteAccessKey"] = {delete_access_key, true};
  table["GetAccessKeyLastUsed"] = {get_access_key_last_used, false};
}

}  // namespace stratus::iam
