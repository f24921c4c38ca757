#pragma once
// Which usage a question is about: Cost Explorer's dimensions of a usage segment (SERVICE,
// USAGE_TYPE, REGION, AZ, ...), its tags, and filter expressions over them (And, Or, Not,
// Dimensions, Tags with their match options), as Cost Explorer and Budgets take them.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "billing/ledger.h"
#include "common/result.h"

namespace stratus::billing {

// The value of Cost Explorer dimension `key` (SERVICE, USAGE_TYPE, REGION, AZ, INSTANCE_TYPE,
// LINKED_ACCOUNT, PURCHASE_TYPE, RECORD_TYPE, OPERATING_SYSTEM, PLATFORM, TENANCY) for `segment`
// of `account`, or nullopt when the dimension is not one stratus reports.
std::optional<std::string> dimension(const Segment& segment, const std::string& key, const std::string& account);

// The value of tag `key` on `segment`, or nullopt.
std::optional<std::string> tag(const Segment& segment, const std::string& key);

// Nothing when `expression` is one stratus evaluates (exactly one of And, Or, Not, Dimensions,
// Tags at each level; And and Or with two operands or more; dimensions it reports); else the
// ValidationException.
std::optional<ApiError> expression_problem(const nlohmann::json& expression);

// True when `segment` of `account` passes `expression`. REQUIRES: expression_problem() is nothing.
bool passes(const nlohmann::json& expression, const Segment& segment, const std::string& account);

}  // namespace stratus::billing
