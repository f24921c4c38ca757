#pragma once
// The IAM service (Query protocol, botocore model iam/2010-05-08): users, groups, roles,
// access keys, managed and inline policies, instance profiles; and STS (sts/2011-06-15), whose
// sessions are made of the same records. IAM is global: every region's
// endpoint answers for the same entities. Requests are checked against the model's constraints
// (ValidationError) before an action runs; a failed call changes nothing.

#include <functional>
#include <memory>
#include <string_view>

#include "api/query_service.h"
#include "api/service_model.h"
#include "services/iam/iam_call.h"
#include "store/store.h"

namespace stratus::iam {

class AuthorizationMessages;

// The endpoints that share IAM's records: IAM itself, and STS (sessions of users and roles).
enum class IamEndpoint { kIam, kSts };

// Runs IAM's (or STS's) actions against the store. Thread-safe.
class IamService : public api::QueryService {
 public:
  // `endpoint`: which actions it serves; `model`: that service's model (for request
  // constraints); `aws_policies`: the AWS managed policies' data; `keys`: told of access keys
  // that changed (may be null); `messages`: what STS decodes authorization messages with
  // (required for kSts). REQUIRES: store, model, keys and messages outlive the service.
  IamService(IamEndpoint endpoint, store::Store& store, const api::ServiceModel& model, std::string_view aws_policies,
             KeyRegistry* keys, const AuthorizationMessages* messages = nullptr);

  bool implements(std::string_view action) const override;
  bool mutates(std::string_view action) const override;
  // Runs a read-only action, or a mutating one as a batch of one.
  Result<nlohmann::json> call(const api::ServiceCall& call) override;
  // Runs mutating calls in order in one write transaction, each undone alone when it fails;
  // then tells the key registry of the access keys they changed.
  std::vector<Result<nlohmann::json>> call_batch(const std::vector<api::ServiceCall>& calls) override;

  // The AWS managed policies it offers (parsed once, shared with the authorizer).
  const AwsPolicies& aws_policies() const { return aws_; }

  // Calls `listener` after every committed write batch (e.g. to drop cached policies).
  // REQUIRES: before any call.
  void set_commit_listener(std::function<void()> listener) { on_commit_ = std::move(listener); }

 private:
  // Runs one call in `txn` (constraints first). Throws ServiceError.
  json run(const api::ServiceCall& call, store::Transaction& txn, std::vector<std::string>& changed_keys);

  store::Store& store_;
  const api::ServiceModel& model_;
  AwsPolicies aws_;
  KeyRegistry* keys_;
  ActionTable actions_;
  std::function<void()> on_commit_;
};

}  // namespace stratus::iam
