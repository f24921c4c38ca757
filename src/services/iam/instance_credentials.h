#pragma once
// The credentials of instances' roles and their identity credentials, as the metadata service serves them: one role session per
// instance (named after the instance, six hours long), issued when the instance first asks and
// replaced once less than an hour is left, so that a client refreshing 15 minutes before expiry
// always finds new ones. The sessions end when the profile is removed or replaced (EC2 revokes
// them); replaced ones stay valid until they expire, as on AWS.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "imds/metadata.h"
#include "services/iam/iam_call.h"
#include "store/store.h"

namespace stratus::iam {

// Thread-safe.
class InstanceCredentials {
 public:
  // REQUIRES: `store` and `aws` outlive it.
  InstanceCredentials(store::Store& store, const AwsPolicies& aws) : store_(store), aws_(aws) {}

  // Instance `instance_id` of `account`'s profile `profile` ({Arn, Id}, associated at ISO 8601
  // `associated_at`) as meta-data/iam/ shows it at `now`, with its role's current credentials;
  // nullopt when the profile no longer exists. Stores new credentials when due.
  std::optional<imds::IamMetadata> lookup(const std::string& account, const std::string& instance_id,
                                          const nlohmann::json& profile, const std::string& associated_at,
                                          int64_t now);

  // The instance identity credentials of instance `instance_id` of `account` at `now`
  // (identity-credentials/ec2/): a session of kInstanceIdentityRole named after the instance, which
  // proves who it is (sts:GetCallerIdentity) and is allowed nothing else. Nullopt when the
  // instance is gone.
  std::optional<imds::ServedCredentials> identity(const std::string& account, const std::string& instance_id,
                                                  int64_t now);

 private:
  store::Store& store_;
  const AwsPolicies& aws_;
};

}  // namespace stratus::iam
