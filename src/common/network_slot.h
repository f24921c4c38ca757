#pragma once
// Network slots: what keeps the host-wide network resources of `stratus serve` processes on one
// host apart. Each data dir is given a slot at its first start (kept in its store); the slot
// names its own edge namespace, host link and public IPv4 pool, so servers of different data
// dirs neither share an edge nor hand out the same public addresses.

#include <string>

#include "common/cidr.h"

namespace stratus {

// How many slots one host has: the edge links' /30s fill 198.18.0.0/26 and the public pools'
// /20s fill 198.19.0.0/16 (both RFC 2544 benchmarking ranges, routed on this host only).
inline constexpr int kNetworkSlots = 16;

// The host-wide network names and addresses of one slot.
struct NetworkSlot {
  int index = 0;           // 0 .. kNetworkSlots-1
  std::string edge_netns;  // the edge namespace public addresses are routed through
  std::string host_link;   // the host's end of its veth to the edge (at most 15 characters)
  std::string host_address;  // the host's address on that link: "the internet" as instances see it
  std::string edge_address;  // the edge's address on that link
  Ipv4Cidr public_pool;      // where public IPv4 addresses (automatic and Elastic) come from

  bool operator==(const NetworkSlot&) const = default;
};

// Slot `index`. Slot 0 has the names and addresses of the time before slots (namespace and host
// link "stratus-edge", 198.18.0.1 and .2) and the pool 198.19.0.0/20; slot k has namespace
// "stratus-edge-k", host link "stratus-edgek", 198.18.0.(4k+1) and .(4k+2), pool 198.19.(16k).0/20.
// REQUIRES: 0 <= index < kNetworkSlots.
NetworkSlot network_slot(int index);

}  // namespace stratus
