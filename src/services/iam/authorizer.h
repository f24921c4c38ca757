#pragma once
// Enforces IAM on every call: an IAM user's calls are evaluated (iam/evaluator) against the
// identity policies that apply to it (its own, its groups', inline and managed) within its
// permissions boundary; the account's root is always allowed, as on AWS. A user's policies are
// parsed once and kept until IAM changes (invalidate()). IAM actions are authorized against the
// ARN of the entity they name (the instance profile, group, role, user or policy, in that
// order of precedence; a user's own for GetUser and the key actions without a UserName);
// other services' actions against "*" for now, under which a Deny naming any resource applies
// (fail closed until their resources are mapped).

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/query_service.h"
#include "iam/evaluator.h"
#include "services/iam/iam_call.h"
#include "store/store.h"

namespace stratus::iam {

class Authorizer : public api::CallAuthorizer {
 public:
  // `aws`: the AWS managed policies. REQUIRES: `store` and `aws` outlive the authorizer.
  Authorizer(store::Store& store, const AwsPolicies& aws) : store_(store), aws_(aws) {}

  // Allows the root, sts:GetCallerIdentity, and what a user's policies allow; a denied call
  // gets its service's error: UnauthorizedOperation (EC2), AccessDeniedException (EBS),
  // AccessDenied (IAM, STS), with AWS's message naming the user, the action and why.
  std::optional<ApiError> authorize(const api::ServiceCall& call, const std::string& service) override;

  // Forgets every user's parsed policies: IAM changed (called after each IAM write).
  void invalidate();

 private:
  // A user's parsed policies.
  struct Compiled {
    model::IamEntity user;
    std::vector<Policy> identity;
    std::optional<std::vector<Policy>> boundary;
  };
  // The parsed policies of `user` of `account` (cached), or null when the user is gone.
  std::shared_ptr<const Compiled> compiled(const std::string& account, const std::string& user);
  // The resource IAM call `call` (of `user`) acts on, as an ARN.
  std::string iam_resource(const api::ServiceCall& call, const model::IamEntity& user);

  store::Store& store_;
  const AwsPolicies& aws_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Compiled>> cache_;  // "account:user" -> policies; GUARDED_BY(mu_)
  uint64_t generation_ = 0;  // counts invalidate() calls: a read begun before one is not cached; GUARDED_BY(mu_)
};

}  // namespace stratus::iam
