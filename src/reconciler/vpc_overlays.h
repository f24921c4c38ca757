#pragma once
// What each VPC router of a host needs to reach the VPC's interfaces on other hosts, read from
// the store: the VPC's VNI (kept in its record as _Vni, given once, the same on every host) and
// the addresses of the interfaces whose instances are placed on other registered hosts.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "net/vpc_overlay.h"
#include "store/store.h"

namespace stratus::reconciler {

// VPC id -> its overlay as host `host_id` sees it: every VPC with interfaces on a host (pending,
// running or stopping instances), its VNI (0 until assign_vnis() gave one) and the addresses of
// its interfaces on other registered hosts with an underlay address, sorted.
std::map<std::string, net::VpcOverlay> vpc_overlays(store::Transaction& txn, const std::string& host_id);

// Gives each VPC of `vpc_ids` that has no VNI the next unused one (the setting
// "vpc-vni-last" counts them), in one write transaction. Returns the VNI of each of them that
// still exists.
std::map<std::string, uint32_t> assign_vnis(store::Store& store, const std::vector<std::string>& vpc_ids);

}  // namespace stratus::reconciler
