#pragma once
// IAM policy documents, parsed and checked once into the form the evaluator matches against:
// statements with lower-cased actions, resource patterns, principals and typed conditions.
// Parsing refuses what IAM refuses, with IAM's MalformedPolicyDocument messages.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus::iam {

// Where a document is used; the elements a statement must and must not have differ.
enum class PolicyKind {
  kIdentity,  // attached to a user, group or role, a permissions boundary, a session policy
  kResource,  // on a resource (an S3 bucket policy): names principals
  kTrust,     // a role's trust policy: names principals, no Resource
};

enum class Effect { kAllow, kDeny };

// The condition operators AWS documents, without their IfExists suffix and set qualifier.
enum class ConditionOperator {
  kStringEquals, kStringNotEquals, kStringEqualsIgnoreCase, kStringNotEqualsIgnoreCase, kStringLike,
  kStringNotLike, kNumericEquals, kNumericNotEquals, kNumericLessThan, kNumericLessThanEquals,
  kNumericGreaterThan, kNumericGreaterThanEquals, kDateEquals, kDateNotEquals, kDateLessThan,
  kDateLessThanEquals, kDateGreaterThan, kDateGreaterThanEquals, kBool, kBinaryEquals, kIpAddress,
  kNotIpAddress, kArnEquals, kArnLike, kArnNotEquals, kArnNotLike, kNull,
};

// How a condition treats a key with several values in the request.
enum class SetQualifier { kNone, kForAllValues, kForAnyValue };

// One key's test in a statement's Condition block.
struct Condition {
  ConditionOperator op = ConditionOperator::kStringEquals;
  SetQualifier qualifier = SetQualifier::kNone;
  bool if_exists = false;           // a missing key makes it true
  std::string key;                  // lower-cased (key names are case-insensitive)
  std::vector<std::string> values;  // as written (policy variables not yet substituted)
};

// The principals a statement names (resource and trust policies).
struct Principals {
  bool anyone = false;                 // "*" or {"AWS": "*"}
  std::vector<std::string> aws;        // account ids, account root ARNs, user, role and session ARNs
  std::vector<std::string> service;    // e.g. "ec2.amazonaws.com"
  std::vector<std::string> federated;  // identity providers
};

struct Statement {
  std::string sid;
  Effect effect = Effect::kAllow;
  bool not_action = false;
  std::vector<std::string> actions;    // lower-cased patterns ("ec2:describe*", "*")
  bool not_resource = false;
  std::vector<std::string> resources;  // ARN patterns; empty in a trust policy (every resource)
  bool not_principal = false;
  std::optional<Principals> principals;  // resource and trust policies only
  std::vector<Condition> conditions;     // all must hold
};

// A parsed policy document.
struct Policy {
  bool variables = true;  // Version 2012-10-17: ${...} in resources and condition values are substituted
  std::vector<Statement> statements;
};

// Parses `document` as a policy of `kind`. Errors: MalformedPolicyDocument with IAM's message
// for what is wrong (not JSON, a missing or misspelled element, an action without a vendor, a
// resource that is not an ARN, an unknown condition operator, a principal where none may be).
Result<Policy> parse_policy(std::string_view document, PolicyKind kind);

}  // namespace stratus::iam
