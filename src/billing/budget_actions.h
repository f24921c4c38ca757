#pragma once
// Budget actions (CreateBudgetAction, DescribeBudgetAction(s)ForBudget/ForAccount,
// UpdateBudgetAction, DeleteBudgetAction, ExecuteBudgetAction, DescribeBudgetActionHistories):
// what Budgets does when a budget's spend crosses an action's threshold. stratus runs
// RUN_SSM_DOCUMENTS actions of subtype STOP_EC2_INSTANCES (AWS's cost guard), naming instances by
// id or (a stratus extension) "tag:KEY=VALUE" or "all"; IAM and SCP actions are refused.
//
// An action is a record of kind kBudgetActionKind holding the Action as AWS shows it, its
// history, and what its last execution stopped. Its status moves as AWS's does: STANDBY until the
// threshold is crossed (BudgetWatcher), then EXECUTION_IN_PROGRESS (AUTOMATIC) or PENDING until
// ExecuteBudgetAction APPROVE_BUDGET_ACTION; the watcher stops the instances and records
// EXECUTION_SUCCESS or EXECUTION_FAILURE. RETRY runs a failed one again, REVERSE starts what it
// stopped (REVERSE_SUCCESS/FAILURE), RESET returns it to STANDBY, as does a new budget period.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/query_service.h"
#include "common/result.h"
#include "store/store.h"

namespace stratus::billing {

// The store kind of budget actions (account-wide records, id "budget-action:ACCOUNT:BUDGET:ID").
inline constexpr const char* kBudgetActionKind = "budget_action";

// Stored fields beside the Action's own: the account, the history, the instances the last
// execution stopped, and the start of the budget period it ran in.
inline constexpr const char* kActionAccount = "AccountId";
inline constexpr const char* kActionHistories = "Histories";
inline constexpr const char* kActionStopped = "StoppedInstanceIds";
inline constexpr const char* kActionPeriod = "PeriodStart";

// True for the budget-action operations above.
bool is_budget_action_call(std::string_view action);

// Runs budget-action call `call` (its AccountId already checked to be the caller's) within
// `txn` at `now`; budget `budget` (its record) must exist.
Result<nlohmann::json> run_budget_action_call(const api::ServiceCall& call, const nlohmann::json& budget,
                                              store::Transaction& txn, int64_t now);

// Removes every action of budget `budget_name` of `account` (the budget is being deleted).
void erase_budget_actions(store::Transaction& txn, const std::string& account, const std::string& budget_name);

// Appends to stored action `action` an ActionHistory: `event` (EventType) moved it to `status`
// at `now`, saying `message`; sets its Status to `status`.
void record_history(nlohmann::json& action, const std::string& event, const std::string& status,
                    const std::string& message, int64_t now);

}  // namespace stratus::billing
