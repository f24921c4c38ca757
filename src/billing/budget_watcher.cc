#include "billing/budget_watcher.h"

#include <algorithm>
#include <map>

#include "billing/budget_actions.h"
#include "billing/budgets.h"
#include "billing/ledger.h"

namespace stratus::billing {

using nlohmann::json;

namespace {

// "i-1, i-2" (or "no instance").
std::string listed(const std::vector<std::string>& ids) {
  if (ids.empty()) return "no instance";
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

bool in_progress(const std::string& status) {
  return status == "EXECUTION_IN_PROGRESS" || status == "REVERSE_IN_PROGRESS" || status == "RESET_IN_PROGRESS";
}

}  // namespace

bool BudgetWatcher::update(const std::string& id, const std::string& expected,
                           const std::function<void(json&)>& change) {
  auto txn = store_.begin_write();
  auto record = txn->get(id);
  if (!record || record->doc.value("Status", "") != expected) return false;
  change(record->doc);
  txn->put(*record);
  txn->commit();
  return true;
}

void BudgetWatcher::execute(const std::string& id, const json& action) {
  const json ssm = action["Definition"]["SsmActionDefinition"];
  auto stopped = instances_.stop(action.value(kActionAccount, ""), ssm.value("Region", ""),
                                 action.value("ExecutionRoleArn", ""), ssm["InstanceIds"].get<InstanceTargets>());
  int64_t now = now_();
  update(id, "EXECUTION_IN_PROGRESS", [&](json& a) {
    if (stopped.ok()) {
      // With what a run cut short by a crash stopped (then found stopped already), for REVERSE.
      std::vector<std::string> all = a.value(kActionStopped, json::array()).get<std::vector<std::string>>();
      for (const std::string& id : stopped.value()) {
        if (std::find(all.begin(), all.end(), id) == all.end()) all.push_back(id);
      }
      a[kActionStopped] = all;
      record_history(a, "SYSTEM", "EXECUTION_SUCCESS", "Stopped " + listed(stopped.value()) + ".", now);
    } else {
      record_history(a, "SYSTEM", "EXECUTION_FAILURE", stopped.error().code + ": " + stopped.error().message, now);
    }
  });
}

void BudgetWatcher::reverse(const std::string& id, const json& action) {
  const json ssm = action["Definition"]["SsmActionDefinition"];
  auto started = instances_.start(action.value(kActionAccount, ""), ssm.value("Region", ""),
                                  action.value("ExecutionRoleArn", ""),
                                  action.value(kActionStopped, json::array()).get<std::vector<std::string>>());
  int64_t now = now_();
  update(id, "REVERSE_IN_PROGRESS", [&](json& a) {
    if (started.ok()) {
      a.erase(kActionStopped);
      record_history(a, "SYSTEM", "REVERSE_SUCCESS", "Started " + listed(started.value()) + ".", now);
    } else {
      record_history(a, "SYSTEM", "REVERSE_FAILURE", started.error().code + ": " + started.error().message, now);
    }
  });
}

void BudgetWatcher::pass() {
  int64_t now = now_();
  std::vector<store::Record> actions;
  std::map<std::string, json> budgets;  // by action record id
  std::vector<Segment> segments;
  {
    auto txn = store_.begin_read();
    actions = txn->list(kBudgetActionKind, std::string());
    bool standing_by = false;
    for (const store::Record& r : actions) {
      auto budget = txn->get(budget_record_id(r.doc.value(kActionAccount, ""), r.doc.value("BudgetName", "")));
      if (budget) budgets[r.id] = budget->doc;
      standing_by = standing_by || r.doc.value("Status", "") == "STANDBY";
    }
    if (standing_by) segments = all_segments(*txn);
  }
  for (const store::Record& record : actions) {
    auto found = budgets.find(record.id);
    if (found == budgets.end()) continue;
    const json& budget = found->second;
    const json& action = record.doc;
    std::string status = action.value("Status", "");
    int64_t period = period_start(budget, now);
    if (status == "STANDBY") {
      Spend spend = budget_spend(budget, segments, action.value(kActionAccount, ""), now);
      if (!action_threshold_crossed(budget, action, spend)) continue;
      std::string next = action.value("ApprovalModel", "") == "AUTOMATIC" ? "EXECUTION_IN_PROGRESS" : "PENDING";
      bool forecast = action.value("NotificationType", "") == "FORECASTED";
      std::string message = std::string("The budget's ") + (forecast ? "forecasted" : "actual") + " spend, " +
                            amount_text(forecast ? spend.forecast : spend.actual) +
                            " USD, passed the action's threshold" +
                            (next == "PENDING" ? "; the action awaits approval." : ".");
      bool moved = update(record.id, status, [&](json& a) {
        a[kActionPeriod] = period;
        record_history(a, "SYSTEM", next, message, now);
      });
      if (!moved) continue;
      status = next;
    } else if (!in_progress(status) && action.contains(kActionPeriod) && action[kActionPeriod] != period) {
      update(record.id, status, [&](json& a) {
        a.erase(kActionStopped);
        record_history(a, "SYSTEM", "STANDBY", "A new budget period began: the action stands by again.", now);
      });
      continue;
    }
    if (status == "EXECUTION_IN_PROGRESS") execute(record.id, action);
    if (status == "REVERSE_IN_PROGRESS") reverse(record.id, action);
  }
}

}  // namespace stratus::billing
