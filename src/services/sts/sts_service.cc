#include "services/sts/sts_service.h"

#include "model/iam.h"

namespace stratus::sts {

bool StsService::implements(std::string_view action) const { return action == "GetCallerIdentity"; }

bool StsService::mutates(std::string_view) const { return false; }

Result<nlohmann::json> StsService::call(const api::ServiceCall& call) {
  const std::string& account = call.account_id;
  if (call.principal.user.empty()) {
    return nlohmann::json{{"UserId", account}, {"Account", account}, {"Arn", "arn:aws:iam::" + account + ":root"}};
  }
  auto txn = store_.begin_read();
  auto record = txn->get(model::iam_record_id(model::iam_kind_name(model::IamKind::kUser), account, call.principal.user));
  if (!record) return ApiError{"InvalidClientTokenId", "The security token included in the request is invalid."};
  model::IamEntity user = model::iam_entity_from_doc(record->doc);
  return nlohmann::json{{"UserId", user.id}, {"Account", account}, {"Arn", model::entity_arn(user)}};
}

std::vector<Result<nlohmann::json>> StsService::call_batch(const std::vector<api::ServiceCall>& calls) {
  std::vector<Result<nlohmann::json>> results;
  for (const api::ServiceCall& c : calls) results.push_back(call(c));
  return results;
}

}  // namespace stratus::sts
