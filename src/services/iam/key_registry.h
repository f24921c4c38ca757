#pragma once
// The directory of access keys the API layer authenticates with, as IAM sees it: what IAM tells
// it when keys change, and what it tells IAM of their use.

#include <cstdint>
#include <optional>
#include <string>

namespace stratus::iam {

// When and where an access key last signed a request.
struct KeyUse {
  int64_t at = 0;       // Unix seconds
  std::string service;  // the signing name ("ec2", "iam", ...)
  std::string region;
};

// The directory of access keys the API layer authenticates with, as the service sees it.
class KeyRegistry {
 public:
  virtual ~KeyRegistry() = default;
  // Drops what it remembers of `key_id`: its status or owner changed, or it is gone.
  virtual void forget(const std::string& key_id) = 0;
  // The last request `key_id` signed since the server started, if any.
  virtual std::optional<KeyUse> last_used(const std::string& key_id) = 0;
};

}  // namespace stratus::iam
