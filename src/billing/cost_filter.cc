#include "billing/cost_filter.h"

#include <algorithm>
#include <cctype>

namespace stratus::billing {
namespace {

using nlohmann::json;

ApiError invalid(const std::string& message) { return ApiError{"ValidationException", message}; }

// True when `value` matches one of `values` under `options` (EQUALS unless STARTS_WITH,
// ENDS_WITH or CONTAINS; CASE_INSENSITIVE folds case).
bool matches_any(std::string value, const json& values, const json& options) {
  auto has = [&](const char* option) { return std::find(options.begin(), options.end(), option) != options.end(); };
  bool fold = has("CASE_INSENSITIVE");
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  if (fold) value = lower(value);
  for (const json& v : values) {
    std::string want = fold ? lower(v.get<std::string>()) : v.get<std::string>();
    bool hit = has("STARTS_WITH")  ? value.rfind(want, 0) == 0
               : has("ENDS_WITH")  ? value.size() >= want.size() && value.compare(value.size() - want.size(), want.size(), want) == 0
               : has("CONTAINS")   ? value.find(want) != std::string::npos
                                   : value == want;
    if (hit) return true;
  }
  return false;
}

}  // namespace

// The value of Cost Explorer dimension `key` for `segment` of `account`, or nullopt when the
// dimension is not one stratus reports.
std::optional<std::string> dimension(const Segment& segment, const std::string& key, const std::string& account) {
  bool instance = !segment.instance_type.empty();
  if (key == "SERVICE") return segment.service;
  if (key == "USAGE_TYPE") return segment.usage_type;
  if (key == "REGION") return segment.region;
  if (key == "AZ") return segment.zone.empty() ? "NoAZ" : segment.zone;
  if (key == "INSTANCE_TYPE") return instance ? segment.instance_type : "NoInstanceType";
  if (key == "LINKED_ACCOUNT") return account;
  if (key == "PURCHASE_TYPE") return instance ? "On Demand Instances" : "On Demand";
  if (key == "RECORD_TYPE") return "Usage";
  if (key == "OPERATING_SYSTEM" || key == "PLATFORM") return instance ? "Linux" : "NoOperatingSystem";
  if (key == "TENANCY") return instance ? "Shared" : "NoTenancy";
  return std::nullopt;
}

// The value of tag `key` on `segment`, or nullopt.
std::optional<std::string> tag(const Segment& segment, const std::string& key) {
  for (const json& t : segment.tags) {
    if (t.value("Key", "") == key) return t.value("Value", "");
  }
  return std::nullopt;
}

// Checks a Filter expression: exactly one of And, Or, Not, Dimensions, Tags at each level, and
// only dimensions stratus reports.
std::optional<ApiError> expression_problem(const json& e) {
  int parts = 0;
  for (const char* name : {"And", "Or", "Not", "Dimensions", "Tags", "CostCategories"}) parts += e.contains(name) ? 1 : 0;
  if (parts != 1) return invalid("Expression must have exactly one of And, Or, Not, Dimensions, Tags and CostCategories");
  if (e.contains("CostCategories")) return invalid("Cost categories are not kept by this stratus region");
  for (const char* name : {"And", "Or"}) {
    if (!e.contains(name)) continue;
    if (e[name].size() < 2) return invalid(std::string(name) + " expression must have at least 2 operands");
    for (const json& operand : e[name]) {
      if (auto problem = expression_problem(operand)) return problem;
    }
  }
  if (e.contains("Not")) return expression_problem(e["Not"]);
  if (e.contains("Dimensions") && !dimension(Segment{}, e["Dimensions"].value("Key", ""), "")) {
    return invalid("Dimension " + e["Dimensions"].value("Key", "") + " is not allowed here");
  }
  return std::nullopt;
}

// True when `segment` passes Filter expression `e` (checked by expression_problem).
bool passes(const json& e, const Segment& segment, const std::string& account) {
  if (e.contains("And")) {
    return std::all_of(e["And"].begin(), e["And"].end(), [&](const json& o) { return passes(o, segment, account); });
  }
  if (e.contains("Or")) {
    return std::any_of(e["Or"].begin(), e["Or"].end(), [&](const json& o) { return passes(o, segment, account); });
  }
  if (e.contains("Not")) return !passes(e["Not"], segment, account);
  if (e.contains("Dimensions")) {
    const json& d = e["Dimensions"];
    auto value = dimension(segment, d.value("Key", ""), account);
    return value && matches_any(*value, d.value("Values", json::array()), d.value("MatchOptions", json::array()));
  }
  const json& t = e["Tags"];
  auto value = tag(segment, t.value("Key", ""));
  const json options = t.value("MatchOptions", json::array());
  if (std::find(options.begin(), options.end(), "ABSENT") != options.end()) return !value;
  return value && matches_any(*value, t.value("Values", json::array()), options);
}

}  // namespace stratus::billing
