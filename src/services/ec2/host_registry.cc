#include "services/ec2/host_registry.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/timestamp.h"
#include "compute/instance_state.h"
#include "model/instance.h"
#include "services/ec2/catalog.h"

namespace stratus::ec2 {

void renew_host(store::Store& store, const Catalog& catalog, const model::Host& host) {
  const Region* home = nullptr;
  for (const Region& region : catalog.regions()) {
    if (catalog.zone(region.name, host.zone) != nullptr) home = &region;
  }
  if (home == nullptr) throw std::invalid_argument("no availability zone is named " + host.zone);
  auto txn = store.begin_write();
  txn->put({host.id, model::kHostKind, home->name, model::host_doc(host)});
  txn->commit();
}

Result<int> forget_host(store::Store& store, const std::string& host_id, int64_t now) {
  auto txn = store.begin_write();
  auto record = txn->get(host_id);
  if (!record || record->kind != model::kHostKind) {
    return ApiError{"NotFound", "no host " + host_id + " is registered"};
  }
  int stopped = 0;
  for (store::Record& r : txn->list("instance", record->region)) {
    model::Instance instance = model::instance_from_doc(r.doc);
    using compute::InstanceState;
    InstanceState state = instance.status.state;
    if (instance.spec.host_id != host_id || state == InstanceState::kStopped || state == InstanceState::kTerminated) {
      continue;
    }
    if (state == InstanceState::kShuttingDown) {
      instance.status.state = InstanceState::kTerminated;  // it was going anyway
      instance.status.terminated_at = now;
    } else {
      instance.status.state = InstanceState::kStopped;
      instance.status.transition_reason = "Server initiated (" + format_iso8601(now) + ")";
      instance.api["StateReason"] = {{"Code", "Server.InternalError"},
                                     {"Message", "Server.InternalError: Internal error on launch"}};
    }
    instance.status.reachable = false;
    r.doc = model::instance_doc(instance);
    txn->put(r);
    ++stopped;
  }
  txn->erase(host_id);
  txn->commit();
  return stopped;
}

std::string hosts_table(store::Store& store, int64_t now) {
  auto txn = store.begin_read();
  struct Load {
    int64_t instances = 0;
    int64_t memory_mib = 0;
  };
  std::map<std::string, Load> load;
  txn->visit("instance", std::nullopt, [&](const store::Record& r) {
    model::Instance instance = model::instance_from_doc(r.doc);
    if (instance.spec.host_id.empty() || !compute::holds_host(instance.status.state)) return;
    Load& l = load[instance.spec.host_id];
    ++l.instances;
    l.memory_mib += instance.spec.memory_mib;
  });
  std::ostringstream out;
  out << "HOST                 ZONE            UNDERLAY         LEASE AGE  STATE  INSTANCES  MEMORY MiB\n";
  for (const store::Record& r : txn->list(model::kHostKind, std::nullopt)) {
    model::Host host = model::host_from_doc(r.doc);
    const Load& l = load[host.id];
    std::string memory = std::to_string(l.memory_mib) + "/" + (host.memory_mib > 0 ? std::to_string(host.memory_mib) : "-");
    char line[256];
    std::snprintf(line, sizeof line, "%-20s %-15s %-16s %8llds  %-5s  %9lld  %s\n", host.id.c_str(), host.zone.c_str(),
                  host.underlay.empty() ? "-" : host.underlay.c_str(), static_cast<long long>(now - host.renewed_at),
                  host.live(now) ? "live" : "down", static_cast<long long>(l.instances), memory.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace stratus::ec2
