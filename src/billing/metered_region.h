#pragma once
// For tests: a metered store over a real SQLite file in a temporary directory, with the built-in
// prices and a clock the test sets.

#include <functional>
#include <memory>
#include <string>

#include "billing/budgets.h"
#include "billing/meter.h"
#include "billing/metered_store.h"
#include "common/embedded.h"
#include "common/temp_dir.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace stratus::billing {

struct MeteredRegion {
  // `label` names the temporary directory; `start` is the clock's first reading.
  MeteredRegion(const std::string& label, int64_t start) : dir(label), now(start) {}

  // Commits `change` in one write transaction of the metered store.
  void write(const std::function<void(store::Transaction&)>& change) {
    auto txn = metered.begin_write();
    change(*txn);
    txn->commit();
  }

  TempDir dir;
  ec2::Catalog catalog{embedded::instance_types(), embedded::regions()};
  PriceBook prices{nlohmann::json::parse(embedded::prices()), catalog};
  int64_t now;
  Meter meter{prices, [this] { return now; }};
  store::CachedStore cached{std::make_unique<store::SqliteStore>((dir.path() / "db").string()), {{kUsageKind, "OpenFor"}}};
  MeteredStore metered{cached, meter};
};

// Runs Budgets call `action` of `account` with `request` (its AccountId `account` unless it
// names one) as the API layer would: writes through call_batch.
inline Result<nlohmann::json> ask_budgets(Budgets& budgets, const std::string& account, const std::string& action,
                                          nlohmann::json request) {
  api::ServiceCall call;
  call.action = action;
  call.account_id = account;
  request["AccountId"] = request.value("AccountId", account);
  call.request = std::move(request);
  if (!budgets.mutates(action)) return budgets.call(call);
  return budgets.call_batch({call})[0];
}

}  // namespace stratus::billing
