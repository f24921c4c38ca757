#pragma once
// AWS's policy evaluation logic as a pure function (no I/O): given who asks, for what action on
// which resource, with which context keys, and the policies that apply, decide allowed,
// explicitly denied or implicitly denied. Explicit deny anywhere wins; a resource-based policy
// naming the caller itself allows; otherwise identity-based policies must allow, within the
// permissions boundary and the session policies when there are such.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "iam/policy.h"

namespace stratus::iam {

// Context keys by lower-cased name (key names are case-insensitive), each with its values (a
// single-valued key has one).
using ContextKeys = std::map<std::string, std::vector<std::string>>;

// The caller as resource-based and trust policies name it.
struct Caller {
  std::string account;      // its account id
  std::string arn;          // a user's ARN, a role session's (arn:aws:sts::A:assumed-role/R/S), or the root's
  std::string role_arn;     // a role session: its role's ARN (naming the role names every session)
  std::string service;      // a service acting itself (e.g. "ec2.amazonaws.com"), else ""
};

// The context keys of one request as conditions and variables read them: the request's own
// keys, then, for a key it lacks, its principal's (kept apart so that they are not copied for
// every request).
class ContextView {
 public:
  // Implicit: a request with no separate principal keys.
  ContextView(const ContextKeys& keys, const ContextKeys* principal = nullptr) : keys_(keys), principal_(principal) {}
  // The values of lower-cased `key`, or null when neither holds it.
  const std::vector<std::string>* find(const std::string& key) const {
    if (auto it = keys_.find(key); it != keys_.end()) return &it->second;
    if (principal_ == nullptr) return nullptr;
    auto it = principal_->find(key);
    return it == principal_->end() ? nullptr : &it->second;
  }

 private:
  const ContextKeys& keys_;
  const ContextKeys* principal_;
};

// A resource a request acts on, and the context keys that come with it (its tags, the tags it
// is being made with, ...).
struct RequestResource {
  std::string arn;
  ContextKeys keys;
  std::string action;  // the action the call needs on it, when not the call's own ("s3:ListBucket")
  std::string policy;  // the resource's own policy document (a bucket policy), evaluated with the caller's; "" for none
};

// One request to authorize.
struct AuthRequest {
  Caller caller;
  std::string action;        // "ec2:RunInstances"
  std::string resource;      // an ARN, or "*" for actions without resources
  std::string resource_account;  // the account owning the resource ("" = the caller's)
  bool resource_unresolved = false;  // `resource` is "*" for a resource not known: Deny statements match any resource
  ContextKeys context;       // the keys of the request (aws:CurrentTime, ec2:InstanceType, ...)
  const ContextKeys* principal_keys = nullptr;  // the caller's keys (aws:username, ...), under `context`'s
};

// The policies that apply to one request, by the part they play.
struct PolicySet {
  std::vector<const Policy*> identity;  // the caller's: its own, its groups' (a user), its role's
  std::vector<const Policy*> resource;  // the resource's (a bucket policy, a role's trust policy)
  std::optional<std::vector<const Policy*>> boundary;  // the caller's permissions boundary, if it has one
  std::optional<std::vector<const Policy*>> session;   // a session's policies, if it was given any
  bool resource_must_allow = false;  // the resource's policies must allow even in the caller's account (trust)
};

enum class Decision { kAllowed, kExplicitDeny, kImplicitDeny };

// The part a policy plays, for reasons and matched statements.
enum class PolicyRole { kIdentity, kResource, kBoundary, kSession };

// A statement that decided: the role of its policy, the policy's index within that role, and
// the statement's index within the policy.
struct MatchedStatement {
  PolicyRole role;
  size_t policy = 0;
  size_t statement = 0;
};

// What evaluate decided and why.
struct Evaluation {
  Decision decision = Decision::kImplicitDeny;
  PolicyRole deciding = PolicyRole::kIdentity;  // a deny: the kind of policy that denied, or that failed to allow
  std::vector<MatchedStatement> matched;        // the statements that denied, or that allowed
};

// Evaluates `request` against `policies` by AWS's logic (single account, and across accounts
// when request.resource_account differs from the caller's: then both the caller's policies and
// the resource's must allow).
Evaluation evaluate(const AuthRequest& request, const PolicySet& policies);

// Adds to `keys` every context key `policy` can read (lower-cased): its conditions' keys and the
// policy variables in its resources and condition values. evaluate() depends on a request's
// context only through the keys its policies read, which lets a caller cache decisions.
void add_referenced_keys(const Policy& policy, std::set<std::string>& keys);

// The phrase AWS's denial messages use for `role`: "identity-based policy", "resource-based
// policy", "permissions boundary", "session policy".
std::string policy_role_name(PolicyRole role);

}  // namespace stratus::iam
