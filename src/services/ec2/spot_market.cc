#include "services/ec2/spot_market.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/digest.h"
#include "common/timestamp.h"
#include "compute/instance_state.h"
#include "services/ec2/catalog.h"
#include "model/instance.h"

namespace stratus::ec2 {
namespace {

// The price of an idle host's capacity, as a share of the on-demand price.
constexpr double kFloor = 0.30;
// How long price history is kept (AWS: 90 days).
constexpr int64_t kHistorySeconds = 90 * 86400;
// The products stratus's instances are (Linux), as DescribeSpotPriceHistory names them.
const char* const kProducts[] = {"Linux/UNIX", "Linux/UNIX (Amazon VPC)"};

// Zones differ a little: 0, 2 or 4% more by the zone's letter.
double zone_factor(const std::string& zone) {
  if (zone.empty()) return 1;
  return 1 + 0.02 * ((zone.back() - 'a') % 3);
}

// The utilisation steps recorded, oldest first: (time, utilisation).
std::vector<std::pair<int64_t, double>> steps(CallContext& ctx) {
  std::vector<std::pair<int64_t, double>> out;
  for (const store::Record& r : ctx.txn.list(kSpotMarketKind, std::string())) {
    out.emplace_back(r.doc.value("Time", int64_t{0}), r.doc.value("Utilisation", 0.0));
  }
  // By time; steps of one second keep the order they were recorded in (the store's).
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// The time given as `member` of `request` (ISO 8601), or `otherwise`.
int64_t time_of(const json& request, const char* member, int64_t otherwise) {
  if (!request.contains(member)) return otherwise;
  return parse_iso8601(request[member].get<std::string>()).value_or(otherwise);
}

// The values of filter `name` in `request`'s Filters, or nullopt when it has none.
std::optional<std::vector<std::string>> filter_values(const json& request, const std::string& name) {
  for (const json& f : request.value("Filters", json::array())) {
    if (f.value("Name", "") == name) return f.value("Values", json::array()).get<std::vector<std::string>>();
  }
  return std::nullopt;
}

bool allowed(const std::optional<std::vector<std::string>>& values, const std::string& value) {
  return !values || std::find(values->begin(), values->end(), value) != values->end();
}

}  // namespace

double host_utilisation(CallContext& ctx) {
  const HostCapacity* capacity = ctx.capacity;
  if (capacity == nullptr || (capacity->memory_mib == 0 && capacity->vcpus == 0)) return 0;
  int64_t memory = 0, vcpus = 0;
  for (const auto& record : ctx.txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!compute::holds_host(instance.status.state)) continue;
    memory += instance.spec.memory_mib + capacity->overhead_mib_per_vm;
    vcpus += instance.spec.vcpus;
  }
  double used = 0;
  if (capacity->memory_mib > 0) used = static_cast<double>(memory) / static_cast<double>(capacity->memory_mib);
  if (capacity->vcpus > 0) used = std::max(used, static_cast<double>(vcpus) / static_cast<double>(capacity->vcpus));
  return std::floor(std::min(used, 1.0) * 20) / 20;
}

std::optional<double> on_demand_price(CallContext& ctx, const std::string& type) {
  return ctx.on_demand_price ? (*ctx.on_demand_price)(type, ctx.region) : ctx.catalog.hourly_price(type, ctx.region);
}

std::optional<double> spot_price(CallContext& ctx, const std::string& type, const std::string& zone,
                                 double utilisation) {
  std::optional<double> on_demand = on_demand_price(ctx, type);
  if (!on_demand) return std::nullopt;
  double share = std::min(1.0, (kFloor + (1 - kFloor) * utilisation * utilisation) * zone_factor(zone));
  return std::round(*on_demand * share * 1e6) / 1e6;
}

double utilisation_at(CallContext& ctx, int64_t at) {
  double out = 0;
  for (const auto& [time, utilisation] : steps(ctx)) {
    if (time > at) break;
    out = utilisation;
  }
  return out;
}

bool record_utilisation(CallContext& ctx, double utilisation) {
  auto recorded = steps(ctx);
  if (!recorded.empty() && recorded.back().second == utilisation) return false;
  if (recorded.empty() && utilisation == 0) return false;  // 0 is what an empty history means
  // Forget steps older than the history kept, bar the one in force at its start.
  const int64_t cutoff = ctx.now - kHistorySeconds;
  std::vector<store::Record> records = ctx.txn.list(kSpotMarketKind, std::string());
  std::stable_sort(records.begin(), records.end(),
                   [](const store::Record& a, const store::Record& b) { return a.doc.value("Time", 0) < b.doc.value("Time", 0); });
  for (size_t i = 0; i + 1 < records.size() && records[i + 1].doc.value("Time", int64_t{0}) <= cutoff; ++i) {
    ctx.txn.erase(records[i].id);
  }
  char id[64];
  std::snprintf(id, sizeof id, "spot-market-%012lld-", static_cast<long long>(ctx.now));
  ctx.txn.put({id + to_hex(random_bytes(4)), kSpotMarketKind, "", {{"Time", ctx.now}, {"Utilisation", utilisation}}});
  return true;
}

std::string price_text(double usd) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", usd);
  return text;
}

json describe_spot_price_history(CallContext& ctx, const json& request) {
  const int64_t end = std::min(time_of(request, "EndTime", ctx.now), ctx.now);
  const int64_t start = std::min(time_of(request, "StartTime", end - 86400), end);
  if (ctx.now - start > kHistorySeconds) {
    fail("InvalidParameterValue", "The start time must be within the last 90 days.");
  }
  const Region* region = ctx.catalog.region(ctx.region);
  auto types = filter_values(request, "instance-type");
  if (request.contains("InstanceTypes")) types = request["InstanceTypes"].get<std::vector<std::string>>();
  auto zones = filter_values(request, "availability-zone");
  if (request.contains("AvailabilityZone")) zones = std::vector<std::string>{request["AvailabilityZone"].get<std::string>()};
  auto products = filter_values(request, "product-description");
  if (request.contains("ProductDescriptions")) products = request["ProductDescriptions"].get<std::vector<std::string>>();
  if (!products) products = std::vector<std::string>{kProducts[0]};
  // The steps in force over [start, end]: the one at start, then each change up to end.
  std::vector<std::pair<int64_t, double>> window = {{start, utilisation_at(ctx, start)}};
  for (const auto& step : steps(ctx)) {
    if (step.first > start && step.first <= end) window.push_back(step);
  }
  json entries = json::array();
  for (auto step = window.rbegin(); step != window.rend(); ++step) {  // newest first
    for (const nlohmann::json* info : region->instance_types) {
      std::string type = info->value("InstanceType", "");
      if (!allowed(types, type)) continue;
      for (const Zone& zone : region->zones) {
        if (!allowed(zones, zone.name) || !zone.offers_offered_type(type)) continue;
        auto price = spot_price(ctx, type, zone.name, step->second);
        if (!price) continue;
        for (const char* product : kProducts) {
          if (!allowed(products, product)) continue;
          entries.push_back({{"AvailabilityZone", zone.name},
                             {"InstanceType", type},
                             {"ProductDescription", product},
                             {"SpotPrice", price_text(*price)},
                             {"Timestamp", format_iso8601(step->first)}});
        }
      }
    }
  }
  // Pages of MaxResults (1000 at most), the token an offset into the same answer.
  size_t from = 0;
  if (request.contains("NextToken")) {
    std::string token = request["NextToken"].get<std::string>();
    if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos || token.size() > 9) {
      fail("InvalidNextToken", "The token '" + token + "' is not valid.");
    }
    from = std::stoul(token);
  }
  size_t count = static_cast<size_t>(std::clamp<int64_t>(request.value("MaxResults", int64_t{1000}), 1, 1000));
  json page = json::array();
  for (size_t i = from; i < entries.size() && i < from + count; ++i) page.push_back(entries[i]);
  json out = {{"SpotPriceHistory", page}};
  out["NextToken"] = from + count < entries.size() ? std::to_string(from + count) : "";
  return out;
}

}  // namespace stratus::ec2
