#include "billing/bill_report.h"

#include <cstdio>
#include <map>
#include <tuple>

#include "common/timestamp.h"

namespace stratus::billing {
namespace {

std::string format(const char* spec, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, value);
  return buf;
}

}  // namespace

std::string render_bill(const std::vector<Segment>& segments, int64_t from, int64_t to, int64_t now) {
  struct Line {
    double quantity = 0;
    double cost = 0;
    bool unpriced = false;
    std::string unit;
  };
  std::map<std::string, double> by_service;
  std::map<std::tuple<std::string, std::string, std::string>, Line> by_resource;  // (region, resource, usage type)
  double total = 0;
  for (const Segment& s : segments) {
    Accrued a = accrued(s, from, to, now);
    if (a.quantity == 0) continue;
    by_service[s.service] += a.cost;
    Line& line = by_resource[{s.region, s.resource, s.usage_type}];
    line.quantity += a.quantity;
    line.cost += a.cost;
    line.unpriced = line.unpriced || !s.priced;
    line.unit = s.unit;
    total += a.cost;
  }
  std::string out = "Bill from " + format_iso8601_seconds(from) + " to " + format_iso8601_seconds(std::min(to, now)) +
                    " (USD, on-demand prices)\n\n";
  char row[256];
  std::snprintf(row, sizeof row, "%-44s %12s\n", "SERVICE", "COST");
  out += row;
  for (const auto& [service, cost] : by_service) {
    std::snprintf(row, sizeof row, "%-44s %12s\n", service.c_str(), format("%.4f", cost).c_str());
    out += row;
  }
  std::snprintf(row, sizeof row, "\n%-15s %-24s %-38s %12s %-8s %12s\n", "REGION", "RESOURCE", "USAGE TYPE", "QUANTITY",
                "UNIT", "COST");
  out += row;
  for (const auto& [key, line] : by_resource) {
    const auto& [region, resource, usage_type] = key;
    std::snprintf(row, sizeof row, "%-15s %-24s %-38s %12s %-8s %12s%s\n", region.c_str(), resource.c_str(),
                  usage_type.c_str(), format("%.4f", line.quantity).c_str(), line.unit.c_str(),
                  format("%.4f", line.cost).c_str(), line.unpriced ? "  (no price known)" : "");
    out += row;
  }
  out += "\nTOTAL " + format("%.4f", total) + " USD\n";
  return out;
}

}  // namespace stratus::billing
