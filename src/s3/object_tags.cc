#include "s3/object_tags.h"

#include <set>

#include "api/query_decoder.h"

namespace stratus::s3 {

nlohmann::json tags_from_header(const std::string& header) {
  nlohmann::json tags = nlohmann::json::array();
  auto pairs = api::parse_form(header);
  if (!pairs.ok()) return tags;
  for (const auto& [key, value] : pairs.value()) tags.push_back({{"Key", key}, {"Value", value}});
  return tags;
}

std::optional<ApiError> tag_set_problem(const nlohmann::json& tags, size_t max) {
  if (tags.size() > max) {
    return ApiError{"InvalidTag", "Object tags cannot be greater than " + std::to_string(max)};
  }
  std::set<std::string> keys;
  for (const nlohmann::json& tag : tags) {
    std::string key = tag.value("Key", "");
    std::string value = tag.value("Value", "");
    if (key.empty() || key.size() > 128) return ApiError{"InvalidTag", "The TagKey you have provided is invalid"};
    if (value.size() > 256) return ApiError{"InvalidTag", "The TagValue you have provided is invalid"};
    if (key.rfind("aws:", 0) == 0) return ApiError{"InvalidTag", "System tags cannot be added/updated by requester"};
    if (!keys.insert(key).second) return ApiError{"InvalidTag", "Cannot provide multiple Tags with the same key"};
  }
  return std::nullopt;
}

}  // namespace stratus::s3
