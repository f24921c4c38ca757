#pragma once
// The rest-xml protocol (S3), driven by the service model: each input member is read from where
// the model says it travels (a URI label, the query string, a header, a prefixed family of
// headers as a map, or an XML payload); a result is written back the same way. Routing is the
// service's own (S3 tells operations that share a method and path apart by their query and
// headers). Timestamps are ISO 8601 strings in typed requests and results; headers carry them as
// HTTP dates.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/http_types.h"
#include "api/service_model.h"
#include "common/result.h"

namespace stratus::api {

// The typed request of `operation` (member names of its input shape) from URI `labels`
// (decoded), `query` (decoded pairs), `headers` (lower-case names) and `body`: decoded as XML
// when the input's payload member is a structure, taken as it is when that member is a string (a
// bucket policy); a blob payload is left to the caller, which streams it. Errors: InvalidArgument (a number or date that does not parse), MalformedXML (a
// payload that is not XML or lacks a required member).
Result<nlohmann::json> decode_rest_xml_request(const Operation& operation,
                                               const std::map<std::string, std::string>& labels,
                                               const std::vector<std::pair<std::string, std::string>>& query,
                                               const std::vector<std::pair<std::string, std::string>>& headers,
                                               const std::string& body);

// The HTTP response of `operation` for its typed `result`: header members as headers (the
// prefixed map as one header per key), then the payload member (a string as the body itself, a
// structure as XML under its element name) or else the body members as XML under element `root`
// in namespace `xmlns`; no body when the output has no body members. A blob payload is the
// caller's to attach.
HttpResponse encode_rest_xml_response(const Operation& operation, const nlohmann::json& result, const std::string& root,
                                      const std::string& xmlns);

}  // namespace stratus::api
