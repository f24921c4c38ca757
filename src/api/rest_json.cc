#include "api/rest_json.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "api/error_status.h"
#include "api/rest_members.h"
#include "common/timestamp.h"

namespace stratus::api {
namespace {

using nlohmann::json;

ApiError invalid(const std::string& message) { return ApiError{"ValidationException", message}; }

// `path` cut at '/' (without the leading one).
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The ValidationException for number `value` at `where` when it is outside `shape`'s range.
std::optional<ApiError> out_of_range(const Shape& shape, int64_t value, const std::string& where) {
  if ((!shape.min || value >= *shape.min) && (!shape.max || value <= *shape.max)) return std::nullopt;
  return invalid("1 validation error detected: Value '" + std::to_string(value) + "' at '" + where +
                 "' failed to satisfy constraint: Member must have value " +
                 (shape.min ? "greater than or equal to " + std::to_string(*shape.min) : "") +
                 (shape.min && shape.max ? " and " : "") +
                 (shape.max ? "less than or equal to " + std::to_string(*shape.max) : ""));
}

// The ValidationException for a string of `length` at `where` when `shape` does not allow it.
std::optional<ApiError> bad_length(const Shape& shape, size_t length, const std::string& where) {
  int64_t n = static_cast<int64_t>(length);
  if ((!shape.min || n >= *shape.min) && (!shape.max || n <= *shape.max)) return std::nullopt;
  return invalid("1 validation error detected: Value at '" + where +
                 "' failed to satisfy constraint: Member must have length between " +
                 std::to_string(shape.min.value_or(0)) + " and " + std::to_string(shape.max.value_or(0)));
}

// The typed value of `text` (from a label, query parameter or header) for `member`.
Result<json> scalar(const Member& member, const std::string& text) {
  const Shape& shape = *member.shape;
  switch (shape.type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t value = 0;
      try {
        size_t used = 0;
        value = std::stoll(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
      } catch (const std::exception&) {
        return invalid("Value '" + text + "' at '" + member.location_name + "' is not a number.");
      }
      if (auto error = out_of_range(shape, value, member.location_name)) return *error;
      return json(value);
    }
    case ShapeType::kBoolean:
      return json(text == "true");
    default:
      if (auto error = bad_length(shape, text.size(), member.location_name)) return *error;
      return json(text);
  }
}

// `value` as JSON text; bytes that are not UTF-8 (a client's, echoed in a message) become U+FFFD.
std::string dump_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// Nothing when `value` (the JSON body's member at `path`) has the JSON type `shape` asks for,
// and its numbers and string lengths are within the shape's range, all the way down; else the
// ValidationException naming where it is not.
std::optional<ApiError> mistyped(const Shape* shape, const json& value, const std::string& path) {
  if (shape == nullptr) return std::nullopt;
  bool fits = true;
  switch (shape->type) {
    case ShapeType::kStructure:
      if (!value.is_object()) {
        fits = false;
        break;
      }
      for (const Member& m : shape->members) {
        if (!value.contains(m.location_name)) continue;
        if (auto error = mistyped(m.shape, value[m.location_name], path + "." + m.location_name)) return error;
      }
      break;
    case ShapeType::kList:
      if (!value.is_array()) {
        fits = false;
        break;
      }
      for (const json& item : value) {
        if (auto error = mistyped(shape->element.shape, item, path + "[]")) return error;
      }
      break;
    case ShapeType::kMap:
      if (!value.is_object()) {
        fits = false;
        break;
      }
      for (const auto& [key, item] : value.items()) {
        if (auto error = mistyped(shape->element.shape, item, path + "." + key)) return error;
      }
      break;
    case ShapeType::kInteger:
    case ShapeType::kLong:
      if (!value.is_number_integer()) {
        fits = false;
        break;
      }
      return out_of_range(*shape, value.get<int64_t>(), path);
    case ShapeType::kFloat:
    case ShapeType::kDouble:
      fits = value.is_number();
      break;
    case ShapeType::kBoolean:
      fits = value.is_boolean();
      break;
    case ShapeType::kTimestamp:
      fits = value.is_number() || value.is_string();
      break;
    case ShapeType::kString:
      if (!value.is_string()) {
        fits = false;
        break;
      }
      return bad_length(*shape, value.get_ref<const std::string&>().size(), path);
    case ShapeType::kBlob:
      fits = value.is_string();
      break;
  }
  if (fits) return std::nullopt;
  return invalid("Value at '" + path + "' is not of the type the API takes (" + shape->name + ").");
}

// `value` for a JSON body: timestamps as epoch seconds, structures and lists by the model.
json to_body(const Shape* shape, const json& value) {
  if (shape == nullptr) return value;
  switch (shape->type) {
    case ShapeType::kTimestamp:
      if (value.is_string()) {
        auto seconds = parse_iso8601(value.get<std::string>());
        return seconds ? json(*seconds) : value;
      }
      return value;
    case ShapeType::kStructure: {
      json out = json::object();
      for (const Member& m : shape->members) {
        if (value.contains(m.name) && m.location == Location::kBody) out[m.location_name] = to_body(m.shape, value[m.name]);
      }
      return out;
    }
    case ShapeType::kList: {
      json out = json::array();
      for (const json& item : value) out.push_back(to_body(shape->element.shape, item));
      return out;
    }
    case ShapeType::kMap: {
      json out = json::object();
      for (const auto& [key, item] : value.items()) out[key] = to_body(shape->element.shape, item);
      return out;
    }
    default:
      return value;
  }
}

// The error unless every required member of `input` is in `typed`.
std::optional<ApiError> missing_required(const Shape& input, const json& typed) {
  for (const std::string& required : input.required) {
    if (!typed.contains(required)) {
      return invalid("1 validation error detected: Value null at '" + required +
                     "' failed to satisfy constraint: Member must not be null");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<RestRoute> match_route(const ServiceModel& model, const std::string& method, const std::string& path) {
  std::vector<std::string> given = segments(path);
  for (const std::string& name : model.operation_names()) {
    const Operation* op = model.operation(name);
    if (op->http_method != method) continue;
    std::string uri = op->request_uri.substr(0, op->request_uri.find('?'));
    std::vector<std::string> wanted = segments(uri);
    if (wanted.size() != given.size()) continue;
    RestRoute route{op, {}};
    bool match = true;
    for (size_t i = 0; i < wanted.size() && match; ++i) {
      const std::string& w = wanted[i];
      if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
        if (given[i].empty()) match = false;
        route.labels[w.substr(1, w.size() - 2)] = percent_decode(given[i]);
      } else {
        match = w == given[i];
      }
    }
    if (match) return route;
  }
  return std::nullopt;
}

Result<json> decode_rest_request(const RestRoute& route, const std::vector<std::pair<std::string, std::string>>& query,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body) {
  json out = json::object();
  const Shape* input = route.operation->input;
  if (input == nullptr) return out;
  json body_doc = json::object();
  bool json_body = input->payload.empty() && !body.empty();
  if (json_body) {
    body_doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!body_doc.is_object()) return invalid("The request body is not a JSON object.");
  }
  for (const Member& m : input->members) {
    if (m.location == Location::kBody) {
      if (m.name == input->payload) {
        out[m.name] = body;  // the raw payload
      } else if (body_doc.contains(m.location_name)) {
        if (auto error = mistyped(m.shape, body_doc[m.location_name], m.location_name)) return *error;
        out[m.name] = body_doc[m.location_name];
      }
      continue;
    }
    std::optional<std::string> text = member_text(m, route.labels, query, headers);
    if (!text) continue;
    auto value = scalar(m, *text);
    if (!value.ok()) return value.error();
    out[m.name] = value.value();
  }
  if (auto error = missing_required(*input, out)) return *error;
  return out;
}

Result<json> decode_json_request(const Operation& operation, const std::string& body) {
  json doc = body.empty() ? json::object() : json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return invalid("The request body is not a JSON object.");
  json out = json::object();
  const Shape* input = operation.input;
  if (input == nullptr) return out;
  for (const Member& m : input->members) {
    if (!doc.contains(m.location_name) || doc[m.location_name].is_null()) continue;
    if (auto error = mistyped(m.shape, doc[m.location_name], m.location_name)) return *error;
    out[m.name] = doc[m.location_name];
  }
  if (auto error = missing_required(*input, out)) return *error;
  return out;
}

HttpResponse encode_json_response(const Operation& operation, const json& result) {
  HttpResponse response;
  response.content_type = "application/x-amz-json-1.1";
  response.body = operation.output == nullptr ? "{}" : dump_text(to_body(operation.output, result));
  return response;
}

HttpResponse encode_json_error(const ServiceModel& model, const ApiError& error) {
  HttpResponse response;
  response.status = model.error_status(error.code).value_or(http_status_for(error.code));
  response.content_type = "application/x-amz-json-1.1";
  response.body = dump_text(json{{"__type", error.code}, {"message", error.message}});
  return response;
}

HttpResponse encode_rest_response(const Operation& operation, const json& result) {
  HttpResponse response;
  response.status = operation.response_code;
  response.content_type = "application/json";
  const Shape* output = operation.output;
  if (output == nullptr) {
    response.body = "{}";
    return response;
  }
  for (const Member& m : output->members) {
    if (!result.contains(m.name)) continue;
    if (m.location == Location::kHeader) {
      const json& v = result[m.name];
      response.headers.emplace_back(m.location_name, v.is_string() ? v.get<std::string>() : dump_text(v));
    }
  }
  if (!output->payload.empty()) {
    response.content_type = "application/octet-stream";
    if (result.contains(output->payload)) response.body = result[output->payload].get<std::string>();
    return response;
  }
  response.body = dump_text(to_body(output, result));
  return response;
}

HttpResponse encode_rest_error(const ServiceModel& model, const ApiError& error) {
  HttpResponse response;
  response.status = model.error_status(error.code).value_or(http_status_for(error.code));
  response.content_type = "application/json";
  response.headers.emplace_back("x-amzn-ErrorType", error.code);
  response.body = dump_text(json{{"message", error.message}});
  return response;
}

}  // namespace stratus::api
