#pragma once
// The EC2 service: the action table and how a call runs (transaction, errors).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/query_service.h"
#include "common/network_slot.h"
#include "common/result.h"
#include "services/ec2/call.h"
#include "services/ec2/catalog.h"
#include "services/ec2/images.h"
#include "store/store.h"

namespace stratus::ec2 {

// Runs EC2 actions against the store. Thread-safe: calls may run concurrently.
class Ec2Service : public api::QueryService {
 public:
  // REQUIRES: store and catalog outlive the service.
  Ec2Service(store::Store& store, const Catalog& catalog);

  // True when stratus implements `action` (the model may define more).
  bool implements(std::string_view action) const override;

  // Lets GetConsoleOutput read instances' consoles. REQUIRES: before any call.
  void set_console_reader(ConsoleReader reader) { console_ = std::move(reader); }

  // Calls `listener` after every committed write (e.g. to wake the reconciler). REQUIRES:
  // before any call; `listener` is cheap and thread-safe.
  void set_commit_listener(std::function<void()> listener) { on_commit_ = std::move(listener); }

  // Makes RunInstances and StartInstances respect `capacity` (InsufficientInstanceCapacity
  // beyond it). Without it, capacity is not limited. REQUIRES: before any call.
  void set_host_capacity(HostCapacity capacity) { capacity_ = capacity; }

  // Makes spot prices follow `prices` (the bill's on-demand prices, --price-file included)
  // rather than the catalogue's. REQUIRES: before any call.
  void set_on_demand_prices(PriceLookup prices) { on_demand_price_ = std::move(prices); }

  // Makes the create calls enforce `limits` and DescribeAccountAttributes report them (AWS's
  // defaults without this call). REQUIRES: before any call.
  void set_limits(const Limits& limits) { limits_ = limits; }

  // Makes automatic public IPs and Elastic IPs come from `pool` (the server's network slot's;
  // without this call, slot 0's). REQUIRES: before any call.
  void set_public_pool(Ipv4Cidr pool) { public_pool_ = pool; }

  // True when `action` changes state (it runs in a write transaction).
  // REQUIRES: implements(action).
  bool mutates(std::string_view action) const override;

  // Runs `action` for `account_id` in `region` with the decoded request; with DryRun, the call
  // is validated and run as usual, its changes undone, and DryRunOperation answered when it
  // would have succeeded (its own error otherwise). A mutating action
  // runs as a batch of one (call_batch); any error leaves its changes undone. A request with a ClientToken is idempotent (idempotency.h). Unexpected
  // failures become InternalError.
  // REQUIRES: implements(action) and `region` is in the catalog.
  Result<json> call(std::string_view action, const std::string& region, const std::string& account_id,
                    const json& request);
  // The same for a decoded call of the API layer.
  Result<json> call(const api::ServiceCall& call) override {
    return this->call(call.action, call.region, call.account_id, call.request);
  }

  // One call of a batch.
  using BatchCall = api::ServiceCall;

  // Runs mutating calls in order in one write transaction (group commit), each as call()
  // would: a call that fails, with an AWS error or an unexpected exception (InternalError for
  // that call alone), is undone alone (savepoint); a later call sees the earlier ones' writes,
  // ClientToken records included. The transaction commits once, so every result is durable
  // when this returns. If the store itself fails, every call gets InternalError and nothing
  // changes. REQUIRES: mutates(action) for every call.
  std::vector<Result<json>> call_batch(const std::vector<BatchCall>& calls) override;

  // One pass of the spot market (services/ec2/spot_interruptions) in a write transaction of its
  // own, waking the commit listener when it changed anything; the server runs it every couple of
  // seconds. Thread-safe.
  void run_spot_market();

  // Names this server's URL (DescribeRegions' Endpoint). REQUIRES: before any call.
  void set_endpoint_url(std::string url) { endpoint_url_ = std::move(url); }

  // Makes every region ready on the first call into it, so that unused regions cost nothing:
  // its default VPC is created for `account_id` unless the data dir had one (a deleted default
  // VPC is not recreated, as on AWS), and `base_image` (when one is built) is registered as a
  // public AMI there. Without this call, regions start empty. REQUIRES: before any call.
  void bootstrap(const std::string& account_id, const std::optional<BaseImage>& base_image = std::nullopt);

 private:
  // The context of a call in `region` for `account_id` within `txn`.
  CallContext context(const std::string& region, const std::string& account_id, store::Transaction& txn);

  // Readies `region` (see bootstrap) unless this process already did. Thread-safe.
  void prepare_region(const std::string& region);

  // Erases expired ClientToken records in `txn` when the last sweep is an hour old (the first
  // write after start sweeps), so the records stay bounded by a day of calls.
  // REQUIRES: `txn` is a write transaction.
  void sweep_client_tokens(store::Transaction& txn, int64_t now);

  // How often expired ClientToken records are swept.
  static constexpr int64_t kTokenSweepIntervalSeconds = 60 * 60;

  store::Store& store_;
  const Catalog& catalog_;
  ActionTable actions_;
  ConsoleReader console_;
  std::optional<HostCapacity> capacity_;
  Limits limits_;
  Ipv4Cidr public_pool_ = network_slot(0).public_pool;
  std::function<void()> on_commit_;
  PriceLookup on_demand_price_;
  std::string endpoint_url_;
  std::optional<std::string> bootstrap_account_;  // set by bootstrap(): regions are readied on first use
  std::optional<BaseImage> base_image_;
  std::unique_ptr<std::atomic<bool>[]> region_ready_;  // by position in catalog_.regions()
  std::mutex prepare_mutex_;                           // one region readied at a time
  std::atomic<int64_t> next_token_sweep_{0};  // Unix seconds when sweep_client_tokens() next erases
};

}  // namespace stratus::ec2
