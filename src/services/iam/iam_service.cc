#include "services/iam/iam_service.h"

#include <cstdio>
#include <stdexcept>

#include "api/constraints.h"
#include "common/timestamp.h"
#include "services/iam/access_keys.h"
#include "services/iam/login_profiles.h"
#include "services/iam/account_details.h"
#include "services/iam/entities.h"
#include "services/iam/instance_profiles.h"
#include "services/iam/managed_policies.h"
#include "services/iam/sessions.h"
#include "services/iam/simulation.h"

namespace stratus::iam {
namespace {

// The answer to an exception no action should throw.
ApiError internal_error(const std::string& what, const std::exception& e) {
  std::fprintf(stderr, "stratus: iam/sts %s: %s\n", what.c_str(), e.what());
  return ApiError{"ServiceFailure", "The request processing has failed because of an unknown error."};
}

}  // namespace

IamService::IamService(IamEndpoint endpoint, store::Store& store, const api::ServiceModel& model,
                       std::string_view aws_policies, KeyRegistry* keys, const AuthorizationMessages* messages)
    : store_(store), model_(model), aws_(aws_policies), keys_(keys) {
  if (endpoint == IamEndpoint::kSts) {
    if (messages == nullptr) throw std::invalid_argument("the STS endpoint needs authorization messages");
    add_sts_actions(actions_, *messages);
    return;
  }
  add_entity_actions(actions_);
  add_access_key_actions(actions_);
  add_login_profile_actions(actions_);
  add_managed_policy_actions(actions_);
  add_instance_profile_actions(actions_);
  add_simulation_actions(actions_);
  add_account_details_actions(actions_);
}

bool IamService::implements(std::string_view action) const { return actions_.count(action) > 0; }

bool IamService::mutates(std::string_view action) const {
  auto it = actions_.find(action);
  return it != actions_.end() && it->second.mutating;
}

json IamService::run(const api::ServiceCall& call, store::Transaction& txn, std::vector<std::string>& changed_keys) {
  const api::Operation* operation = model_.operation(call.action);
  if (auto problem = api::check_constraints(operation != nullptr ? operation->input : nullptr, call.request)) {
    throw ServiceError{*problem};
  }
  const api::Principal& who = call.principal;
  Call c{{call.account_id, who.user, who.role, who.access_key_id, who.temporary}, unix_now(), txn, aws_, keys_, {}};
  json result = actions_.find(call.action)->second.handler(c, call.request);
  changed_keys.insert(changed_keys.end(), c.changed_keys.begin(), c.changed_keys.end());
  return result;
}

Result<json> IamService::call(const api::ServiceCall& call) {
  if (mutates(call.action)) return std::move(call_batch({call})[0]);
  try {
    auto txn = store_.begin_read();
    std::vector<std::string> unused;
    return run(call, *txn, unused);
  } catch (const ServiceError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return internal_error(call.action, e);
  }
}

std::vector<Result<json>> IamService::call_batch(const std::vector<api::ServiceCall>& calls) {
  std::vector<Result<json>> results;
  std::vector<std::string> changed_keys;
  try {
    auto txn = store_.begin_write();
    for (const api::ServiceCall& call : calls) {
      txn->savepoint();
      std::vector<std::string> changed;
      try {
        results.emplace_back(run(call, *txn, changed));
        changed_keys.insert(changed_keys.end(), changed.begin(), changed.end());
      } catch (const ServiceError& e) {
        txn->rollback_to_savepoint();
        results.emplace_back(e.error);
      } catch (const store::StoreError&) {
        throw;
      } catch (const std::exception& e) {
        txn->rollback_to_savepoint();
        results.emplace_back(internal_error(call.action, e));
      }
    }
    txn->commit();
    if (on_commit_) on_commit_();
  } catch (const std::exception& e) {
    results.assign(calls.size(), internal_error("a batch of " + std::to_string(calls.size()) + " writes", e));
  }
  if (keys_ != nullptr) {
    for (const std::string& key : changed_keys) keys_->forget(key);
  }
  return results;
}

}  // namespace stratus::iam
