#pragma once
// The rest-json protocol (EBS direct APIs), driven by the service model: a request is routed by
// its method and path to the operation whose URI template matches; each input member is read
// from where the model says it travels (a URI label, the query string, a header, the raw body
// when it is the payload, else the JSON body); a result is written back the same way (headers,
// a raw payload, or a JSON body with timestamps as epoch seconds); errors are JSON bodies named
// by the x-amzn-ErrorType header, with the status the model gives the exception shape.
//
// Also the JSON protocol (awsJson1.1: Cost Explorer, Budgets), which is the same JSON bodies
// without the REST parts: the whole input is the body, the whole output the answer, and an error
// is {"__type": CODE, "message": ...}.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/http_types.h"
#include "api/service_model.h"
#include "common/result.h"

namespace stratus::api {

// The operation a REST request names, and the values of its URI labels (percent-decoded).
struct RestRoute {
  const Operation* operation = nullptr;
  std::map<std::string, std::string> labels;
};

// The operation of `model` whose method is `method` and whose URI template matches `path` (the
// request target without its query), or nullopt.
std::optional<RestRoute> match_route(const ServiceModel& model, const std::string& method, const std::string& path);

// The typed request of `route` (member names of its input shape): from its labels, `query`
// (percent-decoded pairs), `headers` (lower-case names) and `body`. A blob payload is the body's
// bytes as they are. Errors: ValidationException for a missing required member, a number that
// does not parse or is out of the model's range, or a body that is not a JSON object.
Result<nlohmann::json> decode_rest_request(const RestRoute& route,
                                           const std::vector<std::pair<std::string, std::string>>& query,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           const std::string& body);

// The typed request of a JSON protocol call of `operation` from its `body` (a JSON object; empty
// is {}). Errors: ValidationException for a body that is not a JSON object, a member of the wrong
// type or out of the model's range, or a missing required member.
Result<nlohmann::json> decode_json_request(const Operation& operation, const std::string& body);

// The HTTP response of a JSON protocol call of `operation` for its typed `result`.
HttpResponse encode_json_response(const Operation& operation, const nlohmann::json& result);

// The HTTP response of a JSON protocol call that failed with `error`: the status of the model's
// exception shape named by its code (400 or 500 by the code otherwise), {"__type", "message"}.
HttpResponse encode_json_error(const ServiceModel& model, const ApiError& error);

// The HTTP response of `operation` for its typed `result`.
HttpResponse encode_rest_response(const Operation& operation, const nlohmann::json& result);

// The HTTP response for `error`: the status of the model's exception shape named by its code
// (500 for codes the model does not name), x-amzn-ErrorType, and {"message": ...}.
HttpResponse encode_rest_error(const ServiceModel& model, const ApiError& error);

}  // namespace stratus::api
