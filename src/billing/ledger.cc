#include "billing/ledger.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "billing/meter.h"

namespace stratus::billing {

using nlohmann::json;

Segment segment_from(const store::Record& record) {
  const json& d = record.doc;
  Segment s;
  s.resource = d.value("Resource", "");
  s.region = record.region;
  s.zone = d.value("AvailabilityZone", "");
  s.usage_type = d.value("UsageType", "");
  s.service = d.value("Service", "");
  s.unit = d.value("Unit", "");
  s.instance_type = d.value("InstanceType", "");
  s.quantity = d.value("Quantity", 1.0);
  s.price = d.value("Price", 0.0);
  s.priced = d.value("Priced", true);
  s.minimum_seconds = d.value("MinimumSeconds", int64_t{0});
  s.start = d.value("Start", int64_t{0});
  if (d.contains("End")) s.end = d["End"].get<int64_t>();
  s.tags = d.value("Tags", json::array());
  return s;
}

std::vector<Segment> all_segments(store::Transaction& txn) {
  std::vector<Segment> out;
  txn.visit(kUsageKind, std::nullopt, [&](const store::Record& record) { out.push_back(segment_from(record)); });
  return out;
}

std::vector<std::shared_ptr<const Segment>> SegmentCache::read(store::Transaction& txn) {
  std::vector<std::shared_ptr<const Segment>> out;
  std::lock_guard lock(mu_);
  txn.visit(kUsageKind, std::nullopt, [&](const store::Record& record) {
    auto cached = closed_.find(record.id);
    if (cached != closed_.end()) {
      out.push_back(cached->second);
      return;
    }
    auto segment = std::make_shared<const Segment>(segment_from(record));
    if (segment->end) closed_.emplace(record.id, segment);
    out.push_back(std::move(segment));
  });
  return out;
}

int64_t month_start(int64_t t) {
  time_t at = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&at, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<int64_t>(timegm(&tm));
}

int64_t next_month_start(int64_t t) {
  time_t at = static_cast<time_t>(month_start(t));
  std::tm tm{};
  gmtime_r(&at, &tm);
  tm.tm_mon += 1;  // timegm normalises December + 1
  return static_cast<int64_t>(timegm(&tm));
}

Accrued accrued(const Segment& segment, int64_t from, int64_t to, int64_t now) {
  int64_t end = segment.end ? std::max(*segment.end, segment.start + segment.minimum_seconds) : now;
  int64_t a = std::max(from, segment.start), b = std::min(to, end);
  Accrued out;
  if (b <= a) return out;
  bool monthly = segment.unit.size() > 3 && segment.unit.compare(segment.unit.size() - 3, 3, "-Mo") == 0;
  if (!monthly) {
    out.quantity = segment.quantity * static_cast<double>(b - a) / 3600.0;
  } else {
    for (int64_t m = month_start(a); m < b; m = next_month_start(m)) {
      int64_t next = next_month_start(m);
      int64_t held = std::min(b, next) - std::max(a, m);
      out.quantity += segment.quantity * static_cast<double>(held) / static_cast<double>(next - m);
    }
  }
  out.cost = out.quantity * segment.price;
  return out;
}

Accrued projected(const Segment& segment, int64_t from, int64_t to, int64_t now) {
  if (segment.end) return {};
  return accrued(segment, std::max(from, now), to, std::max(to, now));
}

std::string amount_text(double amount) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, amount, std::chars_format::fixed, 10);
  std::string text(buf, end);
  while (text.size() > 1 && text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace stratus::billing
