#pragma once
// Renders typed results and errors as the XML that botocore's EC2 parser reads.

#include <nlohmann/json.hpp>
#include <string>

#include "api/service_model.h"
#include "common/result.h"

namespace stratus::api {

// Renders `<{Action}Response xmlns=...><requestId/>...</{Action}Response>` with the
// members of `result` laid out by `output` (may be null: then `<return>true</return>`).
// Members absent from `result` are omitted; members not in the shape are ignored.
std::string encode_response(const ServiceModel& model, const Operation& operation, const nlohmann::json& result,
                            const std::string& request_id);

// Renders the EC2 error envelope:
// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
std::string encode_error(const ApiError& error, const std::string& request_id);

}  // namespace stratus::api
