#pragma once
// The account that owns this region set and its root access keys.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "services/iam/key_registry.h"
#include "store/store.h"

namespace stratus::account {

// The root identity of a data dir.
struct RootCredentials {
  std::string account_id;         // 12 digits
  std::string access_key_id;      // "AKIA" + 16 characters unless pinned
  std::string secret_access_key;  // 40 characters unless pinned
};

// Values a first start may pin (CI pipelines hard-code credentials); empty means random.
struct PinnedRoot {
  std::string account_id;
  std::string access_key_id;
  std::string secret_access_key;
};

// Checks pinned values: a 12-digit account id, a 16..128 character alphanumeric key id and a
// secret of at least 16 characters. Returns an error message, or "" when they are usable.
std::string validate_pinned(const PinnedRoot& pinned);

// Returns the data dir's root identity, creating it on first start from `pinned` (random
// where unset). On later starts the stored identity wins; a pinned access key that is not yet
// stored is added as a further root key of the same account.
RootCredentials ensure_root(store::Store& store, const PinnedRoot& pinned);

// Who an access key belongs to.
struct KeyOwner {
  std::string account_id;
  std::string secret_access_key;
  std::string user;  // the IAM user's name; "" for the account's root and role sessions
  // Temporary credentials (an STS session) only:
  std::string role;           // a role session's role name
  std::string session_name;   // a role session's name
  std::string session_token;  // the token every request signed with the key must carry
  int64_t expiration = 0;     // Unix seconds from which the key is refused
};

// Resolves access keys to their owner, caching what it has read, and remembers when each last
// signed a request (since start). Thread-safe.
class KeyDirectory : public iam::KeyRegistry {
 public:
  explicit KeyDirectory(store::Store& store) : store_(store) {}
  // The owner of `access_key_id`, or nullopt when no such active key (or session, expired or
  // not) exists.
  std::optional<KeyOwner> lookup(const std::string& access_key_id);
  // Records that `access_key_id` signed a request for `service` in `region` at `now`.
  void note_use(const std::string& access_key_id, const std::string& service, const std::string& region, int64_t now);
  void forget(const std::string& access_key_id) override;
  std::optional<iam::KeyUse> last_used(const std::string& access_key_id) override;

 private:
  store::Store& store_;
  std::mutex mu_;
  std::unordered_map<std::string, KeyOwner> cache_;     // GUARDED_BY(mu_)
  std::unordered_map<std::string, iam::KeyUse> uses_;   // GUARDED_BY(mu_)
  uint64_t generation_ = 0;  // counts forget() calls: a read begun before one is not cached; GUARDED_BY(mu_)
};

}  // namespace stratus::account
