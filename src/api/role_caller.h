#pragma once
// Calls a service as an IAM role that an AWS service assumed on the account's behalf (Budgets'
// execution role, FIS's experiment role): every call is authorized as a session of that role
// would be, then run as a write of its own. Lookups the acting service makes for its own use
// (which instances a tag names) are read without a role.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "api/query_service.h"
#include "common/result.h"

namespace stratus::api {

// Thread-safe.
class RoleCaller {
 public:
  // The principal that acts as role `role_arn` of `account`, or why it may not be assumed.
  using AssumeRole = std::function<Result<Principal>(const std::string& account, const std::string& role_arn)>;

  // `service` is called under its signing name `signing_name` ("ec2"). REQUIRES: `service` and
  // `authorizer` outlive the caller.
  RoleCaller(QueryService& service, std::string signing_name, CallAuthorizer& authorizer, AssumeRole assume)
      : service_(service), signing_name_(std::move(signing_name)), authorizer_(authorizer), assume_(std::move(assume)) {}

  // The principal role `role_arn` of `account` acts as, or why it cannot be assumed.
  Result<Principal> assume(const std::string& account, const std::string& role_arn) const {
    return assume_(account, role_arn);
  }
  // Runs `action` with `request` in `region` of `account` as `principal` (from assume()), denied as
  // the role's policies say.
  Result<nlohmann::json> call(const Principal& principal, const std::string& account, const std::string& region,
                              const std::string& action, const nlohmann::json& request);
  // Runs read `action` for the acting service itself.
  Result<nlohmann::json> read(const std::string& account, const std::string& region, const std::string& action,
                              const nlohmann::json& request);

 private:
  QueryService& service_;
  std::string signing_name_;
  CallAuthorizer& authorizer_;
  AssumeRole assume_;
};

}  // namespace stratus::api
