#include "api/constraints.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

namespace stratus::api {
namespace {

using nlohmann::json;

// The longest string matched against a pattern (std::regex recurses per character).
constexpr size_t kLongestPatterned = 2048;

// The compiled pattern of `shape`, or null when it has none or it does not compile here.
const std::regex* pattern_of(const Shape& shape) {
  static std::mutex mu;
  static std::map<const Shape*, std::unique_ptr<std::regex>> compiled;
  std::lock_guard<std::mutex> lock(mu);
  auto it = compiled.find(&shape);
  if (it != compiled.end()) return it->second.get();
  std::unique_ptr<std::regex> regex;
  // Unicode classes (\p{L}) are Java's: std::regex would read them as letters and refuse
  // everything, so such patterns are not checked.
  if (shape.pattern.find("\\p{") != std::string::npos || shape.pattern.find("\\P{") != std::string::npos) {
    return compiled.emplace(&shape, nullptr).first->second.get();
  }
  try {
    regex = std::make_unique<std::regex>(shape.pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error&) {
    regex = nullptr;  // a Java construct std::regex lacks: the pattern is not checked
  }
  return compiled.emplace(&shape, std::move(regex)).first->second.get();
}

// `name` with its first letter in lower case, as AWS names members in these messages.
std::string lower_camel(std::string name) {
  if (!name.empty()) name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

// Adds to `problems` what is wrong with `value` (of `shape`, at `path`).
void check(const Shape& shape, const json& value, const std::string& path, std::vector<std::string>& problems) {
  auto problem = [&](const std::string& shown, const std::string& constraint) {
    problems.push_back("Value " + shown + " at '" + path + "' failed to satisfy constraint: Member must " + constraint);
  };
  switch (shape.type) {
    case ShapeType::kStructure:
      if (!value.is_object()) return;
      for (const Member& member : shape.members) {
        if (value.contains(member.name) && member.shape != nullptr) {
          check(*member.shape, value[member.name], path.empty() ? lower_camel(member.name)
                                                                : path + "." + lower_camel(member.name), problems);
        }
      }
      return;
    case ShapeType::kList:
      if (!value.is_array() || shape.element.shape == nullptr) return;
      if (shape.min && static_cast<int64_t>(value.size()) < *shape.min) {
        problem("'" + value.dump() + "'", "have length greater than or equal to " + std::to_string(*shape.min));
      }
      if (shape.max && static_cast<int64_t>(value.size()) > *shape.max) {
        problem("'" + value.dump() + "'", "have length less than or equal to " + std::to_string(*shape.max));
      }
      for (size_t i = 0; i < value.size(); ++i) {
        check(*shape.element.shape, value[i], path + "." + std::to_string(i + 1) + ".member", problems);
      }
      return;
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      if (!value.is_number_integer()) return;
      int64_t n = value.get<int64_t>();
      if (shape.min && n < *shape.min) {
        problem("'" + std::to_string(n) + "'", "have value greater than or equal to " + std::to_string(*shape.min));
      }
      if (shape.max && n > *shape.max) {
        problem("'" + std::to_string(n) + "'", "have value less than or equal to " + std::to_string(*shape.max));
      }
      return;
    }
    case ShapeType::kString: {
      if (!value.is_string()) return;
      const std::string& text = value.get_ref<const std::string&>();
      std::string shown = "'" + text + "'";
      if (shape.min && static_cast<int64_t>(text.size()) < *shape.min) {
        problem(shown, "have length greater than or equal to " + std::to_string(*shape.min));
      }
      if (shape.max && static_cast<int64_t>(text.size()) > *shape.max) {
        problem(shown, "have length less than or equal to " + std::to_string(*shape.max));
      }
      if (!shape.enum_values.empty() &&
          std::find(shape.enum_values.begin(), shape.enum_values.end(), text) == shape.enum_values.end()) {
        std::string allowed;
        for (const std::string& v : shape.enum_values) allowed += (allowed.empty() ? "" : ", ") + v;
        problem(shown, "satisfy enum value set: [" + allowed + "]");
      }
      if (!shape.pattern.empty() && text.size() <= kLongestPatterned) {
        const std::regex* regex = pattern_of(shape);
        if (regex != nullptr && !std::regex_match(text, *regex)) {
          problem(shown, "satisfy regular expression pattern: " + shape.pattern);
        }
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace

std::optional<ApiError> check_constraints(const Shape* input, const json& request) {
  if (input == nullptr) return std::nullopt;
  std::vector<std::string> problems;
  check(*input, request, "", problems);
  if (problems.empty()) return std::nullopt;
  std::string message = std::to_string(problems.size()) + " validation error" + (problems.size() > 1 ? "s" : "") +
                        " detected: ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return ApiError{"ValidationError", message};
}

}  // namespace stratus::api
