// Cost Explorer over metered usage with a clock the test sets: totals per window, groups by
// dimension and tag that sum to the total, filters, the forecast of what runs now, and the
// validation errors AWS gives.

#include "billing/cost_explorer.h"

#include <gtest/gtest.h>

#include "billing/metered_region.h"
#include "model/volume.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

constexpr int64_t kDec1 = 1796083200;  // 2026-12-01T00:00:00Z

class CostExplorerTest : public ::testing::Test {
 protected:
  CostExplorerTest() {
    // Two Elastic IPs, tagged team=a and team=b, from midnight; team b's released at 06:00;
    // an untagged 730 GiB gp2 volume from noon.
    address("eipalloc-a", "a");
    address("eipalloc-b", "b");
    region_.now = kDec1 + 6 * 3600;
    region_.write([](store::Transaction& t) { t.erase("eipalloc-b"); });
    region_.now = kDec1 + 12 * 3600;
    model::Volume volume;
    volume.spec.volume_id = "vol-1";
    volume.spec.volume_type = "gp2";
    volume.spec.size_gib = 730;
    volume.spec.availability_zone = "us-east-1b";
    volume.status.state = model::VolumeState::kAvailable;
    region_.write([&](store::Transaction& t) { t.put({"vol-1", "volume", "us-east-1", model::volume_doc(volume)}); });
    region_.now = kDec1 + 86400 + 12 * 3600;  // noon on the 2nd
  }

  void address(const std::string& id, const std::string& team) {
    region_.write([&](store::Transaction& t) {
      t.put({id, "address", "us-east-1", {{"AllocationId", id}, {"Tags", {{{"Key", "team"}, {"Value", team}}}}}});
    });
  }

  Result<json> ask(const std::string& action, json request) {
    api::ServiceCall call;
    call.action = action;
    call.account_id = "123456789012";
    call.request = std::move(request);
    return explorer_.call(call);
  }

  static double amount(const json& metric) { return std::stod(metric["Amount"].get<std::string>()); }

  MeteredRegion region_{"cost-explorer", kDec1};
  CostExplorer explorer_{region_.metered, [this] { return region_.now; }};
};

TEST_F(CostExplorerTest, DailyTotalsAndGroupsThatSumToThem) {
  json period = {{"Start", "2026-12-01"}, {"End", "2026-12-03"}};
  auto total = ask("GetCostAndUsage", {{"TimePeriod", period}, {"Granularity", "DAILY"},
                                       {"Metrics", {"UnblendedCost", "UsageQuantity"}}});
  ASSERT_TRUE(total.ok()) << total.error().message;
  const json& days = total.value()["ResultsByTime"];
  ASSERT_EQ(days.size(), 2u);
  // Day 1: 24 + 6 address hours, and half a day of 730 GB in a 31-day month.
  double gb_months_day1 = 730.0 * 12 / (31 * 24);
  EXPECT_NEAR(amount(days[0]["Total"]["UnblendedCost"]), 30 * 0.005 + gb_months_day1 * 0.10, 1e-6);
  EXPECT_EQ(days[0]["Total"]["UsageQuantity"]["Unit"], "N/A");  // hours and GB-months together
  EXPECT_FALSE(days[0]["Estimated"].get<bool>());
  EXPECT_TRUE(days[1]["Estimated"].get<bool>());  // the day is not over
  // Day 2 so far: 12 address hours, 12 hours of the volume.
  EXPECT_NEAR(amount(days[1]["Total"]["UnblendedCost"]), 12 * 0.005 + gb_months_day1 * 0.10, 1e-6);

  for (json group_by : {json{{"Type", "DIMENSION"}, {"Key", "SERVICE"}}, json{{"Type", "TAG"}, {"Key", "team"}}}) {
    auto grouped = ask("GetCostAndUsage", {{"TimePeriod", period}, {"Granularity", "DAILY"},
                                           {"Metrics", {"UnblendedCost"}}, {"GroupBy", {group_by}}});
    ASSERT_TRUE(grouped.ok());
    const json& day = grouped.value()["ResultsByTime"][0];
    EXPECT_TRUE(day["Total"].empty());
    double sum = 0;
    for (const json& g : day["Groups"]) sum += amount(g["Metrics"]["UnblendedCost"]);
    EXPECT_NEAR(sum, amount(days[0]["Total"]["UnblendedCost"]), 1e-9);
    std::vector<std::string> keys;
    for (const json& g : day["Groups"]) keys.push_back(g["Keys"][0]);
    if (group_by["Type"] == "TAG") {
      EXPECT_EQ(keys, (std::vector<std::string>{"team$", "team$a", "team$b"}));
    } else {
      EXPECT_EQ(keys, (std::vector<std::string>{"Amazon Virtual Private Cloud", "EC2 - Other"}));
    }
  }
}

TEST_F(CostExplorerTest, FiltersByDimensionAndTag) {
  json period = {{"Start", "2026-12-01"}, {"End", "2026-12-02"}};
  auto team_a = ask("GetCostAndUsage",
                    {{"TimePeriod", period}, {"Granularity", "MONTHLY"}, {"Metrics", {"UsageQuantity"}},
                     {"Filter", {{"And", {{{"Tags", {{"Key", "team"}, {"Values", {"a"}}}}},
                                          {{"Dimensions", {{"Key", "USAGE_TYPE"}, {"Values", {"USE1-PublicIPv4:IdleAddress"}}}}}}}}}});
  ASSERT_TRUE(team_a.ok()) << team_a.error().message;
  const json& usage = team_a.value()["ResultsByTime"][0]["Total"]["UsageQuantity"];
  EXPECT_NEAR(amount(usage), 24, 1e-9);
  EXPECT_EQ(usage["Unit"], "Hrs");
  auto untagged = ask("GetCostAndUsage", {{"TimePeriod", period}, {"Granularity", "DAILY"}, {"Metrics", {"UsageQuantity"}},
                                          {"Filter", {{"Tags", {{"Key", "team"}, {"MatchOptions", {"ABSENT"}}}}}}});
  EXPECT_EQ(untagged.value()["ResultsByTime"][0]["Total"]["UsageQuantity"]["Unit"], "GB-Mo");
}

TEST_F(CostExplorerTest, ForecastCarriesWhatRunsNow) {
  auto forecast = ask("GetCostForecast", {{"TimePeriod", {{"Start", "2026-12-03"}, {"End", "2026-12-05"}}},
                                          {"Granularity", "DAILY"}, {"Metric", "UNBLENDED_COST"}});
  ASSERT_TRUE(forecast.ok()) << forecast.error().message;
  double per_day = 24 * 0.005 + 730.0 / 31 * 0.10;  // the address and the volume go on
  EXPECT_NEAR(amount(forecast.value()["Total"]), 2 * per_day, 1e-6);
  EXPECT_EQ(forecast.value()["ForecastResultsByTime"].size(), 2u);
}

TEST_F(CostExplorerTest, DimensionValuesAndTags) {
  json period = {{"Start", "2026-12-01"}, {"End", "2026-12-03"}};
  auto zones = ask("GetDimensionValues", {{"TimePeriod", period}, {"Dimension", "AZ"}});
  ASSERT_TRUE(zones.ok());
  EXPECT_EQ(zones.value()["DimensionValues"].size(), 2u);  // NoAZ (the addresses) and us-east-1b
  auto keys = ask("GetTags", {{"TimePeriod", period}});
  EXPECT_EQ(keys.value()["Tags"], json({"team"}));
  auto values = ask("GetTags", {{"TimePeriod", period}, {"TagKey", "team"}});
  EXPECT_EQ(values.value()["Tags"], json({"a", "b"}));
}

TEST_F(CostExplorerTest, RefusesWhatAwsRefuses) {
  json period = {{"Start", "2026-12-03"}, {"End", "2026-12-01"}};
  auto backwards = ask("GetCostAndUsage", {{"TimePeriod", period}, {"Granularity", "DAILY"}, {"Metrics", {"UnblendedCost"}}});
  EXPECT_EQ(backwards.error().code, "ValidationException");
  json ok_period = {{"Start", "2026-12-01"}, {"End", "2026-12-03"}};
  EXPECT_EQ(ask("GetCostAndUsage", {{"TimePeriod", ok_period}, {"Granularity", "DAILY"}, {"Metrics", {"Dollars"}}})
                .error().code, "ValidationException");
  EXPECT_EQ(ask("GetCostAndUsage", {{"TimePeriod", ok_period}, {"Granularity", "DAILY"}, {"Metrics", {"UnblendedCost"}},
                                    {"GroupBy", {{{"Type", "DIMENSION"}, {"Key", "COLOUR"}}}}})
                .error().code, "ValidationException");
  EXPECT_EQ(ask("GetCostForecast", {{"TimePeriod", {{"Start", "2026-11-01"}, {"End", "2026-11-02"}}},
                                    {"Granularity", "DAILY"}, {"Metric", "UNBLENDED_COST"}})
                .error().code, "ValidationException");  // a forecast of the past
}

}  // namespace
}  // namespace stratus::billing
