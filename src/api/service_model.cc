#include "api/service_model.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace stratus::api {
namespace {

using nlohmann::json;

ShapeType parse_type(const std::string& type) {
  static const std::map<std::string, ShapeType> kTypes = {
      {"structure", ShapeType::kStructure}, {"list", ShapeType::kList},       {"map", ShapeType::kMap},
      {"string", ShapeType::kString},       {"integer", ShapeType::kInteger}, {"long", ShapeType::kLong},
      {"float", ShapeType::kFloat},         {"double", ShapeType::kDouble},   {"boolean", ShapeType::kBoolean},
      {"timestamp", ShapeType::kTimestamp}, {"blob", ShapeType::kBlob}};
  auto it = kTypes.find(type);
  return it == kTypes.end() ? ShapeType::kString : it->second;
}

// Fills a member from its model reference, with `protocol`'s naming rules.
Member make_member(const std::string& name, const json& ref,
                   const std::unordered_map<std::string, std::unique_ptr<Shape>>& shapes, Protocol protocol) {
  Member m;
  m.name = name;
  auto it = shapes.find(ref.at("shape").get<std::string>());
  m.shape = it == shapes.end() ? nullptr : it->second.get();
  std::string location = ref.value("locationName", "");
  if (protocol == Protocol::kQuery) {
    m.query_name = location.empty() ? name : location;
  } else if (ref.contains("queryName")) {
    m.query_name = ref["queryName"].get<std::string>();
  } else if (!location.empty()) {
    m.query_name = location;
    m.query_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(m.query_name[0])));
  } else {
    m.query_name = name;
  }
  m.xml_name = location.empty() ? name : location;
  static const std::map<std::string, Location> kLocations = {
      {"uri", Location::kUri}, {"querystring", Location::kQueryString}, {"header", Location::kHeader},
      {"headers", Location::kHeaders}};
  auto where = kLocations.find(ref.value("location", ""));
  if (where != kLocations.end()) m.location = where->second;
  m.location_name = location.empty() ? name : location;
  return m;
}

}  // namespace

Result<std::shared_ptr<const ServiceModel>> ServiceModel::parse(std::string_view json_text) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("shapes") || !doc.contains("operations")) {
    return ApiError{"InternalError", "service model is not valid JSON with shapes and operations"};
  }
  auto model = std::make_shared<ServiceModel>();
  const json& meta = doc.value("metadata", json::object());
  model->xml_namespace_ = meta.value("xmlNamespace", "");
  if (!model->xml_namespace_.empty() && model->xml_namespace_.back() != '/') model->xml_namespace_ += '/';
  model->api_version_ = meta.value("apiVersion", "");
  model->signing_name_ = meta.value("signingName", meta.value("endpointPrefix", ""));
  std::string protocol = meta.value("protocol", "");
  if (protocol == "query") {
    model->protocol_ = Protocol::kQuery;
  } else if (protocol == "rest-json") {
    model->protocol_ = Protocol::kRestJson;
  } else if (protocol == "rest-xml") {
    model->protocol_ = Protocol::kRestXml;
  } else if (protocol == "json") {
    model->protocol_ = Protocol::kJson;
    model->target_prefix_ = meta.value("targetPrefix", "");
  } else if (protocol != "ec2") {
    return ApiError{"InternalError", "service model protocol '" + protocol + "' is not served"};
  }
  const Protocol wire = model->protocol_;

  for (const auto& [name, body] : doc["shapes"].items()) {
    auto shape = std::make_unique<Shape>();
    shape->name = name;
    shape->type = parse_type(body.value("type", "string"));
    model->shapes_.emplace(name, std::move(shape));
  }
  for (const auto& [name, body] : doc["shapes"].items()) {
    Shape& shape = *model->shapes_.at(name);
    shape.flattened = body.value("flattened", false);
    if (body.contains("min") && body["min"].is_number()) shape.min = body["min"].get<int64_t>();
    if (body.contains("max") && body["max"].is_number()) shape.max = body["max"].get<int64_t>();
    if (body.contains("enum")) shape.enum_values = body["enum"].get<std::vector<std::string>>();
    shape.payload = body.value("payload", "");
    shape.pattern = body.value("pattern", "");
    shape.protocol = wire;
    if (body.contains("error")) {
      shape.error_status = body["error"].value("httpStatusCode", 400);
      model->error_statuses_[body["error"].value("code", name)] = *shape.error_status;
    }
    if (shape.type == ShapeType::kStructure) {
      const json members = body.value("members", json::object());
      for (const auto& [member_name, ref] : members.items()) {
        shape.by_query_name.emplace(make_member(member_name, ref, model->shapes_, wire).query_name, shape.members.size());
        shape.members.push_back(make_member(member_name, ref, model->shapes_, wire));
      }
      shape.required = body.value("required", std::vector<std::string>{});
    } else if (shape.type == ShapeType::kList) {
      shape.element = make_member("member", body.at("member"), model->shapes_, wire);
      if (!body["member"].contains("locationName")) shape.element.xml_name = "member";
      // The Query protocol names an element NAME.member.N (its locationName instead of "member"
      // when it has one); EC2's dialect and flattened lists, NAME.N.
      if (wire == Protocol::kQuery && !shape.flattened) {
        shape.list_step = body["member"].value("locationName", std::string("member"));
      }
    } else if (shape.type == ShapeType::kMap) {
      shape.key = make_member("key", body.at("key"), model->shapes_, wire);
      shape.element = make_member("value", body.at("value"), model->shapes_, wire);
    }
  }
  for (const auto& [name, body] : doc["operations"].items()) {
    Operation op;
    op.name = name;
    if (body.contains("input")) op.input = model->shape(body["input"]["shape"].get<std::string>());
    if (body.contains("output")) op.output = model->shape(body["output"]["shape"].get<std::string>());
    const json& http = body.value("http", json::object());
    op.http_method = http.value("method", "POST");
    op.request_uri = http.value("requestUri", "/");
    op.response_code = http.value("responseCode", 200);
    model->operations_.emplace(name, std::move(op));
  }
  return std::shared_ptr<const ServiceModel>(std::move(model));
}

Result<std::shared_ptr<const ServiceModel>> ServiceModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ApiError{"InternalError", "cannot read service model " + path};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str());
}

std::vector<std::string> ServiceModel::operation_names() const {
  std::vector<std::string> names;
  for (const auto& [name, op] : operations_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

const Operation* ServiceModel::operation(std::string_view action) const {
  auto it = operations_.find(std::string(action));
  return it == operations_.end() ? nullptr : &it->second;
}

const Shape* ServiceModel::shape(std::string_view name) const {
  auto it = shapes_.find(std::string(name));
  return it == shapes_.end() ? nullptr : it->second.get();
}

std::optional<int> ServiceModel::error_status(std::string_view code) const {
  auto it = error_statuses_.find(std::string(code));
  if (it == error_statuses_.end()) return std::nullopt;
  return it->second;
}

}  // namespace stratus::api
