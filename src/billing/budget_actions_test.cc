// Budget actions with a clock the test sets and instances behind a fake InstanceActions: an
// AUTOMATIC action stops its instances once the spend passes its threshold (and only once), a
// MANUAL one waits for approval, reverse/retry/reset, a new period, history, AWS's errors.

#include "billing/budget_actions.h"

#include <gtest/gtest.h>

#include "billing/budget_watcher.h"
#include "billing/budgets.h"
#include "billing/metered_region.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

constexpr const char* kAccount = "123456789012";
constexpr const char* kRole = "arn:aws:iam::123456789012:role/budget-stopper";
constexpr int64_t kDec1 = 1796083200;  // 2026-12-01T00:00:00Z

// Records what the watcher asks of EC2; fails while `failure` is set.
class FakeInstanceActions : public InstanceActions {
 public:
  Result<std::vector<std::string>> stop(const std::string& account, const std::string& region,
                                        const std::string& role_arn, const InstanceTargets& targets) override {
    calls.push_back("stop " + account + " " + region + " " + role_arn + " " + json(targets).dump());
    if (failure) return *failure;
    return std::vector<std::string>{"i-0123456789abcdef0"};
  }
  Result<std::vector<std::string>> start(const std::string& account, const std::string& region,
                                         const std::string& role_arn, const std::vector<std::string>& ids) override {
    calls.push_back("start " + json(ids).dump());
    return ids;
  }
  std::vector<std::string> calls;
  std::optional<ApiError> failure;
};

class BudgetActionsTest : public ::testing::Test {
 protected:
  BudgetActionsTest() {
    // An Elastic IP from December 1st: $0.12 a day.
    region_.write([&](store::Transaction& t) { t.put({"eipalloc-a", "address", "us-east-1", {{"AllocationId", "eipalloc-a"}}}); });
    region_.now = kDec1 + 86400;
    EXPECT_TRUE(ask("CreateBudget", {{"Budget", {{"BudgetName", "guard"}, {"BudgetLimit", {{"Amount", "1"}, {"Unit", "USD"}}},
                                                 {"TimeUnit", "MONTHLY"}, {"BudgetType", "COST"}}}})
                    .ok());
  }

  Result<json> ask(const std::string& action, json request) {
    return ask_budgets(budgets_, kAccount, action, std::move(request));
  }

  // A CreateBudgetAction request on budget "guard": stop `targets` once actual spend passes
  // `percent` of the limit.
  static json action(double percent, const std::string& approval, json targets = {"tag:team=web"}) {
    return {{"BudgetName", "guard"},
            {"NotificationType", "ACTUAL"},
            {"ActionType", "RUN_SSM_DOCUMENTS"},
            {"ActionThreshold", {{"ActionThresholdValue", percent}, {"ActionThresholdType", "PERCENTAGE"}}},
            {"Definition",
             {{"SsmActionDefinition",
               {{"ActionSubType", "STOP_EC2_INSTANCES"}, {"Region", "us-east-1"}, {"InstanceIds", targets}}}}},
            {"ExecutionRoleArn", kRole},
            {"ApprovalModel", approval},
            {"Subscribers", {{{"SubscriptionType", "EMAIL"}, {"Address", "ops@example.com"}}}}};
  }

  std::string create(const json& request) {
    auto created = ask("CreateBudgetAction", request);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? created.value()["ActionId"].get<std::string>() : "";
  }

  std::string status(const std::string& id) {
    return ask("DescribeBudgetAction", {{"BudgetName", "guard"}, {"ActionId", id}}).value()["Action"]["Status"];
  }

  // The (EventType, Status) of each history entry of action `id`.
  std::vector<std::string> history(const std::string& id) {
    std::vector<std::string> out;
    auto answer = ask("DescribeBudgetActionHistories", {{"BudgetName", "guard"}, {"ActionId", id}});
    for (const json& h : answer.value()["ActionHistories"]) out.push_back(h["EventType"].get<std::string>() + " " + h["Status"].get<std::string>());
    return out;
  }

  Result<json> execute(const std::string& id, const std::string& type) {
    return ask("ExecuteBudgetAction", {{"BudgetName", "guard"}, {"ActionId", id}, {"ExecutionType", type}});
  }

  MeteredRegion region_{"budget-actions", kDec1};
  Budgets budgets_{region_.metered, [this] { return region_.now; }};
  FakeInstanceActions instances_;
  BudgetWatcher watcher_{region_.metered, instances_, [this] { return region_.now; }};
};

TEST_F(BudgetActionsTest, AutomaticActionStopsItsInstancesOnceTheSpendPassesItsThreshold) {
  std::string id = create(action(50, "AUTOMATIC"));  // at $0.50: on the fifth day
  watcher_.pass();
  EXPECT_EQ(status(id), "STANDBY");  // $0.12 so far
  EXPECT_TRUE(instances_.calls.empty());
  region_.now = kDec1 + 5 * 86400;
  watcher_.pass();
  EXPECT_EQ(instances_.calls, (std::vector<std::string>{"stop 123456789012 us-east-1 " + std::string(kRole) +
                                                         " [\"tag:team=web\"]"}));
  EXPECT_EQ(status(id), "EXECUTION_SUCCESS");
  EXPECT_EQ(history(id), (std::vector<std::string>{"CREATE_ACTION STANDBY", "SYSTEM EXECUTION_IN_PROGRESS",
                                                   "SYSTEM EXECUTION_SUCCESS"}));
  auto histories = ask("DescribeBudgetActionHistories", {{"BudgetName", "guard"}, {"ActionId", id}}).value();
  EXPECT_EQ(histories["ActionHistories"][2]["ActionHistoryDetails"]["Message"], "Stopped i-0123456789abcdef0.");
  EXPECT_EQ(histories["ActionHistories"][2]["ActionHistoryDetails"]["Action"]["Status"], "EXECUTION_SUCCESS");
  // Done for this period: further passes leave the (restarted) instances alone.
  region_.now += 86400;
  watcher_.pass();
  EXPECT_EQ(instances_.calls.size(), 1u);
  // A new month's spend is below the threshold again: the action stands by.
  region_.now = kDec1 + 31 * 86400 + 3600;
  watcher_.pass();
  EXPECT_EQ(status(id), "STANDBY");
  EXPECT_EQ(instances_.calls.size(), 1u);
}

TEST_F(BudgetActionsTest, ManualActionWaitsForApprovalAndCanBeReversedAndReset) {
  std::string id = create(action(10, "MANUAL", {"i-0123456789abcdef0"}));
  watcher_.pass();
  EXPECT_EQ(status(id), "PENDING");
  EXPECT_TRUE(instances_.calls.empty());
  EXPECT_EQ(execute(id, "REVERSE_BUDGET_ACTION").error().code, "InvalidParameterException");
  ASSERT_TRUE(execute(id, "APPROVE_BUDGET_ACTION").ok());
  EXPECT_EQ(status(id), "EXECUTION_IN_PROGRESS");
  EXPECT_EQ(ask("DeleteBudgetAction", {{"BudgetName", "guard"}, {"ActionId", id}}).error().code, "ResourceLockedException");
  watcher_.pass();
  EXPECT_EQ(status(id), "EXECUTION_SUCCESS");
  ASSERT_TRUE(execute(id, "REVERSE_BUDGET_ACTION").ok());
  watcher_.pass();
  EXPECT_EQ(instances_.calls.back(), "start [\"i-0123456789abcdef0\"]");
  EXPECT_EQ(status(id), "REVERSE_SUCCESS");
  ASSERT_TRUE(execute(id, "RESET_BUDGET_ACTION").ok());
  EXPECT_EQ(status(id), "STANDBY");
  EXPECT_EQ(history(id).size(), 7u);
}

TEST_F(BudgetActionsTest, FailedExecutionIsRecordedAndCanBeRetried) {
  std::string id = create(action(10, "AUTOMATIC"));
  instances_.failure = ApiError{"AccessDenied", "budgets.amazonaws.com is not authorized to perform sts:AssumeRole"};
  watcher_.pass();
  EXPECT_EQ(status(id), "EXECUTION_FAILURE");
  auto histories = ask("DescribeBudgetActionHistories", {{"BudgetName", "guard"}, {"ActionId", id}}).value();
  EXPECT_EQ(histories["ActionHistories"].back()["ActionHistoryDetails"]["Message"],
            "AccessDenied: budgets.amazonaws.com is not authorized to perform sts:AssumeRole");
  instances_.failure.reset();
  ASSERT_TRUE(execute(id, "RETRY_BUDGET_ACTION").ok());
  watcher_.pass();
  EXPECT_EQ(status(id), "EXECUTION_SUCCESS");
}

TEST_F(BudgetActionsTest, UpdateListPageAndDelete) {
  std::string first = create(action(10, "MANUAL"));
  std::string second = create(action(90, "AUTOMATIC"));
  json updated = ask("UpdateBudgetAction", {{"BudgetName", "guard"}, {"ActionId", first}, {"ApprovalModel", "AUTOMATIC"}}).value();
  EXPECT_EQ(updated["OldAction"]["ApprovalModel"], "MANUAL");
  EXPECT_EQ(updated["NewAction"]["ApprovalModel"], "AUTOMATIC");
  json page = ask("DescribeBudgetActionsForAccount", {{"MaxResults", 1}}).value();
  ASSERT_EQ(page["Actions"].size(), 1u);
  EXPECT_EQ(page["Actions"][0]["ActionId"], first);
  EXPECT_FALSE(page["Actions"][0].contains("Histories"));  // stratus's own fields stay inside
  json rest = ask("DescribeBudgetActionsForAccount", {{"MaxResults", 1}, {"NextToken", page["NextToken"]}}).value();
  EXPECT_EQ(rest["Actions"][0]["ActionId"], second);
  EXPECT_FALSE(rest.contains("NextToken"));
  EXPECT_EQ(ask("DescribeBudgetActionsForAccount", {{"NextToken", "bogus"}}).error().code, "InvalidNextTokenException");
  EXPECT_EQ(ask("DescribeBudgetActionsForAccount", {{"MaxResults", 0}}).error().code, "InvalidParameterException");
  EXPECT_EQ(ask("DescribeBudgetActionsForBudget", {{"BudgetName", "guard"}}).value()["Actions"].size(), 2u);
  json deleted = ask("DeleteBudgetAction", {{"BudgetName", "guard"}, {"ActionId", second}}).value();
  EXPECT_EQ(deleted["Action"]["ActionId"], second);
  EXPECT_EQ(ask("DescribeBudgetAction", {{"BudgetName", "guard"}, {"ActionId", second}}).error().code, "NotFoundException");
  // Deleting the budget deletes its actions.
  ASSERT_TRUE(ask("DeleteBudget", {{"BudgetName", "guard"}}).ok());
  EXPECT_TRUE(ask("DescribeBudgetActionsForAccount", json::object()).value()["Actions"].empty());
}

TEST_F(BudgetActionsTest, RefusesWhatItCannotDo) {
  auto code = [&](json request) { return ask("CreateBudgetAction", request).error().code; };
  json unknown_budget = action(10, "MANUAL");
  unknown_budget["BudgetName"] = "nope";
  EXPECT_EQ(code(unknown_budget), "NotFoundException");
  json iam = action(10, "MANUAL");
  iam["ActionType"] = "APPLY_IAM_POLICY";
  EXPECT_EQ(code(iam), "InvalidParameterException");
  json rds = action(10, "MANUAL");
  rds["Definition"]["SsmActionDefinition"]["ActionSubType"] = "STOP_RDS_INSTANCES";
  EXPECT_EQ(code(rds), "InvalidParameterException");
  EXPECT_EQ(code(action(10, "MANUAL", {"web-servers"})), "InvalidParameterException");
  json foreign = action(10, "MANUAL");
  foreign["ExecutionRoleArn"] = "arn:aws:iam::999999999999:role/other";
  EXPECT_EQ(code(foreign), "InvalidParameterException");
  json negative = action(-1, "MANUAL");
  EXPECT_EQ(code(negative), "InvalidParameterException");
  EXPECT_TRUE(ask("DescribeBudgetActionsForAccount", json::object()).value()["Actions"].empty());  // nothing kept
}

}  // namespace
}  // namespace stratus::billing
