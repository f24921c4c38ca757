#pragma once
// A VPC that spans hosts: each host's VPC router has a VXLAN device (one VNI per VPC, UDP 4789
// over the hosts' underlay addresses, no learning) and, for every interface of the VPC on another
// host, a permanent neighbour (that host's device MAC) and a /32 route over the device; one
// forwarding entry per remote host sends that MAC to its underlay address. The routed-tap design
// is unchanged: guests see their gateway answer for every address (proxy ARP), and each host's
// firewall judges only its own taps (egress at the source, ingress at the destination).

#include <cstdint>
#include <string>
#include <vector>

namespace stratus::net {

// An interface of the VPC that lives on another host.
struct RemotePort {
  std::string ip;        // one of its private IPv4 addresses
  std::string hostname;  // "ip-10-0-1-5": the VPC resolver names it on every host
  std::string underlay;  // the underlay address of its host
  bool operator==(const RemotePort&) const = default;
  auto operator<=>(const RemotePort&) const = default;
};

// What a host's VPC router needs to reach the rest of its VPC.
struct VpcOverlay {
  uint32_t vni = 0;                // the VPC's VXLAN network identifier (1..2^24-1); 0: none yet
  std::vector<RemotePort> remote;  // sorted
  bool operator==(const VpcOverlay&) const = default;
};

// The UDP port of every VXLAN device (IANA's).
inline constexpr int kVxlanPort = 4789;
// The MTU of guests and VXLAN devices when VPCs span hosts: 1500 less VXLAN's 50 bytes.
inline constexpr int kOverlayMtu = 1450;

// The VXLAN device of `vpc_id` in its router's namespace (at most 15 characters).
std::string overlay_device(const std::string& vpc_id);
// The MAC of the VXLAN devices of the host at IPv4 `underlay` ("02:53:" and its four octets), so
// that other hosts know it without asking. REQUIRES: `underlay` is a dotted IPv4 address.
std::string overlay_mac(const std::string& underlay);

// The `ip -batch` commands that take the router's neighbours and /32 routes over `device` from
// `before` to `after` (deleting what went away first).
std::string overlay_route_batch(const std::string& device, const VpcOverlay& before, const VpcOverlay& after);
// The `bridge -batch` commands that take `device`'s forwarding entries (one per remote host) from
// `before` to `after`.
std::string overlay_fdb_batch(const std::string& device, const VpcOverlay& before, const VpcOverlay& after);

}  // namespace stratus::net
