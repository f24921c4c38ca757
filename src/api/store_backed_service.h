#pragma once
// A QueryService whose calls each run within a store transaction: a read in a read transaction of
// its own, a batch of writes in one write transaction (group commit) where each call that fails
// is undone alone (savepoint). Subclasses say what one call does (run).

#include <cstdio>
#include <exception>
#include <vector>

#include "api/query_service.h"
#include "store/store.h"

namespace stratus::api {

class StoreBackedService : public QueryService {
 public:
  // REQUIRES: `store` outlives the service.
  explicit StoreBackedService(store::Store& store) : store_(store) {}

  // Runs a read in a read transaction of its own.
  Result<nlohmann::json> call(const ServiceCall& call) override {
    try {
      auto txn = store_.begin_read();
      return run(call, *txn);
    } catch (const std::exception& e) {
      return internal_error(call, e);
    }
  }

  // Runs writes in one write transaction, each undone alone when it fails (an unexpected
  // exception fails that call alone); when the store itself fails, every call fails.
  std::vector<Result<nlohmann::json>> call_batch(const std::vector<ServiceCall>& calls) override {
    std::vector<Result<nlohmann::json>> out;
    try {
      auto txn = store_.begin_write();
      for (const ServiceCall& c : calls) {
        txn->savepoint();
        try {
          out.push_back(run(c, *txn));
        } catch (const store::StoreError&) {
          throw;
        } catch (const std::exception& e) {
          out.push_back(internal_error(c, e));
        }
        if (!out.back().ok()) txn->rollback_to_savepoint();
      }
      txn->commit();
    } catch (const std::exception& e) {
      out.assign(calls.size(), internal_error(calls.front(), e));
    }
    return out;
  }

 protected:
  // Runs one call within `txn` (writes staged there; a read-only transaction for reads).
  virtual Result<nlohmann::json> run(const ServiceCall& call, store::Transaction& txn) = 0;

  store::Store& store_;

 private:
  // Logs the unexpected failure `e` of `call` and returns the error its caller gets.
  static ApiError internal_error(const ServiceCall& call, const std::exception& e) {
    std::fprintf(stderr, "stratus: %s failed: %s\n", call.action.c_str(), e.what());
    return ApiError{"InternalFailure", "An internal error has occurred"};
  }
};

}  // namespace stratus::api
