#pragma once
// Reading usage: the segments the Meter keeps, and what each accrued within a period.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace stratus::billing {

// One usage segment: one rate of one resource over [start, end).
struct Segment {
  std::string resource;       // the resource's id
  std::string region;
  std::string zone;           // its availability zone, or "" (an Elastic IP)
  std::string usage_type;
  std::string service;
  std::string unit;
  std::string instance_type;  // or ""
  double quantity = 1;
  double price = 0;
  bool priced = true;
  int64_t minimum_seconds = 0;
  int64_t start = 0;
  std::optional<int64_t> end;  // nullopt while open
  nlohmann::json tags = nlohmann::json::array();
};

// The segment of a usage record.
Segment segment_from(const store::Record& record);

// Every usage segment, oldest first.
std::vector<Segment> all_segments(store::Transaction& txn);

// The usage segments of a store, read through a cache of the closed ones: a closed segment never
// changes again, so each is parsed once, and a reader of the whole ledger (Cost Explorer) copies
// nothing. Thread-safe.
class SegmentCache {
 public:
  // Every segment in `txn`, oldest first.
  std::vector<std::shared_ptr<const Segment>> read(store::Transaction& txn);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Segment>> closed_;  // by record id; GUARDED_BY(mu_)
};

// Usage and its cost.
struct Accrued {
  double quantity = 0;  // in the segment's unit
  double cost = 0;      // USD
};

// What `segment` accrued within [from, to) as of `now`: an open segment runs until `now`, a
// closed one until its end or for its minimum, whichever is longer. Hourly units accrue per
// second; monthly units (GB-Mo, ...) prorate over the length of each calendar month (UTC) they
// fall in, as AWS does.
Accrued accrued(const Segment& segment, int64_t from, int64_t to, int64_t now);

// What `segment` will accrue within [from, to) if it stays as it is at `now`: nothing once it has
// ended, else what it accrues from `now` on (the run rate, for forecasts).
Accrued projected(const Segment& segment, int64_t from, int64_t to, int64_t now);

// `amount` as AWS's billing APIs render amounts: a decimal string, to ten places at most, with no
// trailing zeros ("0.12", "3").
std::string amount_text(double amount);

// The start of the calendar month (UTC) that holds `t`, and of the next one.
int64_t month_start(int64_t t);
int64_t next_month_start(int64_t t);

}  // namespace stratus::billing
