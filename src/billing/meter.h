#pragma once
// Metering from the store's own state transitions: each billable resource record (an instance,
// a volume, a snapshot, an Elastic IP) accrues a set of rates that follows from its document
// alone (a running instance its BoxUsage hours and, holding an automatic public address, public
// IPv4 hours; a volume its GB-months and provisioned IOPS/throughput above the baseline; a
// completed snapshot the GB-months of the blocks it added; an Elastic IP its address hours).
// When a write changes that set, the Meter closes the resource's open usage segments and opens
// new ones, in the same store transaction as the change itself: a segment is a durable,
// append-only record (kind "usage") of one rate over [Start, End), so usage survives restarts
// and kill -9 with no second lost or billed twice.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "billing/price_book.h"
#include "store/store.h"

namespace stratus::billing {

// The store kind of usage segments.
inline constexpr const char* kUsageKind = "usage";

// One priced quantity a resource accrues while its document stays as it is.
struct Rate {
  std::string usage_type;      // AWS's: "USE1-BoxUsage:t3.micro", "USE1-EBS:VolumeUsage.gp3"
  std::string service;         // Cost Explorer's SERVICE: "Amazon Elastic Compute Cloud - Compute", ...
  std::string unit;            // "Hrs", or a monthly unit: "GB-Mo", "IOPS-Mo", "MiBps-Mo"
  double quantity = 1;         // units per hour ("Hrs"), or units held (monthly units, prorated)
  double price = 0;            // USD per unit
  bool priced = true;          // false: no price is known (the usage is kept, its cost is 0)
  int64_t minimum_seconds = 0; // a new segment is billed at least this long (60 for an instance start)
  std::string instance_type;   // Cost Explorer's INSTANCE_TYPE, or ""
  bool operator==(const Rate&) const = default;
};

// The rates `record` accrues now (none for kinds that are not billed).
std::vector<Rate> rates_of(const store::Record& record, const PriceBook& prices);

// Keeps usage segments in step with the records written.
class Meter {
 public:
  // `now`: the clock segments are stamped with (Unix seconds). REQUIRES: `prices` outlives it.
  Meter(const PriceBook& prices, std::function<int64_t()> now);

  // True when records of `kind` may accrue usage.
  static bool meters(const std::string& kind);

  // Follows the change of one record from `before` to `after` (nullopt: absent) within `txn`:
  // when the rates differ (or the record's zone or tags do), closes the record's open segments
  // and opens one per new rate. A rate that goes on keeps what is left of its minimum.
  void on_change(store::Transaction& txn, const std::optional<store::Record>& before,
                 const std::optional<store::Record>& after) const;

 private:
  const PriceBook& prices_;
  std::function<int64_t()> now_;
};

}  // namespace stratus::billing
