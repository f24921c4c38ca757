#include "billing/cost_explorer.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "billing/ledger.h"
#include "common/timestamp.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

ApiError invalid(const std::string& message) { return ApiError{"ValidationException", message}; }

// A period's bounds as Unix seconds: [start, end).
struct Period {
  int64_t start = 0;
  int64_t end = 0;
};

// "YYYY-MM-DD" (midnight UTC), or with HOURLY granularity also "YYYY-MM-DDThh:mm:ssZ".
std::optional<int64_t> parse_day(const std::string& text, bool hourly) {
  if (text.size() == 10) return parse_iso8601(text + "T00:00:00Z");
  if (hourly) return parse_iso8601(text);
  return std::nullopt;
}

std::string format_day(int64_t t, bool hourly) {
  std::string iso = format_iso8601_seconds(t);
  return hourly ? iso : iso.substr(0, 10);
}

Result<Period> period_of(const json& request, bool hourly) {
  const json& interval = request.value("TimePeriod", json::object());
  auto start = parse_day(interval.value("Start", ""), hourly);
  auto end = parse_day(interval.value("End", ""), hourly);
  if (!start || !end) {
    return invalid(hourly ? "Start and End must be dates (YYYY-MM-DD) or times (YYYY-MM-DDThh:mm:ssZ)"
                          : "Start and End must be dates in the form YYYY-MM-DD");
  }
  if (*start >= *end) return invalid("Start date (and hour) should be before end date (and hour)");
  return Period{*start, *end};
}

// The windows GetCostAndUsage reports: days, hours, or the months' parts within the period.
std::vector<Period> windows(const Period& period, const std::string& granularity) {
  std::vector<Period> out;
  for (int64_t t = period.start; t < period.end;) {
    int64_t next = granularity == "HOURLY"    ? t - t % 3600 + 3600
                   : granularity == "MONTHLY" ? next_month_start(t)
                                              : t - t % 86400 + 86400;
    out.push_back({t, std::min(next, period.end)});
    t = next;
  }
  return out;
}

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

// Renders an amount as Cost Explorer does: a decimal string.
std::string amount_text(double amount) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, amount, std::chars_format::fixed, 10);
  std::string text(buf, end);
  while (text.size() > 1 && text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// Sums of one group in one window.
struct Sums {
  double cost = 0;
  double quantity = 0;
  std::set<std::string> units;
};

const std::set<std::string>& cost_metrics() {
  static const std::set<std::string> kNames = {"AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost",
                                               "UnblendedCost"};
  return kNames;
}

json metrics_json(const Sums& sums, const json& metrics) {
  json out = json::object();
  for (const json& m : metrics) {
    std::string name = m.get<std::string>();
    if (name == "UsageQuantity" || name == "NormalizedUsageAmount") {
      std::string unit = sums.units.size() == 1 ? *sums.units.begin() : "N/A";
      out[name] = {{"Amount", amount_text(sums.quantity)}, {"Unit", unit}};
    } else {
      out[name] = {{"Amount", amount_text(sums.cost)}, {"Unit", "USD"}};
    }
  }
  return out;
}

std::vector<Segment> read_segments(store::Store& store) {
  auto txn = store.begin_read();
  return all_segments(*txn);
}

}  // namespace

bool CostExplorer::implements(std::string_view action) const {
  return action == "GetCostAndUsage" || action == "GetCostForecast" || action == "GetDimensionValues" ||
         action == "GetTags";
}

Result<json> CostExplorer::call(const api::ServiceCall& call) {
  if (call.action == "GetCostAndUsage") return cost_and_usage(call);
  if (call.action == "GetCostForecast") return cost_forecast(call);
  if (call.action == "GetDimensionValues") return dimension_values(call);
  return tags(call);
}

std::vector<Result<json>> CostExplorer::call_batch(const std::vector<api::ServiceCall>& calls) {
  std::vector<Result<json>> out;
  for (const api::ServiceCall& c : calls) out.push_back(call(c));
  return out;
}

Result<json> CostExplorer::cost_and_usage(const api::ServiceCall& call) {
  const json& request = call.request;
  std::string granularity = request.value("Granularity", "");
  if (granularity != "DAILY" && granularity != "MONTHLY" && granularity != "HOURLY") {
    return invalid("Granularity must be one of DAILY, MONTHLY, HOURLY");
  }
  auto period = period_of(request, granularity == "HOURLY");
  if (!period.ok()) return period.error();
  const json metrics = request.value("Metrics", json::array());
  if (metrics.empty()) return invalid("Metrics must not be empty");
  for (const json& m : metrics) {
    std::string name = m.get<std::string>();
    if (!cost_metrics().count(name) && name != "UsageQuantity" && name != "NormalizedUsageAmount") {
      return invalid("Metrics (" + name + ") is not valid; expected one of AmortizedCost, BlendedCost, "
                     "NetAmortizedCost, NetUnblendedCost, NormalizedUsageAmount, UnblendedCost, UsageQuantity");
    }
  }
  const json groups = request.value("GroupBy", json::array());
  if (groups.size() > 2) return invalid("GroupBy may name at most 2 dimensions or tag keys");
  for (const json& g : groups) {
    std::string type = g.value("Type", "");
    if (type == "DIMENSION" && !dimension(Segment{}, g.value("Key", ""), "")) {
      return invalid("Group Definition dimension is invalid. Valid values are AZ, INSTANCE_TYPE, LINKED_ACCOUNT, "
                     "OPERATING_SYSTEM, PLATFORM, PURCHASE_TYPE, RECORD_TYPE, REGION, SERVICE, TENANCY, USAGE_TYPE");
    }
    if (type != "DIMENSION" && type != "TAG") return invalid("Group Definition type must be DIMENSION or TAG here");
  }
  const json filter = request.value("Filter", json());
  if (!filter.is_null()) {
    if (auto problem = expression_problem(filter)) return *problem;
  }
  int64_t now = now_();
  std::vector<Segment> segments = read_segments(store_);
  json results = json::array();
  for (const Period& window : windows(period.value(), granularity)) {
    Sums total;
    std::map<std::vector<std::string>, Sums> by_group;
    for (const Segment& segment : segments) {
      if (!filter.is_null() && !passes(filter, segment, call.account_id)) continue;
      Accrued a = accrued(segment, window.start, window.end, now);
      if (a.quantity == 0) continue;
      std::vector<std::string> keys;
      for (const json& g : groups) {
        std::string key = g.value("Key", "");
        if (g.value("Type", "") == "TAG") keys.push_back(key + "$" + tag(segment, key).value_or(""));
        else keys.push_back(*dimension(segment, key, call.account_id));
      }
      Sums& sums = groups.empty() ? total : by_group[keys];
      sums.cost += a.cost;
      sums.quantity += a.quantity;
      sums.units.insert(segment.unit);
    }
    bool hourly = granularity == "HOURLY";
    json result = {{"TimePeriod", {{"Start", format_day(window.start, hourly)}, {"End", format_day(window.end, hourly)}}},
                   {"Total", groups.empty() ? metrics_json(total, metrics) : json::object()},
                   {"Groups", json::array()},
                   {"Estimated", window.end > now}};
    for (const auto& [keys, sums] : by_group) result["Groups"].push_back({{"Keys", keys}, {"Metrics", metrics_json(sums, metrics)}});
    results.push_back(std::move(result));
  }
  json out = {{"ResultsByTime", std::move(results)}, {"DimensionValueAttributes", json::array()}};
  if (!groups.empty()) out["GroupDefinitions"] = groups;
  return out;
}

Result<json> CostExplorer::cost_forecast(const api::ServiceCall& call) {
  const json& request = call.request;
  std::string granularity = request.value("Granularity", "");
  if (granularity != "DAILY" && granularity != "MONTHLY") return invalid("Granularity must be DAILY or MONTHLY");
  auto period = period_of(request, false);
  if (!period.ok()) return period.error();
  int64_t now = now_();
  if (period.value().start < now - now % 86400) return invalid("Start date must be equal to or later than the current date");
  static const std::map<std::string, bool> kMetrics = {  // metric -> whether it is a cost
      {"AMORTIZED_COST", true}, {"BLENDED_COST", true}, {"NET_AMORTIZED_COST", true}, {"NET_UNBLENDED_COST", true},
      {"UNBLENDED_COST", true}, {"USAGE_QUANTITY", false}, {"NORMALIZED_USAGE_AMOUNT", false}};
  auto metric = kMetrics.find(request.value("Metric", ""));
  if (metric == kMetrics.end()) return invalid("Metric is not valid");
  // What accrues now goes on accruing: each open segment carried over the period from now.
  std::vector<Segment> open;
  for (Segment& s : read_segments(store_)) {
    if (!s.end) open.push_back(std::move(s));
  }
  auto forecast = [&](const Period& w) {
    double sum = 0;
    for (const Segment& s : open) {
      Accrued a = accrued(s, std::max(w.start, now), w.end, std::max(w.end, now));
      sum += metric->second ? a.cost : a.quantity;
    }
    return sum;
  };
  json by_time = json::array();
  double total = 0;
  for (const Period& w : windows(period.value(), granularity)) {
    double value = forecast(w);
    total += value;
    by_time.push_back({{"TimePeriod", {{"Start", format_day(w.start, false)}, {"End", format_day(w.end, false)}}},
                       {"MeanValue", amount_text(value)}});
  }
  return json{{"Total", {{"Amount", amount_text(total)}, {"Unit", metric->second ? "USD" : "N/A"}}},
              {"ForecastResultsByTime", std::move(by_time)}};
}

Result<json> CostExplorer::dimension_values(const api::ServiceCall& call) {
  const json& request = call.request;
  auto period = period_of(request, false);
  if (!period.ok()) return period.error();
  std::string key = request.value("Dimension", "");
  if (!dimension(Segment{}, key, "")) return invalid("Dimension " + key + " is not reported by this stratus region");
  std::string search = request.value("SearchString", "");
  int64_t now = now_();
  std::set<std::string> values;
  for (const Segment& s : read_segments(store_)) {
    if (accrued(s, period.value().start, period.value().end, now).quantity == 0) continue;
    std::string value = *dimension(s, key, call.account_id);
    if (value.find(search) != std::string::npos) values.insert(value);
  }
  json out = json::array();
  for (const std::string& v : values) out.push_back({{"Value", v}, {"Attributes", json::object()}});
  return json{{"DimensionValues", out}, {"ReturnSize", values.size()}, {"TotalSize", values.size()}};
}

Result<json> CostExplorer::tags(const api::ServiceCall& call) {
  const json& request = call.request;
  auto period = period_of(request, false);
  if (!period.ok()) return period.error();
  std::string key = request.value("TagKey", "");
  std::string search = request.value("SearchString", "");
  int64_t now = now_();
  std::set<std::string> found;
  for (const Segment& s : read_segments(store_)) {
    if (accrued(s, period.value().start, period.value().end, now).quantity == 0) continue;
    for (const json& t : s.tags) {
      std::string value = key.empty() ? t.value("Key", "") : t.value("Key", "") == key ? t.value("Value", "") : "";
      if (!value.empty() && value.find(search) != std::string::npos) found.insert(value);
    }
  }
  return json{{"Tags", std::vector<std::string>(found.begin(), found.end())},
              {"ReturnSize", found.size()},
              {"TotalSize", found.size()}};
}

}  // namespace stratus::billing
