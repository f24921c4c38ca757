#include "services/ec2/spot_interruptions.h"

#include <algorithm>

#include "common/timestamp.h"
#include "model/instance.h"
#include "services/ec2/host_capacity.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/instances.h"
#include "services/ec2/resources.h"
#include "services/ec2/spot_market.h"
#include "services/ec2/spot_requests.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceAction;
using compute::InstanceState;

// The notice a spot instance gets before it is interrupted.
constexpr int64_t kNoticeSeconds = 120;
// From this utilisation on, spot instances get a rebalance recommendation (their risk is high).
constexpr double kRebalanceUtilisation = 0.9;

bool live(const model::Instance& instance) {
  return instance.status.state == InstanceState::kPending || instance.status.state == InstanceState::kRunning;
}

// The request of spot instance `instance`, or nullopt.
std::optional<json> request_of(CallContext& ctx, const model::Instance& instance) {
  return find(ctx, kinds::kSpotInstanceRequest, instance.spec.spot->request_id);
}

// Gives `instance` notice of an interruption for `cause` at `at`, and its request says so.
void give_notice(CallContext& ctx, model::Instance& instance, const std::string& cause, int64_t at) {
  model::SpotTerms& terms = *instance.spec.spot;
  terms.interrupt_at = at;
  terms.interrupt_cause = cause;
  if (!terms.rebalance_at) terms.rebalance_at = ctx.now;
  if (auto request = request_of(ctx, instance)) {
    set_request_status(ctx, *request, "active",
                       terms.interruption_behavior == "stop" ? "marked-for-stop" : "marked-for-termination");
    save(ctx, kinds::kSpotInstanceRequest, terms.request_id, *request);
  }
}

// Interrupts `instance` (its notice has run out): stopped or terminated as its terms say, its
// request closed (one-time), reopened (persistent, terminated) or disabled (persistent, stopped).
void interrupt(CallContext& ctx, model::Instance instance) {
  model::SpotTerms terms = *instance.spec.spot;
  bool stop = terms.interruption_behavior == "stop";
  std::string reason = "Service initiated (" + format_iso8601(ctx.now) + ")";
  change_states(ctx, {{"InstanceIds", {instance.id()}}}, stop ? InstanceAction::kStop : InstanceAction::kTerminate,
                reason);
  instance = *find_instance(ctx, instance.id());
  instance.api["StateReason"] = stop ? json{{"Code", "Server.SpotInstanceShutdown"},
                                            {"Message", "Server.SpotInstanceShutdown: Spot instance shutdown"}}
                                     : json{{"Code", "Server.SpotInstanceTermination"},
                                            {"Message", "Server.SpotInstanceTermination: Spot instance termination"}};
  instance.spec.spot->interrupt_at.reset();
  instance.spec.spot->rebalance_at.reset();
  save_instance(ctx, instance);
  auto request = request_of(ctx, instance);
  if (!request) return;
  std::string why = terms.interrupt_cause == "price" ? "by-price" : "no-capacity";
  std::string code = (stop ? "instance-stopped-" : "instance-terminated-") + why;
  std::string state = request->value("State", "") == "cancelled" ? "cancelled"
                      : request->value("Type", "") != "persistent" ? "closed"
                      : stop ? "disabled"
                             : "open";
  set_request_status(ctx, *request, state, code);
  if (state == "open") request->erase("InstanceId");
  save(ctx, kinds::kSpotInstanceRequest, terms.request_id, *request);
}

// Memory and vCPUs an instance holds of the host.
struct Held {
  int64_t memory = 0;
  int64_t vcpus = 0;
};

// Gives notice to the newest spot instances until the host holds no more than its capacity,
// counting neither the instances already leaving nor those with notice.
bool reclaim_capacity(CallContext& host, const RegionContext& in_region) {
  const HostCapacity* capacity = host.capacity;
  if (capacity == nullptr || (capacity->memory_mib == 0 && capacity->vcpus == 0)) return false;
  Held held;
  std::vector<std::pair<std::string, store::Record>> candidates;  // (launch time, record)
  for (const store::Record& record : host.txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!live(instance) || (instance.spec.spot && instance.spec.spot->interrupt_at)) continue;
    held.memory += instance.spec.memory_mib + capacity->overhead_mib_per_vm;
    held.vcpus += instance.spec.vcpus;
    if (instance.spec.spot) candidates.emplace_back(instance.api.value("LaunchTime", ""), record);
  }
  auto over = [&] {
    return (capacity->memory_mib > 0 && held.memory > capacity->memory_mib) ||
           (capacity->vcpus > 0 && held.vcpus > capacity->vcpus);
  };
  // Newest first (the store lists oldest first, which breaks ties of launch times).
  std::reverse(candidates.begin(), candidates.end());
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  bool wrote = false;
  for (auto& [launched, record] : candidates) {
    if (!over()) break;
    CallContext ctx = in_region(record.region);
    model::Instance instance = model::instance_from_doc(record.doc);
    give_notice(ctx, instance, "capacity", ctx.now + kNoticeSeconds);
    save_instance(ctx, instance);
    held.memory -= instance.spec.memory_mib + capacity->overhead_mib_per_vm;
    held.vcpus -= instance.spec.vcpus;
    wrote = true;
  }
  return wrote;
}

// Whether launch error `error` may pass by itself (the host's room, the instance quota).
bool transient(const ApiError& error) {
  return error.code == "InsufficientInstanceCapacity" || error.code == "InstanceLimitExceeded" ||
         error.code == "SpotMaxPriceTooLow";
}

// Fulfils open requests and restarts instances stopped by an interruption, where price and room
// allow; a launch that fails for a passing reason leaves its request open.
bool fulfil_requests(CallContext& host, const RegionContext& in_region) {
  bool wrote = false;
  for (const store::Record& record : host.txn.list(std::string(kinds::kSpotInstanceRequest.kind), std::nullopt)) {
    std::string state = record.doc.value("State", "");
    std::string code = record.doc.value("Status", json::object()).value("Code", "");
    CallContext ctx = in_region(record.region);
    json request = record.doc;
    if (state == "open" && request.contains("ValidUntil") &&
        parse_iso8601(request["ValidUntil"].get<std::string>()).value_or(INT64_MAX) <= ctx.now) {
      set_request_status(ctx, request, "cancelled", "schedule-expired");
      save(ctx, kinds::kSpotInstanceRequest, record.id, request);
      wrote = true;
      continue;
    }
    if (state == "open") {
      host.txn.savepoint();
      try {
        wrote = fulfil(ctx, request) || request.value("Status", json::object()) != record.doc["Status"] || wrote;
      } catch (const ServiceError& e) {
        host.txn.rollback_to_savepoint();
        if (transient(e.error)) {  // a quota or the host's room: it stays open and is tried again
          if (code != "capacity-not-available") {
            set_request_status(ctx, request, "open", "capacity-not-available");
            save(ctx, kinds::kSpotInstanceRequest, record.id, request);
            wrote = true;
          }
          continue;
        }
        // Its launch specification no longer launches (an AMI gone): the request fails.
        request["State"] = "failed";
        request["Status"] = {{"Code", "bad-parameters"}, {"Message", e.error.message}, {"UpdateTime", format_iso8601(ctx.now)}};
        save(ctx, kinds::kSpotInstanceRequest, record.id, request);
        wrote = true;
      }
      continue;
    }
    bool interrupted_stop = state == "disabled" && (code == "instance-stopped-by-price" || code == "instance-stopped-no-capacity");
    if (!interrupted_stop) continue;
    auto instance = find_instance(ctx, request.value("InstanceId", ""));
    if (!instance || instance->status.state != InstanceState::kStopped) continue;
    const std::string type = instance->api.value("InstanceType", "");
    auto price = spot_price(ctx, type, instance->api["Placement"].value("AvailabilityZone", ""), host_utilisation(ctx));
    if (!price || *price > instance->spec.spot->max_price || !fits_where_placed(ctx, *instance)) {
      continue;
    }
    host.txn.savepoint();
    try {
      change_states(ctx, {{"InstanceIds", {instance->id()}}}, InstanceAction::kStart, "");
    } catch (const ServiceError&) {  // the instance quota is full: the next pass tries again
      host.txn.rollback_to_savepoint();
      continue;
    }
    set_request_status(ctx, request, "active", "fulfilled");
    save(ctx, kinds::kSpotInstanceRequest, record.id, request);
    wrote = true;
  }
  return wrote;
}

}  // namespace

bool spot_market_pass(CallContext& host, const RegionContext& in_region) {
  double utilisation = host_utilisation(host);
  bool wrote = record_utilisation(host, utilisation);
  // Prices, and notice for those whose max price the spot price passed.
  for (const store::Record& record : host.txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!instance.spec.spot || !live(instance)) continue;
    CallContext ctx = in_region(record.region);
    model::SpotTerms& terms = *instance.spec.spot;
    model::SpotTerms before = terms;
    auto price = spot_price(ctx, instance.api.value("InstanceType", ""),
                            instance.api["Placement"].value("AvailabilityZone", ""), utilisation);
    if (price) terms.price = *price;
    if (!terms.interrupt_at && price && *price > terms.max_price) give_notice(ctx, instance, "price", ctx.now + kNoticeSeconds);
    if (!terms.rebalance_at && utilisation >= kRebalanceUtilisation) terms.rebalance_at = ctx.now;
    if (terms.price != before.price || terms.interrupt_at != before.interrupt_at || terms.rebalance_at != before.rebalance_at) {
      save_instance(ctx, instance);
      wrote = true;
    }
  }
  wrote = reclaim_capacity(host, in_region) || wrote;
  // Interruptions whose notice ran out.
  for (const store::Record& record : host.txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!instance.spec.spot || !live(instance) || !instance.spec.spot->interrupt_at ||
        *instance.spec.spot->interrupt_at > host.now) {
      continue;
    }
    CallContext ctx = in_region(record.region);
    host.txn.savepoint();
    try {
      interrupt(ctx, instance);
      wrote = true;
    } catch (const ServiceError&) {  // not in a state it can leave yet (a stop of a pending instance): next pass
      host.txn.rollback_to_savepoint();
    }
  }
  return fulfil_requests(host, in_region) || wrote;
}

void send_spot_interruption(CallContext& ctx, const std::string& instance_id, int64_t after) {
  auto instance = find_instance(ctx, instance_id);
  if (!instance || !instance->spec.spot || !live(*instance)) {
    fail("InvalidParameterValue", "The instance " + instance_id + " is not a running spot instance.");
  }
  model::SpotTerms& terms = *instance->spec.spot;
  terms.rebalance_at = ctx.now;
  give_notice(ctx, *instance, "capacity", ctx.now + std::max(after, kNoticeSeconds));
  save_instance(ctx, *instance);
}

}  // namespace stratus::ec2
