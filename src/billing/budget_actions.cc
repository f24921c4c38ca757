#include "billing/budget_actions.h"

#include <regex>

#include "api/offset_pages.h"
#include "billing/instance_actions.h"
#include "common/ids.h"

namespace stratus::billing {
namespace {

using nlohmann::json;

// The histories an action keeps (the newest), as many as one DescribeBudgetActionHistories page.
constexpr size_t kHistoryLimit = 100;
// The members of an Action as the API shows it; the record keeps more.
const char* const kActionMembers[] = {"ActionId",         "BudgetName",    "NotificationType", "ActionType",
                                      "ActionThreshold",  "Definition",    "ExecutionRoleArn", "ApprovalModel",
                                      "Status",           "Subscribers"};

ApiError invalid(const std::string& message) { return ApiError{"InvalidParameterException", message}; }

std::string record_id(const std::string& account, const std::string& budget, const std::string& id) {
  return "budget-action:" + account + ":" + budget + ":" + id;
}

// Stored action `action` as the API shows it.
json view(const json& action) {
  json out = json::object();
  for (const char* member : kActionMembers) {
    if (action.contains(member)) out[member] = action[member];
  }
  return out;
}

// Checks an ActionType with its Definition.
std::optional<ApiError> definition_problem(const std::string& type, const json& definition) {
  if (type != "RUN_SSM_DOCUMENTS") {
    return invalid("stratus runs RUN_SSM_DOCUMENTS actions that stop EC2 instances; " + type + " is not supported");
  }
  if (!definition.contains("SsmActionDefinition") || definition.size() != 1) {
    return invalid("A RUN_SSM_DOCUMENTS action's Definition holds an SsmActionDefinition and nothing else");
  }
  const json& ssm = definition["SsmActionDefinition"];
  if (ssm.value("ActionSubType", "") != "STOP_EC2_INSTANCES") {
    return invalid("stratus has no RDS: an SsmActionDefinition's ActionSubType must be STOP_EC2_INSTANCES");
  }
  static const std::regex kRegion(R"(\w{2,4}-\w+(-\w+)?-\d)");
  if (!std::regex_match(ssm.value("Region", ""), kRegion)) return invalid("Region must name an AWS region: " + ssm.value("Region", ""));
  const json ids = ssm.value("InstanceIds", json::array());
  if (ids.empty() || ids.size() > 100) return invalid("InstanceIds must name between 1 and 100 instances");
  for (const json& id : ids) {
    if (!id.is_string() || !valid_instance_target(id.get<std::string>())) {
      return invalid("InstanceIds holds instance ids, tag:KEY=VALUE or all, not " + id.dump());
    }
  }
  return std::nullopt;
}

// Checks the settable members of action `action` of `account`, as CreateBudgetAction and
// UpdateBudgetAction leave it.
std::optional<ApiError> action_problem(const json& action, const std::string& account) {
  if (auto problem = definition_problem(action.value("ActionType", ""), action.value("Definition", json::object()))) {
    return problem;
  }
  const json& threshold = action.value("ActionThreshold", json::object());
  if (!threshold.value("ActionThresholdValue", json()).is_number() || threshold["ActionThresholdValue"].get<double>() < 0) {
    return invalid("ActionThresholdValue must be a number of at least 0");
  }
  std::string type = threshold.value("ActionThresholdType", "");
  if (type != "PERCENTAGE" && type != "ABSOLUTE_VALUE") return invalid("ActionThresholdType must be PERCENTAGE or ABSOLUTE_VALUE");
  std::string notification = action.value("NotificationType", "");
  if (notification != "ACTUAL" && notification != "FORECASTED") return invalid("NotificationType must be ACTUAL or FORECASTED");
  std::string approval = action.value("ApprovalModel", "");
  if (approval != "AUTOMATIC" && approval != "MANUAL") return invalid("ApprovalModel must be AUTOMATIC or MANUAL");
  std::string role = action.value("ExecutionRoleArn", "");
  if (role.rfind("arn:aws:iam::" + account + ":role/", 0) != 0) {
    return invalid("ExecutionRoleArn must name a role of account " + account + ": " + role);
  }
  const json subscribers = action.value("Subscribers", json::array());
  if (subscribers.empty() || subscribers.size() > 11) return invalid("An action has between 1 and 11 Subscribers");
  return std::nullopt;
}

bool locked(const json& action) {
  std::string status = action.value("Status", "");
  return status == "EXECUTION_IN_PROGRESS" || status == "REVERSE_IN_PROGRESS" || status == "RESET_IN_PROGRESS";
}

ApiError locked_error(const std::string& id) {
  return ApiError{"ResourceLockedException", "The action " + id + " is being carried out; try again once it has finished."};
}


// Budgets' paging: a NextToken offset, MaxResults 1 to 100.
Result<json> page(const json& items, const json& request, const std::string& member) {
  return api::offset_page(items, request, member,
                          {"NextToken", "MaxResults",
                           {"InvalidNextTokenException", "The NextToken is not one this service gave."},
                           invalid("MaxResults must be from 1 to 100")});
}

// ExecuteBudgetAction: the status `type` moves an action in `status` to, or nullopt when it may not.
std::optional<std::string> executed_status(const std::string& type, const std::string& status) {
  if (type == "APPROVE_BUDGET_ACTION" && status == "PENDING") return "EXECUTION_IN_PROGRESS";
  if (type == "RETRY_BUDGET_ACTION" && status == "EXECUTION_FAILURE") return "EXECUTION_IN_PROGRESS";
  if (type == "REVERSE_BUDGET_ACTION" && status == "EXECUTION_SUCCESS") return "REVERSE_IN_PROGRESS";
  if (type == "RESET_BUDGET_ACTION" && status != "STANDBY") return "STANDBY";
  return std::nullopt;
}

}  // namespace

bool is_budget_action_call(std::string_view action) {
  return action == "CreateBudgetAction" || action == "DescribeBudgetAction" || action == "DescribeBudgetActionsForBudget" ||
         action == "DescribeBudgetActionsForAccount" || action == "UpdateBudgetAction" || action == "DeleteBudgetAction" ||
         action == "ExecuteBudgetAction" || action == "DescribeBudgetActionHistories";
}

void record_history(json& action, const std::string& event, const std::string& status, const std::string& message,
                    int64_t now) {
  action["Status"] = status;
  json& histories = action[kActionHistories];
  if (!histories.is_array()) histories = json::array();
  histories.push_back({{"Timestamp", now},
                       {"Status", status},
                       {"EventType", event},
                       {"ActionHistoryDetails", {{"Message", message}, {"Action", view(action)}}}});
  if (histories.size() > kHistoryLimit) histories.erase(histories.begin());
}

void erase_budget_actions(store::Transaction& txn, const std::string& account, const std::string& budget_name) {
  for (const store::Record& r : txn.find(kBudgetActionKind, "", "BudgetName", budget_name)) {
    if (r.doc.value(kActionAccount, "") == account) txn.erase(r.id);
  }
}

Result<json> run_budget_action_call(const api::ServiceCall& call, const json& budget, store::Transaction& txn,
                                    int64_t now) {
  const json& request = call.request;
  const std::string& account = call.account_id;
  const std::string& a = call.action;
  if (a == "DescribeBudgetActionsForAccount") {
    json actions = json::array();
    for (const store::Record& r : txn.list(kBudgetActionKind, std::string())) {
      if (r.doc.value(kActionAccount, "") == account) actions.push_back(view(r.doc));
    }
    return page(actions, request, "Actions");
  }
  const std::string budget_name = budget.value("BudgetName", "");
  if (a == "DescribeBudgetActionsForBudget") {
    json actions = json::array();
    for (const store::Record& r : txn.find(kBudgetActionKind, "", "BudgetName", budget_name)) {
      if (r.doc.value(kActionAccount, "") == account) actions.push_back(view(r.doc));
    }
    return page(actions, request, "Actions");
  }
  if (a == "CreateBudgetAction") {
    json action = {{"ActionId", new_request_id()}, {"BudgetName", budget_name}, {"Status", "STANDBY"},
                   {kActionAccount, account}};
    for (const char* member : {"NotificationType", "ActionType", "ActionThreshold", "Definition", "ExecutionRoleArn",
                               "ApprovalModel", "Subscribers"}) {
      action[member] = request.value(member, json());
    }
    if (auto problem = action_problem(action, account)) return *problem;
    if (request.contains("ResourceTags")) action["ResourceTags"] = request["ResourceTags"];
    record_history(action, "CREATE_ACTION", "STANDBY", "The action was created.", now);
    txn.put({record_id(account, budget_name, action["ActionId"]), kBudgetActionKind, "", action});
    return json{{"AccountId", account}, {"BudgetName", budget_name}, {"ActionId", action["ActionId"]}};
  }
  const std::string id = request.value("ActionId", "");
  auto existing = txn.get(record_id(account, budget_name, id));
  if (!existing) {
    return ApiError{"NotFoundException", "Unable to get action: " + id + " of budget " + budget_name +
                                             " - the action doesn't exist."};
  }
  json action = existing->doc;
  // The answer: the account and budget, with `more`.
  auto answer = [&](json more) {
    more["AccountId"] = account;
    more["BudgetName"] = budget_name;
    return more;
  };
  if (a == "DescribeBudgetAction") return answer({{"Action", view(action)}});
  if (a == "DescribeBudgetActionHistories") {
    const json period = request.value("TimePeriod", json::object());
    int64_t start = period.value("Start", int64_t{0}), end = period.value("End", INT64_MAX);
    json histories = json::array();
    for (const json& h : action.value(kActionHistories, json::array())) {
      int64_t at = h.value("Timestamp", int64_t{0});
      if (at >= start && at < end) histories.push_back(h);
    }
    return page(histories, request, "ActionHistories");
  }
  if (a == "DeleteBudgetAction") {
    if (locked(action)) return locked_error(id);
    txn.erase(existing->id);
    return answer({{"Action", view(action)}});
  }
  if (a == "UpdateBudgetAction") {
    if (locked(action)) return locked_error(id);
    json old = view(action);
    for (const char* member : {"NotificationType", "ActionThreshold", "Definition", "ExecutionRoleArn", "ApprovalModel",
                               "Subscribers"}) {
      if (request.contains(member)) action[member] = request[member];
    }
    if (auto problem = action_problem(action, account)) return *problem;
    record_history(action, "UPDATE_ACTION", action["Status"], "The action was updated.", now);
    txn.put({existing->id, kBudgetActionKind, "", action});
    return answer({{"OldAction", old}, {"NewAction", view(action)}});
  }
  // ExecuteBudgetAction
  const std::string type = request.value("ExecutionType", "");
  if (locked(action)) return locked_error(id);
  auto next = executed_status(type, action.value("Status", ""));
  if (!next) {
    return invalid("An action in status " + action.value("Status", "") + " cannot take " + type);
  }
  if (*next == "STANDBY") action.erase(kActionStopped);  // reset: the next execution starts afresh
  record_history(action, "EXECUTE_ACTION", *next, type + " was requested.", now);
  txn.put({existing->id, kBudgetActionKind, "", action});
  return answer({{"ActionId", id}, {"ExecutionType", type}});
}

}  // namespace stratus::billing
