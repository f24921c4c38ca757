#include "services/ec2/host_capacity.h"

#include <algorithm>

#include "compute/instance_state.h"
#include "model/instance.h"

namespace stratus::ec2 {

int64_t instances_that_fit(CallContext& ctx, int64_t vcpus, int64_t memory_mib, int64_t wanted, bool reclaim_spot) {
  const HostCapacity* capacity = ctx.capacity;
  if (capacity == nullptr || (capacity->memory_mib == 0 && capacity->vcpus == 0)) return wanted;
  int64_t used_memory = 0, used_vcpus = 0;
  for (const auto& record : ctx.txn.list("instance", std::nullopt)) {
    model::Instance instance = model::instance_from_doc(record.doc);
    if (!compute::holds_host(instance.status.state) || (reclaim_spot && instance.spec.spot)) continue;
    used_memory += instance.spec.memory_mib + capacity->overhead_mib_per_vm;
    used_vcpus += instance.spec.vcpus;
  }
  int64_t fit = wanted;
  if (capacity->memory_mib > 0) {
    fit = std::min(fit, std::max<int64_t>(0, capacity->memory_mib - used_memory) /
                            (memory_mib + capacity->overhead_mib_per_vm));
  }
  if (capacity->vcpus > 0 && vcpus > 0) {
    fit = std::min(fit, std::max<int64_t>(0, capacity->vcpus - used_vcpus) / vcpus);
  }
  return fit;
}

void fail_insufficient_capacity(const std::string& instance_type, const std::string& zone) {
  fail("InsufficientInstanceCapacity", "We currently do not have sufficient " + instance_type +
                                           " capacity in the Availability Zone you requested (" + zone +
                                           "). Our system will be working on provisioning additional capacity.");
}

}  // namespace stratus::ec2
