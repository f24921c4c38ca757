#pragma once
// The Cost Explorer API (botocore model ce/2017-10-25, JSON protocol) over the usage the Meter
// keeps: GetCostAndUsage (DAILY, MONTHLY or HOURLY windows; the cost metrics, all of them the
// on-demand cost here, and UsageQuantity; GroupBy up to two dimensions or tag keys; Filter
// expressions of Dimensions, Tags, And, Or and Not), GetCostForecast (the run rate of what accrues
// now, carried over the period), GetDimensionValues and GetTags. Cost Explorer is global: every
// region's usage is reported, whichever region a call is signed for.

#include <cstdint>
#include <functional>

#include "api/query_service.h"
#include "billing/ledger.h"
#include "store/store.h"

namespace stratus::billing {

class CostExplorer : public api::QueryService {
 public:
  // `now`: the clock open usage runs to. REQUIRES: `store` outlives the service.
  CostExplorer(store::Store& store, std::function<int64_t()> now) : store_(store), now_(std::move(now)) {}

  bool implements(std::string_view action) const override;
  bool mutates(std::string_view action) const override { return false; }
  Result<nlohmann::json> call(const api::ServiceCall& call) override;
  std::vector<Result<nlohmann::json>> call_batch(const std::vector<api::ServiceCall>& calls) override;

 private:
  Result<nlohmann::json> cost_and_usage(const api::ServiceCall& call);
  Result<nlohmann::json> cost_forecast(const api::ServiceCall& call);
  Result<nlohmann::json> dimension_values(const api::ServiceCall& call);
  Result<nlohmann::json> tags(const api::ServiceCall& call);

  // Every usage segment now (cached: see SegmentCache).
  std::vector<std::shared_ptr<const Segment>> read_segments();

  store::Store& store_;
  std::function<int64_t()> now_;
  SegmentCache segments_;
};

}  // namespace stratus::billing
