#pragma once
// What every EC2 action handler receives and may throw.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/cidr.h"
#include "common/result.h"
#include "services/ec2/limits.h"
#include "store/store.h"

namespace stratus::ec2 {

using nlohmann::json;
class Catalog;

// Thrown inside the service to abort a call with an AWS error; Ec2Service::call turns it
// into a Result and rolls the transaction back, so a failed call changes nothing.
struct ServiceError {
  ApiError error;
};

// Aborts the current call with `code` and `message`.
[[noreturn]] void fail(const std::string& code, const std::string& message);

// The latest serial console output of an instance, or nullopt when it has none (yet).
using ConsoleReader = std::function<std::optional<std::string>(const std::string& instance_id)>;

// What this host may give to instances. Zero means no limit.
struct HostCapacity {
  int64_t memory_mib = 0;            // guest memory plus per-VM overhead of every instance that holds the host
  int64_t vcpus = 0;                 // vCPUs of every instance that holds the host
  int64_t overhead_mib_per_vm = 0;   // what a VM costs beyond its guest memory (QEMU, TCG translation cache)
};

// The environment of one API call.
// USD per hour of a Linux on-demand instance of a type in a region, or nullopt when unknown.
using PriceLookup = std::function<std::optional<double>(const std::string& type, const std::string& region)>;

struct CallContext {
  std::string region;       // the region the request was signed for
  std::string account_id;   // the caller's account
  int64_t now = 0;          // Unix seconds at the start of the call
  store::Transaction& txn;  // the call's transaction (read-only for non-mutating actions)
  const Catalog& catalog;
  const ConsoleReader* console = nullptr;  // null when no VMs run here
  const HostCapacity* capacity = nullptr;  // null when capacity is not limited
  std::string_view endpoint_url;           // this server's URL ("" when not serving)
  const Limits& limits;                    // the quotas the create calls enforce
  Ipv4Cidr public_pool;                    // where public IPv4 addresses come from (the network slot's)
  const PriceLookup* on_demand_price = nullptr;  // on-demand prices (the bill's); null: the catalogue's
};

// Handles one action: takes the typed request, returns the typed result (member names of
// the output shape). Throws ServiceError on bad input.
using ActionHandler = std::function<json(CallContext&, const json& request)>;

// Brings the result stored for an earlier call with the same ClientToken up to date for a
// repeat of that call (AWS: "the result might contain updated information"). Throws ServiceError.
using ResultRefresher = std::function<json(CallContext&, json stored_result)>;

// How an action runs.
struct ActionEntry {
  ActionHandler handler;
  bool mutating = false;    // true: runs in a write transaction that commits on success
  ResultRefresher refresh = nullptr;  // null: a repeated ClientToken call gets its stored result as it was
};

// Action name -> entry.
using ActionTable = std::map<std::string, ActionEntry, std::less<>>;

}  // namespace stratus::ec2
