#pragma once
// Enforces IAM on every call. An IAM user's calls are evaluated (iam/evaluator) against the
// identity policies that apply to it (its own, its groups', inline and managed) within its
// permissions boundary; a role session's against its role's policies within the role's boundary
// and the session's policies; the account's root is allowed everything but what a bucket policy
// explicitly denies it (bar mending that policy), as on AWS; an anonymous caller (unsigned S3)
// only what the bucket's policy grants to anyone. A principal's
// policies are parsed once and kept until IAM changes (invalidate()).
//
// Resources: IAM actions are authorized against the ARN of the entity they name (the instance
// profile, group, role, user or policy, in that order of precedence; the caller's own for GetUser
// and the key actions without a UserName); sts:AssumeRole against the role, whose trust policy
// must allow the caller too; other services' actions against the resources their resolver names
// (EC2: ec2/authorization), or "*" when it names none, under which a Deny naming any resource
// applies (fail closed).
//
// An EC2 call that hands an instance profile to an instance (RunInstances, Associate/Replace
// IamInstanceProfileAssociation) also needs iam:PassRole on the profile's role, with
// iam:PassedToService ec2.amazonaws.com; so do Create/UpdateBudgetAction on the ExecutionRoleArn
// (budgets.amazonaws.com) and CreateExperimentTemplate on its roleArn (fis.amazonaws.com).
//
// Sessions from GetSessionToken may not call IAM (InvalidClientTokenId, as AWS answers without
// MFA) nor STS beyond AssumeRole and GetCallerIdentity.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "api/query_service.h"
#include "iam/evaluator.h"
#include "services/iam/authorization_messages.h"
#include "services/iam/iam_call.h"
#include "store/store.h"

namespace stratus::iam {

class Authorizer : public api::CallAuthorizer {
 public:
  // `aws`: the AWS managed policies; `messages`: what EC2 denials' encoded authorization
  // messages are made with. REQUIRES: all three outlive the authorizer.
  Authorizer(store::Store& store, const AwsPolicies& aws, const AuthorizationMessages& messages)
      : store_(store), aws_(aws), messages_(messages) {}

  // Allows the root (but for a bucket policy's Deny), sts:GetCallerIdentity, what a principal's
  // policies allow, and an anonymous caller what a bucket policy grants anyone; a denied call
  // gets its service's error: UnauthorizedOperation (EC2), AccessDeniedException (EBS, Cost
  // Explorer, Budgets),
  // AccessDenied (IAM, STS), with AWS's message naming the caller, the action and why, and for
  // EC2 actions other than Describe* an encoded authorization failure message.
  std::optional<ApiError> authorize(const api::ServiceCall& call, const std::string& service) override;

  // Forgets every principal's parsed policies: IAM changed (called after each IAM write).
  void invalidate();

  // The resources a call of one service acts on (empty: not known); thread-safe.
  using ResourceResolver = std::function<std::vector<RequestResource>(const api::ServiceCall& call)>;
  // Authorizes `service`'s calls against the resources `resolver` names, each with its context
  // keys; all must be allowed. REQUIRES: before the first authorize().
  void set_resource_resolver(const std::string& service, ResourceResolver resolver);

 private:
  // A principal's parsed policies and the context keys that describe it.
  // Its decisions are cached: evaluate() reads a request's context only through the keys the
  // policies reference, so (action, resource, those keys' values) decides.
  struct Compiled {
    Caller caller;
    ContextKeys keys;  // aws:username, aws:userid, aws:principalarn, aws:principaltag/..., ...
    std::vector<Policy> identity;
    std::optional<std::vector<Policy>> boundary;
    std::optional<std::vector<Policy>> session;
    PolicySet set;                        // pointers into the three above
    std::vector<std::string> referenced;  // the context keys the policies read, sorted
    mutable std::mutex mu;
    mutable std::unordered_set<std::string> allowed;  // decision keys found allowed; GUARDED_BY(mu)
  };
  // The parsed policies of the user or role session `principal` of `account` (cached), or null
  // when it is gone.
  std::shared_ptr<const Compiled> compiled(const std::string& account, const api::Principal& principal);
  // authorize() for the account's root, allowed everything but what a resource's own policy (a
  // bucket policy) explicitly denies it, and for an anonymous caller, allowed only what every
  // resource's policy grants to anyone.
  std::optional<ApiError> authorize_by_resources(const api::ServiceCall& call, const std::string& service);
  // Reads what compiled() caches.
  std::shared_ptr<Compiled> compile(Call& call, const api::Principal& principal);
  // The role `service`'s call `call` hands to a service, and that service's principal
  // ("ec2.amazonaws.com"): the role of the instance profile an EC2 call names in IamInstanceProfile,
  // a budget action's ExecutionRoleArn, a fault experiment template's roleArn; ("", "") for none.
  std::pair<std::string, std::string> passed_role(const api::ServiceCall& call, const std::string& service);
  // The ARN of the role of the instance profile EC2 call `call` names in IamInstanceProfile, or
  // "" when it names no profile holding a role.
  std::string profile_role(const api::ServiceCall& call);
  // The resource IAM call `call` acts on, as an ARN; `self` is the caller's ARN.
  std::string iam_resource(const api::ServiceCall& call, const std::string& self);

  store::Store& store_;
  const AwsPolicies& aws_;
  const AuthorizationMessages& messages_;
  std::map<std::string, ResourceResolver> resolvers_;  // by service
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Compiled>> cache_;  // principal -> policies; GUARDED_BY(mu_)
  uint64_t generation_ = 0;  // counts invalidate() calls: a read begun before one is not cached; GUARDED_BY(mu_)
};

}  // namespace stratus::iam
