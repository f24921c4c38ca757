#pragma once
// AWS Budgets (botocore model budgets/2016-10-20, JSON protocol) over the metered usage: cost
// budgets (CreateBudget, DescribeBudget(s), UpdateBudget, DeleteBudget) with their CostFilters or
// FilterExpression, each described with its CalculatedSpend (the period's actual cost so far, and
// the forecast: that plus what accrues now carried to the period's end), and notifications
// (Create/Describe/DeleteNotification, and those given with CreateBudget), whose state is ALARM
// once the actual or forecast spend crosses the threshold. Subscribers are kept; stratus sends no
// e-mail or SNS message. Budget actions: billing/budget_actions.

#include <cstdint>
#include <functional>

#include "api/store_backed_service.h"
#include "billing/ledger.h"
#include "iam/evaluator.h"
#include "store/store.h"

namespace stratus::billing {

// The store kind of budgets (account-wide records, id "budget:ACCOUNT:NAME").
inline constexpr const char* kBudgetKind = "budget";

// The actual and forecast cost of `budget` (a Budget document as stored) of `account` at `now`.
struct Spend {
  double actual = 0;
  double forecast = 0;
};
Spend budget_spend(const nlohmann::json& budget, const std::vector<Segment>& segments, const std::string& account,
                   int64_t now);

// The store id of budget `name` of `account`.
std::string budget_record_id(const std::string& account, const std::string& name);

// The start of the period `budget` reckons its spend over at `now`.
int64_t period_start(const nlohmann::json& budget, int64_t now);

// Whether `budget`'s `spend` has passed the threshold of budget action `action` (an Action).
bool action_threshold_crossed(const nlohmann::json& budget, const nlohmann::json& action, const Spend& spend);

// The IAM view of a Budgets call: the budget it acts on (arn:aws:budgets::ACCOUNT:budget/NAME)
// and the action IAM names it by (budgets:ViewBudget for reads, budgets:ModifyBudget for writes);
// a budget-action call is named by its operation (budgets:CreateBudgetAction, ...) on the action
// (.../budget/NAME/action/ID) or the budget.
std::vector<iam::RequestResource> budget_resources(const api::ServiceCall& call);

class Budgets : public api::StoreBackedService {
 public:
  // `now`: the clock periods and spend are reckoned by. REQUIRES: `store` outlives the service.
  Budgets(store::Store& store, std::function<int64_t()> now) : StoreBackedService(store), now_(std::move(now)) {}

  // The budget, notification and budget-action operations.
  bool implements(std::string_view action) const override;
  // All but the Describe operations.
  bool mutates(std::string_view action) const override;

 private:
  Result<nlohmann::json> run(const api::ServiceCall& call, store::Transaction& txn) override;
  // The budget as DescribeBudget answers it: the stored document with its CalculatedSpend.
  nlohmann::json view(const nlohmann::json& budget, const std::vector<Segment>& segments, const std::string& account);

  std::function<int64_t()> now_;
};

}  // namespace stratus::billing
