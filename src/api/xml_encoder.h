#pragma once
// Renders typed results and errors as the XML that botocore's EC2 parser reads.

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>

#include "api/service_model.h"
#include "common/result.h"

namespace stratus::api {

// Appends `value` to `parent` as element `name` laid out by `shape`: a structure's members by
// their XML names (absent members omitted), a list's items wrapped in `name` or, flattened, each
// named `name`, a map's entries, a scalar as text (strings made XML text).
void append_xml_value(pugi::xml_node parent, const std::string& name, const Shape& shape, const nlohmann::json& value);

// `doc` as text with an XML declaration, without indentation.
std::string render_xml_document(const pugi::xml_document& doc);

// Renders the answer to `operation` with the members of `result` laid out by its output shape
// (members absent from `result` are omitted; members not in the shape are ignored), in the
// model's protocol: EC2's `<{Action}Response xmlns=...><requestId/>...</{Action}Response>`
// (`<return>true</return>` for an output without members), or the Query protocol's
// `<{Action}Response><{Action}Result>...</{Action}Result><ResponseMetadata><RequestId/>...`.
std::string encode_response(const ServiceModel& model, const Operation& operation, const nlohmann::json& result,
                            const std::string& request_id);

// Renders an error in the envelope of `model`'s protocol: the Query protocol's
// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` (Type
// "Sender" when `sender_fault`, else "Receiver"), or EC2's
// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>` for an
// EC2 model or none (an error met before the service is known).
std::string encode_error(const ApiError& error, const std::string& request_id, const ServiceModel* model = nullptr,
                         bool sender_fault = true);

}  // namespace stratus::api
