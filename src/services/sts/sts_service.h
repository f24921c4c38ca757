#pragma once
// The Security Token Service of the region: who is calling (GetCallerIdentity). Credentials
// for roles and sessions come with IAM.

#include "api/query_service.h"

namespace stratus::sts {

// STS actions for the account's root key. Stateless and thread-safe.
class StsService : public api::QueryService {
 public:
  // True for GetCallerIdentity.
  bool implements(std::string_view action) const override;
  // False: no STS action stratus implements changes state.
  bool mutates(std::string_view action) const override;
  // GetCallerIdentity: the root of `account_id` (Arn arn:aws:iam::ACCOUNT:root, UserId the
  // account id, as AWS answers for root credentials).
  Result<nlohmann::json> call(std::string_view action, const std::string& region, const std::string& account_id,
                              const nlohmann::json& request) override;
  // Runs each call as call() does (STS has nothing to commit).
  std::vector<Result<nlohmann::json>> call_batch(const std::vector<api::ServiceCall>& calls) override;
};

}  // namespace stratus::sts
