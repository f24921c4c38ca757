#include "services/sts/sts_service.h"

namespace stratus::sts {

bool StsService::implements(std::string_view action) const { return action == "GetCallerIdentity"; }

bool StsService::mutates(std::string_view) const { return false; }

Result<nlohmann::json> StsService::call(std::string_view, const std::string&, const std::string& account_id,
                                        const nlohmann::json&) {
  return nlohmann::json{{"UserId", account_id}, {"Account", account_id}, {"Arn", "arn:aws:iam::" + account_id + ":root"}};
}

std::vector<Result<nlohmann::json>> StsService::call_batch(const std::vector<api::ServiceCall>& calls) {
  std::vector<Result<nlohmann::json>> results;
  for (const api::ServiceCall& c : calls) results.push_back(call(c.action, c.region, c.account_id, c.request));
  return results;
}

}  // namespace stratus::sts
