#pragma once
// The Security Token Service of the region: who is calling (GetCallerIdentity). Credentials
// for roles and sessions come with IAM.

#include "api/query_service.h"
#include "store/store.h"

namespace stratus::sts {

// STS actions. Thread-safe.
class StsService : public api::QueryService {
 public:
  // REQUIRES: `store` outlives the service.
  explicit StsService(store::Store& store) : store_(store) {}
  // True for GetCallerIdentity.
  bool implements(std::string_view action) const override;
  // False: no STS action stratus implements changes state.
  bool mutates(std::string_view action) const override;
  // GetCallerIdentity: the root of the account (Arn arn:aws:iam::ACCOUNT:root, UserId the
  // account id), or the IAM user who signed (its unique id and ARN), as AWS answers.
  Result<nlohmann::json> call(const api::ServiceCall& call) override;
  // Runs each call as call() does (STS has nothing to commit).
  std::vector<Result<nlohmann::json>> call_batch(const std::vector<api::ServiceCall>& calls) override;

 private:
  store::Store& store_;
};

}  // namespace stratus::sts
