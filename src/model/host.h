#pragma once
// Registered hosts (kind "host", in the region of their availability zone): the machines that
// run instances when a region spans several (`stratus host`). Each renews its lease by writing
// RenewedAt; a host whose lease ran out is down. Without registered hosts the server runs the
// region's instances itself.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/store.h"

namespace stratus::model {

// The store kind of host records.
inline constexpr const char* kHostKind = "host";

struct Host {
  std::string id;                // "h-" and 17 hex digits, kept in the agent's data dir
  std::string zone;              // the availability zone it serves
  std::string underlay;          // the address other hosts reach it at
  int64_t memory_mib = 0;        // what its instances may hold (guest memory plus overhead); 0: no limit
  int64_t vcpus = 0;             // vCPUs its instances may hold; 0: no limit
  int64_t overhead_mib = 0;      // what one VM costs beyond its guest memory
  int64_t lease_seconds = 30;    // down once RenewedAt is older than this
  int64_t renewed_at = 0;        // Unix seconds, the host's clock
  int64_t started_at = 0;        // Unix seconds: when its agent started

  // True while its lease holds at Unix time `now`.
  bool live(int64_t now) const { return now - renewed_at <= lease_seconds; }
};

// The record document of `host`.
nlohmann::json host_doc(const Host& host);
// The host of a record document.
Host host_from_doc(const nlohmann::json& doc);
// The hosts registered in `region`, by id.
std::map<std::string, Host> hosts_by_id(store::Transaction& txn, const std::string& region);
// The host `id` of `region`, or nullopt when it is not registered.
std::optional<Host> find_host(store::Transaction& txn, const std::string& region, const std::string& id);

}  // namespace stratus::model
