#include "model/host.h"

namespace stratus::model {

nlohmann::json host_doc(const Host& host) {
  return {{"HostId", host.id},           {"AvailabilityZone", host.zone}, {"Underlay", host.underlay},
          {"MemoryMiB", host.memory_mib}, {"VCpus", host.vcpus},           {"OverheadMiB", host.overhead_mib},
          {"LeaseSeconds", host.lease_seconds}, {"RenewedAt", host.renewed_at}, {"StartedAt", host.started_at}};
}

Host host_from_doc(const nlohmann::json& doc) {
  Host host;
  host.id = doc.value("HostId", "");
  host.zone = doc.value("AvailabilityZone", "");
  host.underlay = doc.value("Underlay", "");
  host.memory_mib = doc.value("MemoryMiB", int64_t{0});
  host.vcpus = doc.value("VCpus", int64_t{0});
  host.overhead_mib = doc.value("OverheadMiB", int64_t{0});
  host.lease_seconds = doc.value("LeaseSeconds", int64_t{30});
  host.renewed_at = doc.value("RenewedAt", int64_t{0});
  host.started_at = doc.value("StartedAt", int64_t{0});
  return host;
}

std::map<std::string, Host> hosts_by_id(store::Transaction& txn, const std::string& region) {
  std::map<std::string, Host> hosts;
  for (const store::Record& record : txn.list(kHostKind, region)) {
    Host host = host_from_doc(record.doc);
    hosts.emplace(host.id, std::move(host));
  }
  return hosts;
}

std::optional<Host> find_host(store::Transaction& txn, const std::string& region, const std::string& id) {
  auto record = txn.get(id);
  if (!record || record->kind != kHostKind || record->region != region) return std::nullopt;
  return host_from_doc(record->doc);
}

}  // namespace stratus::model
