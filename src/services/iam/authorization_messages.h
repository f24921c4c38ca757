#pragma once
// Encoded authorization failure messages: the decision behind a denied EC2 call (who, what, on
// which resource, with which context keys, which statements decided), sealed under the data dir's
// secret so that only this region reads it back, for sts:DecodeAuthorizationMessage.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "iam/evaluator.h"
#include "store/store.h"

namespace stratus::iam {

// Thread-safe.
class AuthorizationMessages {
 public:
  // Reads the data dir's secret from `store` (made at first start).
  explicit AuthorizationMessages(store::Store& store);
  // The encoded form of `decoded` (AWS's DecodedMessage document): sealed, then base64.
  std::string encode(const nlohmann::json& decoded) const;
  // The DecodedMessage text of `encoded`, or nullopt when this region did not make it.
  std::optional<std::string> decode(const std::string& encoded) const;

 private:
  std::string key_;  // kSealKeyBytes
};

// AWS's DecodedMessage for a denial: {"allowed", "explicitDeny", "matchedStatements",
// "failures", "context": {"principal": {"id", "arn"}, "action", "resource", "conditions"}}.
// `policies` are those `evaluation` came from (for the matched statements' ids and effects).
nlohmann::json decoded_denial(const AuthRequest& request, const PolicySet& policies, const Evaluation& evaluation);

}  // namespace stratus::iam
