// Budgets over metered usage with a clock the test sets: spend of the period so far and its
// forecast, filters, notifications that go into alarm, and AWS's errors.

#include "billing/budgets.h"

#include <gtest/gtest.h>

#include "billing/metered_region.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

constexpr const char* kAccount = "123456789012";
constexpr int64_t kDec1 = 1796083200;  // 2026-12-01T00:00:00Z

class BudgetsTest : public ::testing::Test {
 protected:
  BudgetsTest() {
    // Two Elastic IPs for the first ten days of December: $0.12 a day each.
    for (const char* id : {"eipalloc-a", "eipalloc-b"}) {
      region_.write([&](store::Transaction& t) {
        t.put({id, "address", "us-east-1", {{"AllocationId", id}, {"Tags", {{{"Key", "team"}, {"Value", id}}}}}});
      });
    }
    region_.now = kDec1 + 10 * 86400;
  }

  Result<json> ask(const std::string& action, json request) {
    return ask_budgets(budgets_, kAccount, action, std::move(request));
  }

  static json budget(const std::string& name, const std::string& limit) {
    return {{"BudgetName", name}, {"BudgetLimit", {{"Amount", limit}, {"Unit", "USD"}}}, {"TimeUnit", "MONTHLY"},
            {"BudgetType", "COST"}};
  }

  static double amount(const json& spend) { return std::stod(spend["Amount"].get<std::string>()); }

  MeteredRegion region_{"budgets", kDec1};
  Budgets budgets_{region_.metered, [this] { return region_.now; }};
};

TEST_F(BudgetsTest, SpendSoFarAndItsForecast) {
  ASSERT_TRUE(ask("CreateBudget", {{"Budget", budget("monthly", "5")}}).ok());
  json described = ask("DescribeBudget", {{"BudgetName", "monthly"}}).value()["Budget"];
  EXPECT_NEAR(amount(described["CalculatedSpend"]["ActualSpend"]), 10 * 2 * 0.12, 1e-9);
  EXPECT_NEAR(amount(described["CalculatedSpend"]["ForecastedSpend"]), 31 * 2 * 0.12, 1e-9);  // to the month's end
  EXPECT_EQ(described["TimePeriod"]["Start"], kDec1);
  // Only team a's address, through CostFilters; then through a FilterExpression.
  json filtered = budget("team-a", "5");
  filtered["CostFilters"] = {{"TagKeyValue", {"user:team$eipalloc-a"}}};
  ASSERT_TRUE(ask("CreateBudget", {{"Budget", filtered}}).ok());
  EXPECT_NEAR(amount(ask("DescribeBudget", {{"BudgetName", "team-a"}}).value()["Budget"]["CalculatedSpend"]["ActualSpend"]),
              1.2, 1e-9);
  json expressed = budget("team-a", "5");
  expressed["FilterExpression"] = {{"Tags", {{"Key", "team"}, {"Values", {"eipalloc-b"}}}}};
  ASSERT_TRUE(ask("UpdateBudget", {{"NewBudget", expressed}}).ok());
  EXPECT_NEAR(amount(ask("DescribeBudget", {{"BudgetName", "team-a"}}).value()["Budget"]["CalculatedSpend"]["ActualSpend"]),
              1.2, 1e-9);
  EXPECT_EQ(ask("DescribeBudgets", json::object()).value()["Budgets"].size(), 2u);
}

TEST_F(BudgetsTest, NotificationsGoIntoAlarmWhenSpendCrossesTheirThreshold) {
  json request = {{"Budget", budget("small", "4")},
                  {"NotificationsWithSubscribers",
                   {{{"Notification", {{"NotificationType", "ACTUAL"}, {"ComparisonOperator", "GREATER_THAN"}, {"Threshold", 80}}},
                     {"Subscribers", {{{"SubscriptionType", "EMAIL"}, {"Address", "ops@example.com"}}}}}}}};
  ASSERT_TRUE(ask("CreateBudget", request).ok());
  ASSERT_TRUE(ask("CreateNotification",
                  {{"BudgetName", "small"},
                   {"Notification", {{"NotificationType", "FORECASTED"}, {"ComparisonOperator", "GREATER_THAN"},
                                     {"Threshold", 100}}},
                   {"Subscribers", {{{"SubscriptionType", "EMAIL"}, {"Address", "ops@example.com"}}}}})
                  .ok());
  auto states = [&] {
    std::vector<std::string> out;
    auto answer = ask("DescribeNotificationsForBudget", {{"BudgetName", "small"}});  // outlives the loop over it
    if (!answer.ok()) return out;
    for (const json& n : answer.value()["Notifications"]) {
      out.push_back(n["NotificationState"]);
    }
    return out;
  };
  // $2.40 spent (60% of $4), $7.44 forecast (186%).
  EXPECT_EQ(states(), (std::vector<std::string>{"OK", "ALARM"}));
  region_.now = kDec1 + 14 * 86400;  // $3.36: past 80%
  EXPECT_EQ(states(), (std::vector<std::string>{"ALARM", "ALARM"}));
  json forecasted = {{"NotificationType", "FORECASTED"}, {"ComparisonOperator", "GREATER_THAN"}, {"Threshold", 100}};
  ASSERT_TRUE(ask("DeleteNotification", {{"BudgetName", "small"}, {"Notification", forecasted}}).ok());
  EXPECT_EQ(states().size(), 1u);
  EXPECT_EQ(ask("DeleteNotification", {{"BudgetName", "small"}, {"Notification", forecasted}}).error().code,
            "NotFoundException");
}

TEST_F(BudgetsTest, RefusesWhatAwsRefuses) {
  ASSERT_TRUE(ask("CreateBudget", {{"Budget", budget("b", "5")}}).ok());
  EXPECT_EQ(ask("CreateBudget", {{"Budget", budget("b", "5")}}).error().code, "DuplicateRecordException");
  EXPECT_EQ(ask("DescribeBudget", {{"BudgetName", "nope"}}).error().code, "NotFoundException");
  EXPECT_EQ(ask("DeleteBudget", {{"BudgetName", "nope"}}).error().code, "NotFoundException");
  EXPECT_EQ(ask("CreateBudget", {{"Budget", budget("c", "-1")}}).error().code, "InvalidParameterException");
  EXPECT_EQ(ask("CreateBudget", {{"Budget", budget("a:b", "5")}}).error().code, "InvalidParameterException");
  json usage = budget("u", "5");
  usage["BudgetType"] = "RI_UTILIZATION";
  EXPECT_EQ(ask("CreateBudget", {{"Budget", usage}}).error().code, "InvalidParameterException");
  EXPECT_EQ(ask("DescribeBudgets", {{"AccountId", "999999999999"}}).error().code, "AccessDeniedException");
  ASSERT_TRUE(ask("DeleteBudget", {{"BudgetName", "b"}}).ok());
  EXPECT_TRUE(ask("DescribeBudgets", json::object()).value()["Budgets"].empty());
}

}  // namespace
}  // namespace stratus::billing
