#pragma once
// The host's capacity as launches see it: instances that are pending, running or stopping
// hold their guest memory (plus the VM's overhead) and vCPUs (compute::holds_host); others
// hold nothing. One host serves every region and account here.

#include <cstdint>
#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// How many more instances with `vcpus` and `memory_mib` fit beside those already holding the
// host (or `wanted` when capacity is not limited). Never more than `wanted`. `reclaim_spot`: an
// on-demand launch, which may take what spot instances hold (the spot market's pass then
// interrupts as many as the host needs back).
int64_t instances_that_fit(CallContext& ctx, int64_t vcpus, int64_t memory_mib, int64_t wanted, bool reclaim_spot);

// Aborts the call with InsufficientInstanceCapacity for `instance_type` in `zone`.
[[noreturn]] void fail_insufficient_capacity(const std::string& instance_type, const std::string& zone);

}  // namespace stratus::ec2
