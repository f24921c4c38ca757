#include "services/ec2/ec2_service.h"

#include <cstdio>

#include "common/timestamp.h"
#include "services/ec2/addresses.h"
#include "services/ec2/default_vpc.h"
#include "services/ec2/dhcp_options.h"
#include "services/ec2/iam_instance_profiles.h"
#include "services/ec2/idempotency.h"
#include "services/ec2/instance_attributes.h"
#include "services/ec2/instances.h"
#include "services/ec2/spot_interruptions.h"
#include "services/ec2/spot_requests.h"
#include "services/ec2/internet_gateways.h"
#include "services/ec2/key_pairs.h"
#include "services/ec2/serial_console.h"
#include "services/ec2/network_acls.h"
#include "services/ec2/network_interfaces.h"
#include "services/ec2/prefix_lists.h"
#include "services/ec2/snapshots.h"
#include "services/ec2/volumes.h"
#include "services/ec2/region_info.h"
#include "services/ec2/retired.h"
#include "services/ec2/route_tables.h"
#include "services/ec2/security_groups.h"
#include "services/ec2/subnets.h"
#include "services/ec2/tags.h"
#include "services/ec2/vpc_peering.h"
#include "services/ec2/vpcs.h"

namespace stratus::ec2 {

Ec2Service::Ec2Service(store::Store& store, const Catalog& catalog)
    : store_(store), catalog_(catalog), region_ready_(new std::atomic<bool>[catalog.regions().size()]) {
  for (size_t i = 0; i < catalog.regions().size(); ++i) region_ready_[i] = false;
  add_region_info_actions(actions_);
  add_vpc_actions(actions_);
  add_dhcp_options_actions(actions_);
  add_vpc_peering_actions(actions_);
  add_prefix_list_actions(actions_);
  add_volume_actions(actions_);
  add_snapshot_actions(actions_);
  add_subnet_actions(actions_);
  add_internet_gateway_actions(actions_);
  add_route_table_actions(actions_);
  add_network_acl_actions(actions_);
  add_security_group_actions(actions_);
  add_key_pair_actions(actions_);
  add_serial_console_actions(actions_);
  add_tag_actions(actions_);
  add_image_actions(actions_);
  add_instance_actions(actions_);
  add_spot_actions(actions_);
  add_instance_attribute_actions(actions_);
  add_iam_instance_profile_actions(actions_);
  add_address_actions(actions_);
  add_network_interface_actions(actions_);
  add_retired_actions(actions_);
}

CallContext Ec2Service::context(const std::string& region, const std::string& account_id, store::Transaction& txn) {
  return CallContext{region, account_id, unix_now(), txn, catalog_, console_ ? &console_ : nullptr,
                     capacity_ ? &*capacity_ : nullptr, endpoint_url_, limits_, public_pool_,
                     on_demand_price_ ? &on_demand_price_ : nullptr};
}

bool Ec2Service::implements(std::string_view action) const { return actions_.find(action) != actions_.end(); }

bool Ec2Service::mutates(std::string_view action) const { return actions_.find(action)->second.mutating; }

namespace {

// Logs the unexpected failure `e` of `what` and returns the error its caller gets.
ApiError internal_error(std::string_view what, const std::exception& e) {
  std::fprintf(stderr, "stratus: %.*s failed: %s\n", static_cast<int>(what.size()), what.data(), e.what());
  return ApiError{"InternalError", "An internal error has occurred"};
}

// AWS's answer to a DryRun request that would have succeeded: the call was validated (and run
// against state that is thrown away), as AWS checks parameters before the DryRun answer.
ApiError dry_run_succeeded() {
  return ApiError{"DryRunOperation", "Request would have succeeded, but DryRun flag is set."};
}

}  // namespace

Result<json> Ec2Service::call(std::string_view action, const std::string& region, const std::string& account_id,
                              const json& request) {
  const ActionEntry& entry = actions_.find(action)->second;
  // A write is a batch of one: the same savepoint, token sweep and failure rules.
  if (entry.mutating) return std::move(call_batch({{std::string(action), region, account_id, request, {}, "", ""}})[0]);
  try {
    prepare_region(region);
    auto txn = store_.begin_read();
    CallContext ctx = context(region, account_id, *txn);
    json result = run_idempotent(ctx, action, entry, request);
    if (request.value("DryRun", false)) return dry_run_succeeded();
    return result;
  } catch (const ServiceError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return internal_error(action, e);
  }
}

std::vector<Result<json>> Ec2Service::call_batch(const std::vector<BatchCall>& calls) {
  std::vector<Result<json>> results;
  results.reserve(calls.size());
  try {
    for (const BatchCall& call : calls) prepare_region(call.region);
    auto txn = store_.begin_write();
    sweep_client_tokens(*txn, unix_now());
    for (const BatchCall& call : calls) {
      txn->savepoint();
      CallContext ctx = context(call.region, call.account_id, *txn);
      try {
        json result = run_idempotent(ctx, call.action, actions_.find(call.action)->second, call.request);
        if (call.request.value("DryRun", false)) {
          txn->rollback_to_savepoint();
          results.emplace_back(dry_run_succeeded());
        } else {
          results.emplace_back(std::move(result));
        }
      } catch (const ServiceError& e) {
        txn->rollback_to_savepoint();
        results.emplace_back(e.error);
      } catch (const store::StoreError&) {
        throw;  // the store itself failed: the transaction cannot go on, the whole batch fails below
      } catch (const std::exception& e) {
        // A defect met by one call (a conversion that threw, say) fails that call alone.
        txn->rollback_to_savepoint();
        results.emplace_back(internal_error(call.action, e));
      }
    }
    txn->commit();
    if (on_commit_) on_commit_();
  } catch (const std::exception& e) {
    results.assign(calls.size(), internal_error("a batch of " + std::to_string(calls.size()) + " writes", e));
  }
  return results;
}

void Ec2Service::run_spot_market() {
  try {
    auto txn = store_.begin_write();
    const std::string account = bootstrap_account_.value_or("");
    CallContext host = context(catalog_.regions().front().name, account, *txn);
    bool wrote = spot_market_pass(host, [&](const std::string& region) { return context(region, account, *txn); });
    if (!wrote) return;  // nothing moved: the transaction is dropped
    txn->commit();
    if (on_commit_) on_commit_();
  } catch (const ServiceError& e) {
    std::fprintf(stderr, "stratus: the spot market's pass failed: %s\n", e.error.message.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratus: the spot market's pass failed: %s\n", e.what());
  }
}

void Ec2Service::sweep_client_tokens(store::Transaction& txn, int64_t now) {
  int64_t due = next_token_sweep_.load();
  if (now < due || !next_token_sweep_.compare_exchange_strong(due, now + kTokenSweepIntervalSeconds)) return;
  erase_expired_client_tokens(txn, now);
}

void Ec2Service::bootstrap(const std::string& account_id, const std::optional<BaseImage>& base_image) {
  bootstrap_account_ = account_id;
  base_image_ = base_image;
}

void Ec2Service::prepare_region(const std::string& region) {
  if (!bootstrap_account_) return;
  std::atomic<bool>& ready = region_ready_[catalog_.region(region) - catalog_.regions().data()];
  if (ready.load(std::memory_order_acquire)) return;
  std::lock_guard lock(prepare_mutex_);
  if (ready.load(std::memory_order_relaxed)) return;
  auto txn = store_.begin_write();
  CallContext ctx = context(region, *bootstrap_account_, *txn);
  ensure_default_vpc(ctx);
  if (base_image_) register_base_image(ctx, *base_image_);
  txn->commit();
  ready.store(true, std::memory_order_release);
  if (on_commit_) on_commit_();
}

}  // namespace stratus::ec2
