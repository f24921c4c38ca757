#include "billing/budgets.h"

#include <cmath>
#include <ctime>
#include <map>

#include "billing/budget_actions.h"
#include "billing/cost_filter.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

// Budgets' default end of a budget's time period (2087-06-15), as AWS sets it.
constexpr int64_t kForever = 3706473600;

ApiError invalid(const std::string& message) { return ApiError{"InvalidParameterException", message}; }

// [start, end) of the period `budget` reckons spend over at `now`.
std::pair<int64_t, int64_t> period_of(const json& budget, int64_t now) {
  std::string unit = budget.value("TimeUnit", "MONTHLY");
  if (unit == "DAILY") return {now - now % 86400, now - now % 86400 + 86400};
  if (unit == "CUSTOM") {
    const json& p = budget.value("TimePeriod", json::object());
    return {p.value("Start", int64_t{0}), p.value("End", kForever)};
  }
  time_t at = static_cast<time_t>(now);
  std::tm tm{};
  gmtime_r(&at, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  int months = 1;
  if (unit == "QUARTERLY") {
    tm.tm_mon -= tm.tm_mon % 3;
    months = 3;
  } else if (unit == "ANNUALLY") {
    tm.tm_mon = 0;
    months = 12;
  }
  int64_t start = timegm(&tm);
  tm.tm_mon += months;  // timegm normalises the year
  return {start, static_cast<int64_t>(timegm(&tm))};
}

// CostFilters' names of Cost Explorer's dimensions.
const std::map<std::string, std::string>& filter_dimensions() {
  static const std::map<std::string, std::string> kNames = {
      {"AZ", "AZ"},           {"InstanceType", "INSTANCE_TYPE"}, {"LinkedAccount", "LINKED_ACCOUNT"},
      {"PurchaseType", "PURCHASE_TYPE"}, {"Region", "REGION"},   {"Service", "SERVICE"},
      {"UsageType", "USAGE_TYPE"},       {"RecordType", "RECORD_TYPE"}};
  return kNames;
}

// The filter expression of `budget`: its FilterExpression, else its CostFilters as one (every
// filter must hold; TagKeyValue values are "user:KEY$VALUE"), else null (all usage).
Result<json> expression_of(const json& budget) {
  if (budget.contains("FilterExpression")) {
    if (auto problem = expression_problem(budget["FilterExpression"])) return invalid(problem->message);
    return budget["FilterExpression"];
  }
  json all = json::array();
  const json filters = budget.value("CostFilters", json::object());
  for (const auto& [key, values] : filters.items()) {
    if (key == "TagKeyValue") {
      for (const json& v : values) {
        std::string text = v.get<std::string>();
        if (text.rfind("user:", 0) == 0) text = text.substr(5);
        size_t dollar = text.find('$');
        if (dollar == std::string::npos) return invalid("TagKeyValue filters are KEY$VALUE: " + v.get<std::string>());
        all.push_back({{"Tags", {{"Key", text.substr(0, dollar)}, {"Values", {text.substr(dollar + 1)}}}}});
      }
      continue;
    }
    auto dimension = filter_dimensions().find(key);
    if (dimension == filter_dimensions().end()) return invalid("Cost filter " + key + " is not kept by this stratus region");
    all.push_back({{"Dimensions", {{"Key", dimension->second}, {"Values", values}}}});
  }
  if (all.empty()) return json();
  if (all.size() == 1) return all[0];
  return json{{"And", all}};
}

// The limit of a budget in USD.
double limit_of(const json& budget) {
  try {
    return std::stod(budget.value("BudgetLimit", json::object()).value("Amount", "0"));
  } catch (const std::exception&) {
    return 0;
  }
}

// Whether `notification` of a budget with `spend` is in alarm.
bool in_alarm(const json& notification, const Spend& spend, double limit) {
  double threshold = notification.value("Threshold", 0.0);
  if (notification.value("ThresholdType", "PERCENTAGE") == "PERCENTAGE") threshold = limit * threshold / 100;
  double value = notification.value("NotificationType", "ACTUAL") == "FORECASTED" ? spend.forecast : spend.actual;
  std::string op = notification.value("ComparisonOperator", "GREATER_THAN");
  if (op == "LESS_THAN") return value < threshold;
  if (op == "EQUAL_TO") return std::fabs(value - threshold) < 0.005;
  return value > threshold;
}

// Checks a Budget given to CreateBudget or UpdateBudget.
std::optional<ApiError> budget_problem(const json& budget) {
  std::string name = budget.value("BudgetName", "");
  if (name.empty() || name.find(':') != std::string::npos || name.find('\\') != std::string::npos) {
    return invalid("BudgetName must not be empty nor hold ':' or '\\\\'");
  }
  if (budget.value("BudgetType", "") != "COST") return invalid("stratus keeps COST budgets");
  const json& limit = budget.value("BudgetLimit", json::object());
  if (limit.value("Unit", "") != "USD") return invalid("A COST budget needs a BudgetLimit in USD");
  try {
    if (std::stod(limit.value("Amount", "")) <= 0) return invalid("BudgetLimit's Amount must be greater than 0");
  } catch (const std::exception&) {
    return invalid("BudgetLimit's Amount must be a number");
  }
  auto expression = expression_of(budget);
  if (!expression.ok()) return expression.error();
  return std::nullopt;
}

ApiError not_found(const std::string& name) {
  return ApiError{"NotFoundException", "Unable to get budget: " + name + " - the budget doesn't exist."};
}

}  // namespace

std::string budget_record_id(const std::string& account, const std::string& name) {
  return "budget:" + account + ":" + name;
}

int64_t period_start(const json& budget, int64_t now) { return period_of(budget, now).first; }

bool action_threshold_crossed(const json& budget, const json& action, const Spend& spend) {
  const json& threshold = action.value("ActionThreshold", json::object());
  json notification = {{"NotificationType", action.value("NotificationType", "ACTUAL")},
                       {"ComparisonOperator", "GREATER_THAN"},
                       {"Threshold", threshold.value("ActionThresholdValue", 0.0)},
                       {"ThresholdType", threshold.value("ActionThresholdType", "PERCENTAGE")}};
  return in_alarm(notification, spend, limit_of(budget));
}

Spend budget_spend(const json& budget, const std::vector<Segment>& segments, const std::string& account, int64_t now) {
  auto [start, end] = period_of(budget, now);
  auto filter = expression_of(budget);
  json expression = filter.ok() ? filter.value() : json();
  Spend spend;
  for (const Segment& s : segments) {
    if (!expression.is_null() && !passes(expression, s, account)) continue;
    spend.actual += accrued(s, start, end, now).cost;
    spend.forecast += projected(s, start, end, now).cost;
  }
  spend.forecast += spend.actual;
  return spend;
}

std::vector<iam::RequestResource> budget_resources(const api::ServiceCall& call) {
  std::string name = call.request.contains("Budget")      ? call.request["Budget"].value("BudgetName", "")
                     : call.request.contains("NewBudget") ? call.request["NewBudget"].value("BudgetName", "")
                                                          : call.request.value("BudgetName", "");
  std::string arn = "arn:aws:budgets::" + call.account_id + ":budget/" + (name.empty() ? "*" : name);
  if (is_budget_action_call(call.action)) {  // IAM names these by the operation, on the action
    if (call.action == "DescribeBudgetActionsForAccount") arn = "*";
    if (call.request.contains("ActionId")) arn += "/action/" + call.request.value("ActionId", "");
    return {{arn, {}, "budgets:" + call.action, ""}};
  }
  bool reads = call.action.rfind("Describe", 0) == 0;
  return {{arn, {}, reads ? "budgets:ViewBudget" : "budgets:ModifyBudget", ""}};
}

bool Budgets::implements(std::string_view action) const {
  return action == "CreateBudget" || action == "DescribeBudget" || action == "DescribeBudgets" ||
         action == "UpdateBudget" || action == "DeleteBudget" || action == "CreateNotification" ||
         action == "DescribeNotificationsForBudget" || action == "DeleteNotification" || is_budget_action_call(action);
}

bool Budgets::mutates(std::string_view action) const {
  return action.rfind("Describe", 0) != 0;
}

json Budgets::view(const json& budget, const std::vector<Segment>& segments, const std::string& account) {
  Spend spend = budget_spend(budget, segments, account, now_());
  json out = budget;
  out.erase("Notifications");
  out.erase("ResourceTags");
  out["CalculatedSpend"] = {{"ActualSpend", {{"Amount", amount_text(spend.actual)}, {"Unit", "USD"}}},
                            {"ForecastedSpend", {{"Amount", amount_text(spend.forecast)}, {"Unit", "USD"}}}};
  return out;
}

Result<json> Budgets::run(const api::ServiceCall& call, store::Transaction& txn) {
  const json& request = call.request;
  if (request.value("AccountId", "") != call.account_id) {
    return ApiError{"AccessDeniedException", "Account " + request.value("AccountId", "") +
                                                 " is not the caller's: budgets are the account's own."};
  }
  const std::string& account = call.account_id;
  const std::string& a = call.action;
  int64_t now = now_();
  if (a == "DescribeBudgets") {
    std::vector<Segment> segments = all_segments(txn);
    json budgets = json::array();
    for (const store::Record& r : txn.list(kBudgetKind, std::string())) {
      if (r.id.rfind(budget_record_id(account, ""), 0) == 0) budgets.push_back(view(r.doc, segments, account));
    }
    return json{{"Budgets", budgets}};
  }
  if (a == "DescribeBudgetActionsForAccount") return run_budget_action_call(call, json::object(), txn, now);
  std::string name = a == "CreateBudget"   ? request["Budget"].value("BudgetName", "")
                     : a == "UpdateBudget" ? request["NewBudget"].value("BudgetName", "")
                                           : request.value("BudgetName", "");
  auto existing = txn.get(budget_record_id(account, name));
  if (a == "CreateBudget") {
    json budget = request["Budget"];
    if (auto problem = budget_problem(budget)) return *problem;
    if (existing) {
      return ApiError{"DuplicateRecordException", "Error creating budget: " + name + " - the budget already exists."};
    }
    auto [start, end] = period_of(budget, now);
    if (!budget.contains("TimePeriod")) budget["TimePeriod"] = {{"Start", start}, {"End", kForever}};
    budget["LastUpdatedTime"] = now;
    budget.erase("CalculatedSpend");
    json notifications = json::array();
    for (const json& n : request.value("NotificationsWithSubscribers", json::array())) notifications.push_back(n);
    budget["Notifications"] = notifications;
    if (request.contains("ResourceTags")) budget["ResourceTags"] = request["ResourceTags"];
    txn.put({budget_record_id(account, name), kBudgetKind, "", budget});
    return json::object();
  }
  if (!existing) return not_found(name);
  json budget = existing->doc;
  if (is_budget_action_call(a)) return run_budget_action_call(call, budget, txn, now);
  if (a == "DescribeBudget") return json{{"Budget", view(budget, all_segments(txn), account)}};
  if (a == "DeleteBudget") {
    erase_budget_actions(txn, account, name);
    txn.erase(existing->id);
    return json::object();
  }
  if (a == "UpdateBudget") {
    json updated = request["NewBudget"];
    if (auto problem = budget_problem(updated)) return *problem;
    if (!updated.contains("TimePeriod")) updated["TimePeriod"] = budget["TimePeriod"];
    updated["Notifications"] = budget.value("Notifications", json::array());
    if (budget.contains("ResourceTags")) updated["ResourceTags"] = budget["ResourceTags"];
    updated["LastUpdatedTime"] = now;
    updated.erase("CalculatedSpend");
    txn.put({existing->id, kBudgetKind, "", updated});
    return json::object();
  }
  json& notifications = budget["Notifications"];
  if (a == "DescribeNotificationsForBudget") {
    Spend spend = budget_spend(budget, all_segments(txn), account, now);
    json out = json::array();
    for (const json& n : notifications) {
      json notification = n["Notification"];
      notification["NotificationState"] = in_alarm(notification, spend, limit_of(budget)) ? "ALARM" : "OK";
      out.push_back(std::move(notification));
    }
    return json{{"Notifications", out}};
  }
  // The notification named: the same type, operator, threshold and threshold type.
  auto same = [&](const json& n) {
    const json& given = request["Notification"];
    const json& kept = n["Notification"];
    return kept.value("NotificationType", "") == given.value("NotificationType", "") &&
           kept.value("ComparisonOperator", "") == given.value("ComparisonOperator", "") &&
           kept.value("Threshold", 0.0) == given.value("Threshold", 0.0) &&
           kept.value("ThresholdType", "PERCENTAGE") == given.value("ThresholdType", "PERCENTAGE");
  };
  auto found = std::find_if(notifications.begin(), notifications.end(), same);
  if (a == "CreateNotification") {
    if (found != notifications.end()) {
      return ApiError{"DuplicateRecordException", "Error creating notification: the budget " + name +
                                                      " already has this notification."};
    }
    notifications.push_back({{"Notification", request["Notification"]}, {"Subscribers", request["Subscribers"]}});
  } else {  // DeleteNotification
    if (found == notifications.end()) {
      return ApiError{"NotFoundException", "Unable to delete notification: the budget " + name + " has no such notification."};
    }
    notifications.erase(found);
  }
  txn.put({existing->id, kBudgetKind, "", budget});
  return json::object();
}

}  // namespace stratus::billing
