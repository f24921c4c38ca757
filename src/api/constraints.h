#pragma once
// The constraints a service model puts on request members (string lengths and patterns, number
// ranges, enums), checked as the AWS query services that answer ValidationError check them (IAM).

#include <nlohmann/json.hpp>
#include <optional>

#include "api/service_model.h"
#include "common/result.h"

namespace stratus::api {

// Nothing when every member of `request` (decoded against `input`) meets its shape's
// constraints; else ValidationError with AWS's message: "1 validation error detected: Value
// 'x' at 'userName' failed to satisfy constraint: Member must have length less than or equal
// to 64" (several: "N validation errors detected: ...; ..."). Member paths are lowerCamel
// ("tags.1.member.key"). Strings longer than 2048 characters, and patterns with Java's Unicode
// classes (\p{L}), are not matched.
std::optional<ApiError> check_constraints(const Shape* input, const nlohmann::json& request);

}  // namespace stratus::api
