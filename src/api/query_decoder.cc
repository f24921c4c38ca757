#include "api/query_decoder.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "api/xml_text.h"
#include "common/base64.h"
#include "common/timestamp.h"

namespace stratus::api {
namespace {

using nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one form component ('+' is a space).
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return true;
}

// The parameters as a tree: "Filter.1.Value.2" becomes Filter -> 1 -> Value -> 2.
struct Node {
  std::string key;       // full dotted key, for error messages
  std::string value;
  bool has_value = false;
  std::map<std::string, Node> children;
};

ApiError invalid_value(const std::string& key, const std::string& value, const std::string& why) {
  return ApiError{"InvalidParameterValue", "Invalid value '" + value + "' for " + key + ": " + why};
}

Result<json> decode_node(const Shape& shape, const Node& node);

Result<json> decode_scalar(const Shape& shape, const Node& node) {
  if (!node.children.empty() || !node.has_value) {
    const std::string& name = node.children.empty() ? node.key : node.children.begin()->second.key;
    return ApiError{"UnknownParameter", "The parameter " + name + " is not recognized"};
  }
  const std::string& v = node.value;
  switch (shape.type) {
    case ShapeType::kBoolean: {
      std::string lower = v;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower == "true") return json(true);
      if (lower == "false") return json(false);
      return invalid_value(node.key, v, "expected true or false");
    }
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size()) return invalid_value(node.key, v, "expected an integer");
      // EC2 refuses a number out of range as it decodes; Query services (IAM) check their
      // constraints themselves and answer ValidationError (api/constraints.h).
      if (shape.protocol == Protocol::kEc2 && ((shape.min && n < *shape.min) || (shape.max && n > *shape.max))) {
        return ApiError{"InvalidParameterValue",
                        "Value (" + v + ") for parameter " + node.key + " is invalid. Expected a value between " +
                            std::to_string(shape.min.value_or(INT64_MIN)) + " and " +
                            std::to_string(shape.max.value_or(INT64_MAX)) + "."};
      }
      return json(n);
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      try {
        size_t used = 0;
        double d = std::stod(v, &used);
        if (used != v.size()) return invalid_value(node.key, v, "expected a number");
        return json(d);
      } catch (const std::exception&) {
        return invalid_value(node.key, v, "expected a number");
      }
    }
    case ShapeType::kTimestamp: {
      if (!parse_iso8601(v)) return invalid_value(node.key, v, "expected an ISO 8601 timestamp");
      return json(v);
    }
    case ShapeType::kBlob: {
      if (!base64_decode(v)) {
        return invalid_value(node.key, v.size() > 40 ? v.substr(0, 40) + "..." : v, "expected base64");
      }
      return json(v);
    }
    default:
      return json(v);
  }
}

Result<json> decode_structure(const Shape& shape, const Node& node) {
  if (node.has_value && node.children.empty() && !shape.members.empty()) {
    return ApiError{"InvalidParameterValue", "Parameter " + node.key + " must be a structure"};
  }
  json out = json::object();
  for (const auto& [name, child] : node.children) {
    auto it = shape.by_query_name.find(name);
    if (it == shape.by_query_name.end()) {
      return ApiError{"UnknownParameter", "The parameter " + child.key + " is not recognized"};
    }
    const Member& member = shape.members[it->second];
    if (member.shape == nullptr) continue;
    auto value = decode_node(*member.shape, child);
    if (!value.ok()) return value.error();
    out[member.name] = std::move(value.value());
  }
  for (const std::string& required : shape.required) {
    if (!out.contains(required)) {
      std::string wire = required;
      for (const Member& m : shape.members) {
        if (m.name == required) wire = m.query_name;
      }
      std::string prefix = node.key.empty() ? "" : node.key + ".";
      return ApiError{"MissingParameter", "The request must contain the parameter " + prefix + wire};
    }
  }
  return out;
}

// Orders list children by their numeric index; rejects non-numeric ones.
Result<std::vector<const Node*>> indexed_children(const Node& node) {
  std::vector<std::pair<int64_t, const Node*>> items;
  for (const auto& [index, child] : node.children) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
    if (ec != std::errc() || end != index.data() + index.size() || n < 1) {
      return ApiError{"UnknownParameter", "The parameter " + child.key + " is not recognized"};
    }
    items.emplace_back(n, &child);
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Node*> ordered;
  for (const auto& item : items) ordered.push_back(item.second);
  return ordered;
}

Result<json> decode_list(const Shape& shape, const Node& node) {
  // The Query protocol sends an empty list as "Name=".
  if (!shape.list_step.empty() && node.has_value && node.children.empty() && node.value.empty()) return json::array();
  if (node.has_value && node.children.empty()) {
    // A scalar given where a list belongs: AWS clients never send this; treat as one element.
    if (shape.element.shape == nullptr) return json::array();
    auto value = decode_node(*shape.element.shape, node);
    if (!value.ok()) return value.error();
    return json::array({value.value()});
  }
  const Node* items = &node;
  if (!shape.list_step.empty()) {
    auto it = node.children.find(shape.list_step);
    if (it == node.children.end()) return json::array();  // "Name=" alone: an empty list
    items = &it->second;
  }
  auto ordered = indexed_children(*items);
  if (!ordered.ok()) return ordered.error();
  json out = json::array();
  for (const Node* child : ordered.value()) {
    if (shape.element.shape == nullptr) continue;
    auto value = decode_node(*shape.element.shape, *child);
    if (!value.ok()) return value.error();
    out.push_back(std::move(value.value()));
  }
  return out;
}

Result<json> decode_map(const Shape& shape, const Node& node) {
  const Node* entries = &node;
  if (!shape.flattened) {
    auto it = node.children.find("entry");
    if (it == node.children.end()) return json::object();
    entries = &it->second;
  }
  auto ordered = indexed_children(*entries);
  if (!ordered.ok()) return ordered.error();
  json out = json::object();
  const std::string key_name = shape.key.query_name == "key" ? "key" : shape.key.query_name;
  const std::string value_name = shape.element.query_name == "value" ? "value" : shape.element.query_name;
  for (const Node* entry : ordered.value()) {
    auto k = entry->children.find(key_name);
    auto v = entry->children.find(value_name);
    if (k == entry->children.end() || !k->second.has_value) {
      return ApiError{"MissingParameter", "The request must contain the parameter " + entry->key + "." + key_name};
    }
    if (v == entry->children.end() || shape.element.shape == nullptr) continue;
    auto value = decode_node(*shape.element.shape, v->second);
    if (!value.ok()) return value.error();
    out[k->second.value] = std::move(value.value());
  }
  return out;
}

Result<json> decode_node(const Shape& shape, const Node& node) {
  switch (shape.type) {
    case ShapeType::kStructure:
      return decode_structure(shape, node);
    case ShapeType::kList:
      return decode_list(shape, node);
    case ShapeType::kMap:
      return decode_map(shape, node);
    default:
      return decode_scalar(shape, node);
  }
}

// True when `part` is a list or map index as clients send it: 1 to 18 decimal digits.
bool is_index(std::string_view part) {
  return !part.empty() && part.size() <= 18 && part.find_first_not_of("0123456789") == std::string_view::npos;
}

// True when the model lets `input` have a parameter called `name` ("Filter.1.Value.2"): each
// dotted part must be a member of the structure it sits in, or an index into a list or map.
// The walk follows the model, so a name is never deeper than the model's shapes.
bool model_has_parameter(const Shape* input, std::string_view name) {
  const Shape* shape = input;
  // A map's entry is reached over "entry" (unless flattened), then its index, then "key"/"value"
  // (as decode_map reads them; EC2's model has no maps, other Query models such as SQS's do).
  enum class MapStep { kNone, kEntry, kIndex, kMember } map_step = MapStep::kNone;
  // A Query protocol list's element is reached over its list_step ("member"), then its index.
  bool past_list_step = false;
  size_t pos = 0;
  while (true) {
    size_t dot = name.find('.', pos);
    std::string_view part = name.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (shape == nullptr || part.empty()) return false;
    switch (shape->type) {
      case ShapeType::kStructure: {
        auto it = shape->by_query_name.find(std::string(part));
        if (it == shape->by_query_name.end()) return false;
        shape = shape->members[it->second].shape;
        break;
      }
      case ShapeType::kList:
        if (!shape->list_step.empty() && !past_list_step) {
          if (part != shape->list_step) return false;
          past_list_step = true;
          break;
        }
        if (!is_index(part)) return false;
        past_list_step = false;
        shape = shape->element.shape;
        break;
      case ShapeType::kMap:
        if (map_step == MapStep::kNone) map_step = shape->flattened ? MapStep::kIndex : MapStep::kEntry;
        if (map_step == MapStep::kEntry) {
          if (part != "entry") return false;
          map_step = MapStep::kIndex;
        } else if (map_step == MapStep::kIndex) {
          if (!is_index(part)) return false;
          map_step = MapStep::kMember;
        } else {
          if (part == shape->key.query_name) return dot == std::string_view::npos;
          if (part != shape->element.query_name) return false;
          shape = shape->element.shape;
          map_step = MapStep::kNone;
        }
        break;
      default:
        return false;  // a scalar has no parts below it
    }
    if (dot == std::string_view::npos) {
      return (map_step == MapStep::kNone || map_step == MapStep::kEntry) && !past_list_step;
    }
    pos = dot + 1;
  }
}

}  // namespace

Result<QueryParams> parse_form(std::string_view body) {
  QueryParams params;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view part = body.substr(pos, amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string name, value;
      if (!percent_decode(part.substr(0, eq), name) ||
          (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), value))) {
        return ApiError{"MalformedQueryString", "The query string contains an invalid percent-encoding"};
      }
      params.emplace_back(std::move(name), std::move(value));
    }
    pos = amp + 1;
  }
  return params;
}

bool is_protocol_parameter(std::string_view name) {
  return name == "Action" || name == "Version" || name.rfind("X-Amz-", 0) == 0 || name == "AWSAccessKeyId" ||
         name == "SignatureMethod" || name == "SignatureVersion" || name == "Signature" || name == "Timestamp";
}

Result<nlohmann::json> decode_request(const Shape* input, const QueryParams& params) {
  Node root;
  for (const auto& [name, value] : params) {
    if (is_protocol_parameter(name)) continue;
    // Checked before anything is built, so a name the model cannot have costs nothing.
    if (!model_has_parameter(input, name)) {
      std::string shown = name.size() > 128 ? name.substr(0, 128) + "..." : name;
      return ApiError{"UnknownParameter", "The parameter " + shown + " is not recognized"};
    }
    Node* node = &root;
    size_t pos = 0;
    while (true) {
      size_t dot = name.find('.', pos);
      std::string part = name.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
      Node& child = node->children[part];
      child.key = name.substr(0, dot);
      node = &child;
      if (dot == std::string::npos) break;
      pos = dot + 1;
    }
    if (node->has_value) {
      return ApiError{"InvalidParameterValue", "The parameter " + name + " was given more than once"};
    }
    // The name is the model's (ASCII); the value is scanned once on the usual path.
    if (!is_xml_text(value)) {
      if (!is_utf8(value)) return ApiError{"InvalidCharacter", "The request contains bytes that are not valid UTF-8"};
      return ApiError{"InvalidParameterValue", "Value for parameter " + name +
                                                   " contains a control character, which is not allowed"};
    }
    node->value = value;
    node->has_value = true;
  }
  if (input == nullptr) return json::object();  // model_has_parameter refused every name
  return decode_structure(*input, root);
}

}  // namespace stratus::api
