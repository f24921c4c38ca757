#pragma once
// Decodes AWS Query (EC2 protocol) parameters into a typed request, driven by the model.

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/service_model.h"
#include "common/result.h"

namespace stratus::api {

// A decoded form or query string: name/value pairs in arrival order, percent-decoded.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits an application/x-www-form-urlencoded string into percent-decoded pairs.
// Malformed escapes are an error (MalformedQueryString).
Result<QueryParams> parse_form(std::string_view body);

// Builds the typed request for `input` (may be null: no members) from `params`.
// Keys are member names; lists become arrays, structures objects, booleans/numbers
// JSON booleans/numbers; timestamps stay ISO 8601 strings, blobs stay base64.
// Parameters named in `ignored` (e.g. Action, Version, X-Amz-*) are skipped.
// Errors: UnknownParameter, InvalidParameterValue, MissingParameter.
Result<nlohmann::json> decode_request(const Shape* input, const QueryParams& params);

// True for parameters that carry protocol or signing data rather than request members.
bool is_protocol_parameter(std::string_view name);

}  // namespace stratus::api
