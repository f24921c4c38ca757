#pragma once
// A QueryService whose calls each run within a store transaction: a read in a read transaction of
// its own, a batch of writes in one write transaction (group commit) where each call that fails
// is undone alone (savepoint). Subclasses say what one call does (run).

#include <vector>

#include "api/query_service.h"
#include "store/store.h"

namespace stratus::api {

class StoreBackedService : public QueryService {
 public:
  // REQUIRES: `store` outlives the service.
  explicit StoreBackedService(store::Store& store) : store_(store) {}

  Result<nlohmann::json> call(const ServiceCall& call) override {
    auto txn = store_.begin_read();
    return run(call, *txn);
  }

  std::vector<Result<nlohmann::json>> call_batch(const std::vector<ServiceCall>& calls) override {
    std::vector<Result<nlohmann::json>> out;
    auto txn = store_.begin_write();
    for (const ServiceCall& c : calls) {
      txn->savepoint();
      out.push_back(run(c, *txn));
      if (!out.back().ok()) txn->rollback_to_savepoint();
    }
    txn->commit();
    return out;
  }

 protected:
  // Runs one call within `txn` (writes staged there; a read-only transaction for reads).
  virtual Result<nlohmann::json> run(const ServiceCall& call, store::Transaction& txn) = 0;

  store::Store& store_;
};

}  // namespace stratus::api
