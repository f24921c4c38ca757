#pragma once
// Carries out budget actions (billing/budget_actions). Each pass reckons the spend of every budget
// that has an action standing by; an action whose threshold the spend has passed moves to
// EXECUTION_IN_PROGRESS (ApprovalModel AUTOMATIC) or PENDING (MANUAL). Actions in
// EXECUTION_IN_PROGRESS are carried out through InstanceActions (their instances stopped) and
// end in EXECUTION_SUCCESS or EXECUTION_FAILURE; those in REVERSE_IN_PROGRESS start what the
// execution stopped. An action done in an earlier budget period stands by again. Every move is
// written to the action's history. State lives in the store alone, so a restart picks up where a
// pass stopped (stopping and starting are idempotent).

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>

#include "billing/instance_actions.h"
#include "common/periodic.h"
#include "store/store.h"

namespace stratus::billing {

class BudgetWatcher {
 public:
  // `now`: the clock spend and histories are reckoned by. REQUIRES: `store` and `instances`
  // outlive the watcher.
  BudgetWatcher(store::Store& store, InstanceActions& instances, std::function<int64_t()> now)
      : store_(store), instances_(instances), now_(std::move(now)) {}

  // One pass over every action, on the caller's thread.
  void pass();
  // Runs pass() every `interval` on a thread of its own until stop() (or destruction).
  void start(std::chrono::milliseconds interval) {
    periodic_.start(interval, [this] { pass(); });
  }
  // Waits for a pass under way to end and runs no more.
  void stop() { periodic_.stop(); }

 private:
  // Applies `change` to the action with record id `id` if its status is still `expected`; true
  // when it did (the user may have changed or deleted it meanwhile).
  bool update(const std::string& id, const std::string& expected, const std::function<void(nlohmann::json&)>& change);
  // Stops the instances of action `action` (record `id`, EXECUTION_IN_PROGRESS) and records how it went.
  void execute(const std::string& id, const nlohmann::json& action);
  // Starts what action `action`'s execution stopped (REVERSE_IN_PROGRESS) and records how it went.
  void reverse(const std::string& id, const nlohmann::json& action);

  store::Store& store_;
  InstanceActions& instances_;
  std::function<int64_t()> now_;
  Periodic periodic_;  // last: stopped before the rest goes
};

}  // namespace stratus::billing
