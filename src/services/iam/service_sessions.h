#pragma once
// Role sessions an AWS service takes on the account's behalf (Budgets running a budget action as
// its execution role): issued only when the role's trust policy lets that service assume it, as
// AWS requires of a service role.

#include <string>

#include "api/query_service.h"
#include "common/result.h"
#include "services/iam/iam_call.h"
#include "store/store.h"

namespace stratus::iam {

// A one-hour session of role `role_arn` of `account` for AWS service `service`
// ("budgets.amazonaws.com"), named `session_name`, issued at `now` and stored; returned as the
// principal that acts as it. AccessDenied when `role_arn` names no role of the account or the
// role's trust policy does not allow `service` sts:AssumeRole.
Result<api::Principal> assume_role_for_service(store::Store& store, const AwsPolicies& aws, const std::string& account,
                                               const std::string& role_arn, const std::string& service,
                                               const std::string& session_name, int64_t now);

}  // namespace stratus::iam
