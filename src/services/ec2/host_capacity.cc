#include "services/ec2/host_capacity.h"

#include <algorithm>
#include <limits>
#include <map>

#include "compute/instance_state.h"
#include "model/host.h"

namespace stratus::ec2 {
namespace {

// What the instances placed on one host hold.
struct Held {
  int64_t memory_mib = 0;  // guest memory plus overhead
  int64_t vcpus = 0;
  int64_t instances = 0;
};

// What the instances that hold a host hold, by host id ("" : the server), with `overhead_mib`
// counted per VM; spot instances left out when `reclaim_spot`.
std::map<std::string, Held> held_by_host(CallContext& ctx, bool reclaim_spot,
                                         const std::function<int64_t(const std::string&)>& overhead_mib) {
  std::map<std::string, Held> held;
  ctx.txn.visit("instance", std::nullopt, [&](const store::Record& record) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!compute::holds_host(instance.status.state) || (reclaim_spot && instance.spec.spot)) return;
    Held& h = held[instance.spec.host_id];
    h.memory_mib += instance.spec.memory_mib + overhead_mib(instance.spec.host_id);
    h.vcpus += instance.spec.vcpus;
    ++h.instances;
  });
  return held;
}

// How many instances of `vcpus` and `memory_mib` fit in `capacity` beside `held`, at most `wanted`.
int64_t fit_beside(const HostCapacity& capacity, const Held& held, int64_t vcpus, int64_t memory_mib,
                   int64_t wanted) {
  int64_t fit = wanted;
  if (capacity.memory_mib > 0) {
    fit = std::min(fit, std::max<int64_t>(0, capacity.memory_mib - held.memory_mib) /
                            (memory_mib + capacity.overhead_mib_per_vm));
  }
  if (capacity.vcpus > 0 && vcpus > 0) fit = std::min(fit, std::max<int64_t>(0, capacity.vcpus - held.vcpus) / vcpus);
  return fit;
}

HostCapacity capacity_of(const model::Host& host) { return {host.memory_mib, host.vcpus, host.overhead_mib}; }

}  // namespace

int64_t instances_that_fit(CallContext& ctx, int64_t vcpus, int64_t memory_mib, int64_t wanted, bool reclaim_spot) {
  const HostCapacity* capacity = ctx.capacity;
  if (capacity == nullptr || (capacity->memory_mib == 0 && capacity->vcpus == 0)) return wanted;
  auto held = held_by_host(ctx, reclaim_spot, [&](const std::string&) { return capacity->overhead_mib_per_vm; });
  return fit_beside(*capacity, held[""], vcpus, memory_mib, wanted);
}

std::vector<std::string> place_instances(CallContext& ctx, const std::string& zone, int64_t vcpus,
                                         int64_t memory_mib, int64_t wanted, bool reclaim_spot) {
  std::map<std::string, model::Host> hosts = model::hosts_by_id(ctx.txn, ctx.region);
  if (hosts.empty()) {
    return std::vector<std::string>(static_cast<size_t>(instances_that_fit(ctx, vcpus, memory_mib, wanted, reclaim_spot)),
                                    "");
  }
  auto held = held_by_host(ctx, reclaim_spot, [&](const std::string& id) {
    auto host = hosts.find(id);
    return host == hosts.end() ? 0 : host->second.overhead_mib;
  });
  std::vector<std::string> placed;
  while (static_cast<int64_t>(placed.size()) < wanted) {
    const model::Host* best = nullptr;
    int64_t best_free = 0;
    for (const auto& [id, host] : hosts) {
      if (host.zone != zone || !host.live(ctx.now) || fit_beside(capacity_of(host), held[id], vcpus, memory_mib, 1) < 1) {
        continue;
      }
      int64_t free = host.memory_mib > 0 ? host.memory_mib - held[id].memory_mib : std::numeric_limits<int64_t>::max();
      if (best == nullptr || free > best_free || (free == best_free && held[id].instances < held[best->id].instances)) {
        best = &host;
        best_free = free;
      }
    }
    if (best == nullptr) break;
    Held& h = held[best->id];
    h.memory_mib += memory_mib + best->overhead_mib;
    h.vcpus += vcpus;
    ++h.instances;
    placed.push_back(best->id);
  }
  return placed;
}

bool fits_where_placed(CallContext& ctx, const model::Instance& instance) {
  const model::InstanceSpec& spec = instance.spec;
  if (spec.host_id.empty()) return instances_that_fit(ctx, spec.vcpus, spec.memory_mib, 1, !spec.spot) >= 1;
  std::optional<model::Host> host = model::find_host(ctx.txn, ctx.region, spec.host_id);
  if (!host || !host->live(ctx.now)) return false;
  auto held = held_by_host(ctx, !spec.spot, [&](const std::string& id) {
    return id == host->id ? host->overhead_mib : 0;
  });
  return fit_beside(capacity_of(*host), held[host->id], spec.vcpus, spec.memory_mib, 1) >= 1;
}

void fail_insufficient_capacity(const std::string& instance_type, const std::string& zone) {
  fail("InsufficientInstanceCapacity", "We currently do not have sufficient " + instance_type +
                                           " capacity in the Availability Zone you requested (" + zone +
                                           "). Our system will be working on provisioning additional capacity.");
}

}  // namespace stratus::ec2
