#pragma once
// AWS Fault Injection Service (botocore model fis/2020-12-01, rest-json): experiment templates
// (Create/Get/List/DeleteExperimentTemplate), experiments (StartExperiment, GetExperiment,
// ListExperiments, StopExperiment) that fis/experiment_runner carries out, and the actions stratus
// runs (ListActions, GetAction: fis/fis_actions). Templates are checked as FIS checks them: known
// actions and resource types, targets that exist and fit their actions, required parameters,
// startAfter naming actions of the template; stop conditions must be "none" (no CloudWatch here).

#include <cstdint>
#include <functional>

#include "api/store_backed_service.h"
#include "store/store.h"

namespace stratus::fis {

// The store kinds of templates and experiments (regional records, ids "EXT..." and "EXP...").
inline constexpr const char* kTemplateKind = "fis_template";
inline constexpr const char* kExperimentKind = "fis_experiment";

class FisService : public api::StoreBackedService {
 public:
  // `now`: the clock of creation and start times. REQUIRES: `store` outlives the service.
  FisService(store::Store& store, std::function<int64_t()> now) : StoreBackedService(store), now_(std::move(now)) {}

  // The operations above.
  bool implements(std::string_view action) const override;
  // Create/DeleteExperimentTemplate, StartExperiment and StopExperiment.
  bool mutates(std::string_view action) const override;

 private:
  Result<nlohmann::json> run(const api::ServiceCall& call, store::Transaction& txn) override;

  std::function<int64_t()> now_;
};

// A stored template or experiment as the API shows it (without stratus's own "_" members).
nlohmann::json public_view(const nlohmann::json& doc);

}  // namespace stratus::fis
