#pragma once
// What hosts and operators do to the registry of hosts (model/host.h) outside API calls: an
// agent renews its lease, `stratus hosts` lists them, `stratus hosts forget` takes a dead one
// out of service.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "model/host.h"
#include "store/store.h"

namespace stratus::ec2 {

class Catalog;

// Writes `host` (its RenewedAt the lease's new start) into the region of its zone, as `catalog`
// knows it. Throws StoreError on store failure; std::invalid_argument for an unknown zone.
void renew_host(store::Store& store, const Catalog& catalog, const model::Host& host);

// Takes host `host_id` out of service: its instances that were not stopped or terminated become
// stopped (StateReason Server.InternalError; their disks were on it, so they start only if it
// comes back), and its record goes. The number of instances stopped; NotFound when no host has
// that id. For an operator who has checked that the host is down: it does not stop its VMs.
Result<int> forget_host(store::Store& store, const std::string& host_id, int64_t now);

// A table of every registered host: id, zone, underlay, lease age, live or down, its instances
// that hold it and the memory they hold, for `stratus hosts`.
std::string hosts_table(store::Store& store, int64_t now);

}  // namespace stratus::ec2
