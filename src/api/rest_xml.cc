#include "api/rest_xml.h"

#include <pugixml.hpp>

#include "api/rest_members.h"
#include "api/xml_encoder.h"
#include "common/ascii_case.h"
#include "common/timestamp.h"

namespace stratus::api {
namespace {

using nlohmann::json;

ApiError malformed_xml() {
  return ApiError{"MalformedXML",
                  "The XML you provided was not well-formed or did not validate against our published schema"};
}

// The typed value of `text` for a scalar `shape` (timestamps: an HTTP date or ISO 8601 in,
// ISO 8601 out); InvalidArgument naming `where` when it does not parse.
Result<json> scalar(const Shape& shape, const std::string& text, const std::string& where) {
  auto invalid = [&] { return ApiError{"InvalidArgument", "Invalid value '" + text + "' for " + where + "."}; };
  switch (shape.type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      try {
        size_t used = 0;
        int64_t value = std::stoll(text, &used);
        if (used != text.size()) return invalid();
        return json(value);
      } catch (const std::exception&) {
        return invalid();
      }
    }
    case ShapeType::kBoolean:
      if (iequals_ascii(text, "true")) return json(true);
      if (iequals_ascii(text, "false")) return json(false);
      return invalid();
    case ShapeType::kTimestamp: {
      auto seconds = parse_http_date(text);
      if (!seconds) seconds = parse_iso8601(text);
      if (!seconds) return invalid();
      return json(format_iso8601(*seconds));
    }
    default:
      return json(text);
  }
}

// The typed value of XML element `node` laid out by `shape`.
Result<json> from_xml(const Shape& shape, pugi::xml_node node, const std::string& where);

// The typed structure in `node`'s children.
Result<json> structure_from_xml(const Shape& shape, pugi::xml_node node, const std::string& where) {
  json out = json::object();
  for (const Member& m : shape.members) {
    if (m.shape == nullptr || m.location != Location::kBody) continue;
    if (m.shape->type == ShapeType::kList && m.shape->flattened) {
      json items = json::array();
      for (pugi::xml_node child : node.children(m.xml_name.c_str())) {
        auto item = from_xml(*m.shape->element.shape, child, where + "." + m.xml_name);
        if (!item.ok()) return item.error();
        items.push_back(std::move(item.value()));
      }
      if (!items.empty()) out[m.name] = std::move(items);
      continue;
    }
    pugi::xml_node child = node.child(m.xml_name.c_str());
    if (!child) continue;
    auto value = from_xml(*m.shape, child, where + "." + m.xml_name);
    if (!value.ok()) return value.error();
    out[m.name] = std::move(value.value());
  }
  for (const std::string& required : shape.required) {
    if (!out.contains(required)) return malformed_xml();
  }
  return out;
}

Result<json> from_xml(const Shape& shape, pugi::xml_node node, const std::string& where) {
  switch (shape.type) {
    case ShapeType::kStructure:
      return structure_from_xml(shape, node, where);
    case ShapeType::kList: {
      json items = json::array();
      if (shape.element.shape == nullptr) return items;
      for (pugi::xml_node child : node.children(shape.element.xml_name.c_str())) {
        auto item = from_xml(*shape.element.shape, child, where);
        if (!item.ok()) return item.error();
        items.push_back(std::move(item.value()));
      }
      return items;
    }
    case ShapeType::kMap:
      return malformed_xml();  // no S3 request body carries a map
    default: {
      auto value = scalar(shape, node.text().get(), where);
      if (!value.ok()) return malformed_xml();
      return value;
    }
  }
}

// The members of `shape` that travel in the body.
bool has_body_members(const Shape& shape) {
  for (const Member& m : shape.members) {
    if (m.location == Location::kBody) return true;
  }
  return false;
}

}  // namespace

Result<json> decode_rest_xml_request(const Operation& operation, const std::map<std::string, std::string>& labels,
                                     const std::vector<std::pair<std::string, std::string>>& query,
                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                     const std::string& body) {
  json out = json::object();
  const Shape* input = operation.input;
  if (input == nullptr) return out;
  for (const Member& m : input->members) {
    if (m.shape == nullptr) continue;
    if (m.location == Location::kHeaders) {
      json map = json::object();
      for (const auto& [name, value] : headers) {
        if (name.size() > m.location_name.size() && iequals_ascii(name.substr(0, m.location_name.size()), m.location_name)) {
          map[name.substr(m.location_name.size())] = value;
        }
      }
      if (!map.empty()) out[m.name] = std::move(map);
      continue;
    }
    if (m.location == Location::kBody) {
      if (m.name != input->payload || body.empty()) continue;
      if (m.shape->type == ShapeType::kString) {  // a document as the whole body (a bucket policy)
        out[m.name] = body;
        continue;
      }
      if (m.shape->type != ShapeType::kStructure) continue;
      pugi::xml_document doc;
      if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) return malformed_xml();
      pugi::xml_node root = doc.document_element();
      if (std::string(root.name()) != m.xml_name) return malformed_xml();
      auto value = structure_from_xml(*m.shape, root, m.xml_name);
      if (!value.ok()) return value.error();
      out[m.name] = std::move(value.value());
      continue;
    }
    std::optional<std::string> text = member_text(m, labels, query, headers);
    if (!text) continue;
    auto value = scalar(*m.shape, *text, m.location_name);
    if (!value.ok()) return value.error();
    out[m.name] = std::move(value.value());
  }
  for (const std::string& required : input->required) {
    if (out.contains(required)) continue;
    for (const Member& m : input->members) {
      // A missing XML payload: S3 says the body did not validate.
      if (m.name == required && m.location == Location::kBody && m.shape->type == ShapeType::kStructure) {
        return malformed_xml();
      }
    }
  }
  return out;
}

HttpResponse encode_rest_xml_response(const Operation& operation, const json& result, const std::string& root,
                                      const std::string& xmlns) {
  HttpResponse response;
  response.status = operation.response_code;
  response.content_type = "";
  const Shape* output = operation.output;
  if (output == nullptr) return response;
  for (const Member& m : output->members) {
    auto it = result.find(m.name);
    if (it == result.end() || it->is_null() || m.shape == nullptr) continue;
    if (m.location == Location::kHeaders) {
      for (const auto& [key, value] : it->items()) {
        response.headers.emplace_back(m.location_name + key, value.is_string() ? value.get<std::string>() : value.dump());
      }
    } else if (m.location == Location::kHeader) {
      std::string text = it->is_string() ? it->get<std::string>() : it->dump();
      if (m.shape->type == ShapeType::kTimestamp) {
        if (auto seconds = parse_iso8601(text)) text = format_http_date(*seconds);
      }
      response.headers.emplace_back(m.location_name, text);
    }
  }
  pugi::xml_document doc;
  if (!output->payload.empty()) {
    auto it = result.find(output->payload);
    if (it == result.end()) return response;
    for (const Member& m : output->members) {
      if (m.name != output->payload || m.shape == nullptr) continue;
      if (m.shape->type == ShapeType::kStructure) {
        append_xml_value(doc, m.xml_name, *m.shape, *it);
        doc.document_element().append_attribute("xmlns").set_value(xmlns.c_str());
        response.content_type = "application/xml";
        response.body = render_xml_document(doc);
      } else if (it->is_string() && m.shape->type != ShapeType::kBlob) {
        response.body = it->get<std::string>();
      }
    }
    return response;
  }
  if (!has_body_members(*output)) return response;
  pugi::xml_node top = doc.append_child(root.c_str());
  top.append_attribute("xmlns").set_value(xmlns.c_str());
  for (const Member& m : output->members) {
    auto it = result.find(m.name);
    if (m.location != Location::kBody || it == result.end() || it->is_null() || m.shape == nullptr) continue;
    append_xml_value(top, m.xml_name, *m.shape, *it);
  }
  response.content_type = "application/xml";
  response.body = render_xml_document(doc);
  return response;
}

}  // namespace stratus::api
