#pragma once
// Capacity and placement as launches see them: instances that are pending, running or stopping
// hold their guest memory (plus the VM's overhead) and vCPUs on their host (compute::holds_host);
// others hold nothing. A region's hosts are the ones registered in it (model/host.h); without
// any, the server is the one host of every region and account.

#include <cstdint>
#include <string>
#include <vector>

#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// How many more instances with `vcpus` and `memory_mib` fit on the server's own host beside those
// already holding it (or `wanted` when capacity is not limited). Never more than `wanted`.
// `reclaim_spot`: an on-demand launch, which may take what spot instances hold (the spot market's
// pass then interrupts as many as the host needs back).
int64_t instances_that_fit(CallContext& ctx, int64_t vcpus, int64_t memory_mib, int64_t wanted, bool reclaim_spot);

// Where up to `wanted` new instances with `vcpus` and `memory_mib` go in `zone`: one host id per
// instance that fits, in launch order. With hosts registered in the region, each goes to the live
// host of `zone` with room that has the most free memory then (so launches spread); without, to
// the server ("" for as many as instances_that_fit allows).
std::vector<std::string> place_instances(CallContext& ctx, const std::string& zone, int64_t vcpus,
                                         int64_t memory_mib, int64_t wanted, bool reclaim_spot);

// True when `instance` (stopped) may start where it was placed: its host is registered and live
// with room for it, or, placed on the server, the server has room.
bool fits_where_placed(CallContext& ctx, const model::Instance& instance);

// Aborts the call with InsufficientInstanceCapacity for `instance_type` in `zone`.
[[noreturn]] void fail_insufficient_capacity(const std::string& instance_type, const std::string& zone);

}  // namespace stratus::ec2
