#include "api/xml_encoder.h"

#include <cmath>
#include <pugixml.hpp>
#include <sstream>

#include "api/xml_text.h"

namespace stratus::api {
namespace {

using nlohmann::json;

// Writes a string sink for pugixml.
struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

std::string scalar_text(const json& value) {
  if (value.is_string()) return to_xml_text(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d)) + ".0";
    std::ostringstream s;
    s.precision(15);
    s << d;
    return s.str();
  }
  return value.dump();
}

void encode_members(pugi::xml_node node, const Shape& shape, const json& value) {
  if (!value.is_object()) return;
  for (const Member& member : shape.members) {
    if (member.shape == nullptr) continue;
    auto it = value.find(member.name);
    if (it == value.end() || it->is_null()) continue;
    append_xml_value(node, member.xml_name, *member.shape, *it);
  }
}

void encode_items(pugi::xml_node parent, const std::string& name, const Shape& shape, const json& value) {
  if (!value.is_array() || shape.element.shape == nullptr) return;
  if (shape.flattened) {
    for (const json& item : value) append_xml_value(parent, name, *shape.element.shape, item);
    return;
  }
  pugi::xml_node wrapper = parent.append_child(name.c_str());
  for (const json& item : value) append_xml_value(wrapper, shape.element.xml_name, *shape.element.shape, item);
}

}  // namespace

std::string render_xml_document(const pugi::xml_document& doc) {
  StringWriter writer;
  doc.save(writer, "", pugi::format_raw | pugi::format_no_declaration);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + writer.out;
}

void append_xml_value(pugi::xml_node parent, const std::string& name, const Shape& shape, const json& value) {
  switch (shape.type) {
    case ShapeType::kStructure:
      encode_members(parent.append_child(name.c_str()), shape, value);
      return;
    case ShapeType::kList:
      encode_items(parent, name, shape, value);
      return;
    case ShapeType::kMap: {
      if (!value.is_object() || shape.element.shape == nullptr) return;
      pugi::xml_node wrapper = shape.flattened ? parent : parent.append_child(name.c_str());
      for (const auto& [k, v] : value.items()) {
        pugi::xml_node entry = wrapper.append_child(shape.flattened ? name.c_str() : "entry");
        entry.append_child(shape.key.xml_name.c_str()).text().set(to_xml_text(k).c_str());
        append_xml_value(entry, shape.element.xml_name, *shape.element.shape, v);
      }
      return;
    }
    default:
      parent.append_child(name.c_str()).text().set(scalar_text(value).c_str());
  }
}

std::string encode_response(const ServiceModel& model, const Operation& operation, const json& result,
                            const std::string& request_id) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child((operation.name + "Response").c_str());
  root.append_attribute("xmlns").set_value(model.xml_namespace().c_str());
  bool has_members = operation.output != nullptr && !operation.output->members.empty();
  if (model.protocol() == Protocol::kQuery) {
    pugi::xml_node body = root.append_child((operation.name + "Result").c_str());
    if (has_members) encode_members(body, *operation.output, result);
    root.append_child("ResponseMetadata").append_child("RequestId").text().set(request_id.c_str());
    return render_xml_document(doc);
  }
  root.append_child("requestId").text().set(request_id.c_str());
  if (has_members) {
    encode_members(root, *operation.output, result);
  } else {
    root.append_child("return").text().set("true");
  }
  return render_xml_document(doc);
}

std::string encode_error(const ApiError& error, const std::string& request_id, const ServiceModel* model,
                         bool sender_fault) {
  pugi::xml_document doc;
  if (model != nullptr && model->protocol() == Protocol::kQuery) {
    pugi::xml_node root = doc.append_child("ErrorResponse");
    root.append_attribute("xmlns").set_value(model->xml_namespace().c_str());
    pugi::xml_node e = root.append_child("Error");
    e.append_child("Type").text().set(sender_fault ? "Sender" : "Receiver");
    e.append_child("Code").text().set(to_xml_text(error.code).c_str());
    e.append_child("Message").text().set(to_xml_text(error.message).c_str());
    root.append_child("RequestId").text().set(request_id.c_str());
    return render_xml_document(doc);
  }
  pugi::xml_node root = doc.append_child("Response");
  pugi::xml_node e = root.append_child("Errors").append_child("Error");
  e.append_child("Code").text().set(to_xml_text(error.code).c_str());
  e.append_child("Message").text().set(to_xml_text(error.message).c_str());
  root.append_child("RequestID").text().set(request_id.c_str());
  return render_xml_document(doc);
}

}  // namespace stratus::api
