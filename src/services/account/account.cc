#include "services/account/account.h"

#include <algorithm>
#include <cctype>

#include "common/ids.h"
#include "common/timestamp.h"
#include "model/iam.h"
#include "services/iam/access_keys.h"

namespace stratus::account {
namespace {

constexpr std::string_view kKeyKind = "access-key";

// Stores a root access key of `account_id`.
void store_key(store::Transaction& txn, const std::string& account_id, const std::string& key_id,
               const std::string& secret) {
  txn.put(iam::access_key_record(key_id, secret, account_id, "", format_iso8601(unix_now())));
}

}  // namespace

std::string validate_pinned(const PinnedRoot& pinned) {
  const auto& id = pinned.account_id;
  if (!id.empty() && (id.size() != 12 || !std::all_of(id.begin(), id.end(), ::isdigit))) {
    return "the account id must be 12 digits";
  }
  const auto& key = pinned.access_key_id;
  if (!key.empty() && (key.size() < 16 || key.size() > 128 || !std::all_of(key.begin(), key.end(), ::isalnum))) {
    return "the access key id must be 16 to 128 letters and digits";
  }
  if (!key.empty() && pinned.secret_access_key.size() < 16) {
    return "a pinned access key id needs a secret access key of at least 16 characters";
  }
  if (key.empty() && !pinned.secret_access_key.empty()) return "a pinned secret needs a pinned access key id";
  return "";
}

RootCredentials ensure_root(store::Store& store, const PinnedRoot& pinned) {
  auto txn = store.begin_write();
  RootCredentials root;
  if (auto account = txn->setting("account_id")) {
    root.account_id = *account;
    std::string key_id = txn->setting("root_access_key_id").value_or("");
    if (!pinned.access_key_id.empty() && !txn->get(pinned.access_key_id)) {
      store_key(*txn, root.account_id, pinned.access_key_id, pinned.secret_access_key);
    }
    if (!pinned.access_key_id.empty()) key_id = pinned.access_key_id;
    auto key = txn->get(key_id);
    root.access_key_id = key_id;
    root.secret_access_key = key ? key->doc.value("SecretAccessKey", "") : "";
  } else {
    root.account_id = pinned.account_id.empty() ? "1" + random_string(11, "0123456789") : pinned.account_id;
    root.access_key_id = pinned.access_key_id.empty() ? iam::new_access_key_id() : pinned.access_key_id;
    root.secret_access_key = pinned.access_key_id.empty() ? iam::new_secret_access_key() : pinned.secret_access_key;
    txn->set_setting("account_id", root.account_id);
    txn->set_setting("root_access_key_id", root.access_key_id);
    store_key(*txn, root.account_id, root.access_key_id, root.secret_access_key);
  }
  txn->commit();
  return root;
}

std::optional<KeyOwner> KeyDirectory::lookup(const std::string& access_key_id) {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(access_key_id);
    if (it != cache_.end()) return it->second;
    generation = generation_;
  }
  auto txn = store_.begin_read();
  auto record = txn->get(access_key_id);
  if (!record) return std::nullopt;
  KeyOwner owner;
  if (record->kind == model::kSessionKind) {
    model::Session session = model::session_from_doc(record->doc);
    owner = {session.account, session.secret_access_key, session.user, session.role, session.session_name,
             session.token, session.expiration};
  } else if (record->kind == kKeyKind && record->doc.value("Status", "") == "Active") {
    bool root = record->doc.value("Root", false);
    owner.account_id = record->doc.value("AccountId", "");
    owner.secret_access_key = record->doc.value("SecretAccessKey", "");
    owner.user = root ? "" : record->doc.value("UserName", "");
    if (!root && owner.user.empty()) return std::nullopt;  // a user's key without its user: never the root's
  } else {
    return std::nullopt;
  }
  // An instance's role session ends without IAM's word when its profile goes: read it afresh each time.
  if (record->kind == model::kSessionKind && !record->doc.value("InstanceId", "").empty()) return owner;
  std::lock_guard<std::mutex> lock(mu_);
  if (generation_ == generation) cache_.emplace(access_key_id, owner);  // unless forgotten meanwhile
  return owner;
}

void KeyDirectory::note_use(const std::string& access_key_id, const std::string& service, const std::string& region,
                            int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  uses_[access_key_id] = iam::KeyUse{now, service, region};
}

void KeyDirectory::forget(const std::string& access_key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(access_key_id);
  ++generation_;
}

std::optional<iam::KeyUse> KeyDirectory::last_used(const std::string& access_key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = uses_.find(access_key_id);
  if (it == uses_.end()) return std::nullopt;
  return it->second;
}

}  // namespace stratus::account
