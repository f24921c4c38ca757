#pragma once
// Gratuitous ARP: how a host tells its segment that an address (a public IP that moved to one of
// its instances) is now reached through it, so that neighbours stop sending to the host that had
// it before.

#include <optional>
#include <string>

#include "common/result.h"

namespace stratus::net {

// The interface of this process's network namespace that carries IPv4 `address`, or nullopt.
std::optional<std::string> interface_with_address(const std::string& address);

// Broadcasts one gratuitous ARP request on `interface` (of this process's network namespace):
// IPv4 `address` is at the interface's MAC. Neighbours that know the address update their cache.
Result<bool> announce_address(const std::string& interface, const std::string& address);

}  // namespace stratus::net
