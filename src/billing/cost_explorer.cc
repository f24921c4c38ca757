#include "billing/cost_explorer.h"

#include <algorithm>
#include <map>
#include <set>

#include "billing/cost_filter.h"
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

// Sums of one group in one window.
struct Sums {
  double cost = 0;
  double quantity = 0;
  std::string unit;    // the unit of what was added ("" for nothing yet)
  bool mixed = false;  // quantities of more than one unit were added

  // Adds `a`, measured in `of_unit`.
  void add(const Accrued& a, const std::string& of_unit) {
    cost += a.cost;
    quantity += a.quantity;
    if (unit.empty()) unit = of_unit;
    mixed = mixed || unit != of_unit;
  }
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
      std::string unit = sums.mixed || sums.unit.empty() ? "N/A" : sums.unit;
      out[name] = {{"Amount", amount_text(sums.quantity)}, {"Unit", unit}};
    } else {
      out[name] = {{"Amount", amount_text(sums.cost)}, {"Unit", "USD"}};
    }
  }
  return out;
}


}  // namespace

std::vector<std::shared_ptr<const Segment>> CostExplorer::read_segments() {
  auto txn = store_.begin_read();
  return segments_.read(*txn);
}

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
  const auto segments = read_segments();
  // Each segment is filtered and grouped once, then added to the windows it overlaps.
  const std::vector<Period> spans = windows(period.value(), granularity);
  std::vector<Sums> totals(spans.size());
  std::vector<std::map<std::vector<std::string>, Sums>> by_group(spans.size());
  for (const auto& held : segments) {
    const Segment& segment = *held;
    int64_t until = segment.end ? std::max(*segment.end, segment.start + segment.minimum_seconds) : now;
    if (until <= period.value().start || segment.start >= period.value().end) continue;
    if (!filter.is_null() && !passes(filter, segment, call.account_id)) continue;
    std::vector<std::string> keys;
    for (const json& g : groups) {
      std::string key = g.value("Key", "");
      if (g.value("Type", "") == "TAG") keys.push_back(key + "$" + tag(segment, key).value_or(""));
      else keys.push_back(*dimension(segment, key, call.account_id));
    }
    auto first = std::upper_bound(spans.begin(), spans.end(), segment.start,
                                  [](int64_t t, const Period& w) { return t < w.end; });
    for (auto w = first; w != spans.end() && w->start < until; ++w) {
      Accrued a = accrued(segment, w->start, w->end, now);
      if (a.quantity == 0) continue;
      size_t i = static_cast<size_t>(w - spans.begin());
      (groups.empty() ? totals[i] : by_group[i][keys]).add(a, segment.unit);
    }
  }
  json results = json::array();
  bool hourly = granularity == "HOURLY";
  for (size_t i = 0; i < spans.size(); ++i) {
    const Period& window = spans[i];
    json result = {{"TimePeriod", {{"Start", format_day(window.start, hourly)}, {"End", format_day(window.end, hourly)}}},
                   {"Total", groups.empty() ? metrics_json(totals[i], metrics) : json::object()},
                   {"Groups", json::array()},
                   {"Estimated", window.end > now}};
    for (const auto& [keys, sums] : by_group[i]) {
      result["Groups"].push_back({{"Keys", keys}, {"Metrics", metrics_json(sums, metrics)}});
    }
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
  const auto segments = read_segments();
  auto forecast = [&](const Period& w) {
    double sum = 0;
    for (const auto& held : segments) {
      const Segment& s = *held;
      Accrued a = projected(s, w.start, w.end, now);
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
  for (const auto& held : read_segments()) {
    const Segment& s = *held;
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
  for (const auto& held : read_segments()) {
    const Segment& s = *held;
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
