#pragma once
// The plumbing of a VPC on this host: a network namespace per VPC that is the VPC's router,
// and a routed tap per network interface (no bridges: as in a real VPC there is no shared L2
// segment). Each tap carries its subnet's gateway address (base+1) as a /32 and answers ARP for
// the rest of the subnet (proxy ARP); a /32 route per interface address leads to its tap, so
// each interface is its own firewall port. One DHCP server per VPC (dnsmasq) hands out the
// reserved MAC->IP of every interface; the VPC's DNS resolver at the VPC base+2 answers
// ip-a-b-c-d names; 169.254.169.254 inside answers for the metadata service.
// Everything is named with a "stratus"/"st" prefix and removed with its owner. dnsmasq
// processes, like VMs, outlive `stratus serve` and are re-adopted by pid file.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/cidr.h"
#include "common/network_slot.h"
#include "common/result.h"
#include "compute/process_runner.h"
#include "net/dhcp_options.h"
#include "net/firewall_ruleset.h"
#include "net/interface_routes.h"
#include "net/vpc_overlay.h"

namespace stratus::net {

// A network interface to plug into its subnet.
struct Port {
  std::string eni_id;    // "eni-..."
  std::string mac;       // lower-case
  std::string ip;        // the private IPv4 reserved for it
  std::string hostname;  // "ip-172-31-5-17"
};

// Where this host's plumbing sits among other hosts'.
struct HostNetwork {
  // Put after "stratus-" in VPC namespace names: hosts simulated on one machine differ by it
  // (namespace names are global to the machine).
  std::string netns_prefix;
  // This host's IPv4 address on the underlay between hosts; empty: VPCs do not span hosts.
  std::string underlay;
};

// Builds and tears down VPC plumbing with iproute2 and dnsmasq. Not thread-safe: one caller
// (the reconciler) drives it.
// Where S3 answers inside every VPC (in 169.254.171.0/24, the entry of the region's
// com.amazonaws.REGION.s3 prefix list), on port 80.
inline constexpr const char* kS3Address = "169.254.171.1";

class VpcNetwork {
 public:
  // `state_dir` holds dnsmasq's pid, lease, hosts and log files (created on demand), named
  // VPC.dns.* for the resolver and VPC.dhcp.* for the DHCP server (VPC.dhcp.ranges: one line
  // per subnet). Public addresses go through `slot`'s edge namespace and host link.
  // REQUIRES: this process holds `slot` (network_slot_lease.h), so no other touches its edge.
  // `host` places this host among others (its defaults: the only host).
  VpcNetwork(compute::ProcessRunner& runner, std::filesystem::path state_dir, NetworkSlot slot, HostNetwork host = {});

  // The network slot whose edge this plumbing uses.
  const NetworkSlot& slot() const { return slot_; }

  // True when this host has an underlay, so its VPC routers reach other hosts (set_overlay()).
  bool spans_hosts() const { return !host_.underlay.empty(); }
  // The namespace of `vpc_id`: "stratus-" + the host's netns prefix + vpc_id.
  std::string netns_name(const std::string& vpc_id) const;
  // The tap of `eni_id` inside its VPC namespace (at most 15 characters).
  static std::string tap_name(const std::string& eni_id);
  // The link of peering connection `pcx_id` in each of its two VPC routers (at most 15 characters).
  static std::string peering_link(const std::string& pcx_id);

  // Creates the namespace with loopback up, forwarding on, 169.254.169.254, kS3Address and the
  // resolver address (VPC base+2) on loopback, and the resolver (names under `domain`; `s3_name`,
  // when given, and every name under it resolving to kS3Address). Idempotent (a resolver already
  // running keeps the names it started with).
  Result<bool> ensure_vpc(const std::string& vpc_id, const Ipv4Cidr& vpc_cidr, const std::string& domain,
                          const std::string& s3_name = "");
  // Makes the VPC's DHCP server serve `subnet_cidr` (router: its base+1), restarting it when
  // the subnet is new to it. Idempotent. REQUIRES: ensure_vpc() for the VPC.
  Result<bool> ensure_subnet(const std::string& vpc_id, const Ipv4Cidr& vpc_cidr, const std::string& subnet_id,
                             const Ipv4Cidr& subnet_cidr, const std::string& domain);
  // Makes the VPC's DHCP server hand out `options` (kept in VPC.dhcp.options), restarting it
  // when they change so that clients get them on their next lease. Until the first call the
  // server hands out the VPC resolver and `domain` of ensure_subnet(). REQUIRES: ensure_vpc().
  Result<bool> set_dhcp_options(const std::string& vpc_id, const DhcpOptions& options);
  // Creates the port's routed tap (the gateway of `subnet_cidr` on it, proxy ARP, a route to
  // the port's address), reserves its address for its MAC in DHCP and its name in DNS.
  // Idempotent. REQUIRES: ensure_subnet() for the subnet.
  Result<bool> ensure_port(const std::string& vpc_id, const Ipv4Cidr& subnet_cidr, const Port& port);
  // Removes the port's tap, route, reservation, name and DHCP lease (nothing when absent), so
  // that the next interface given its address gets it by DHCP at once.
  Result<bool> remove_port(const std::string& vpc_id, const Port& port);
  // Keeps the slot's public pool on this host: an unreachable route for it on the host, below
  // the edge's route (which wins while the edge exists), so that packets to a public address
  // whose edge is not there (yet, or any longer) fail at once rather than leave by the host's
  // default route. Idempotent; the route outlives the process, as the edge and the VMs do. On a
  // host among others, nothing: public addresses are reached over the underlay.
  Result<bool> hold_public_pool();
  // Makes exactly the public addresses of `public_to_private` reach their private addresses in
  // `vpc_id` from this host (1:1 NAT inside the VPC namespace; each public address routed over
  // the VPC's veth into the slot's edge namespace, which the host reaches over a veth with a
  // route for the slot's public pool, plus one per published address outside it), withdrawing
  // any other. Nothing when already so. When VPCs span hosts, the host also answers ARP for each
  // of its public addresses on its underlay interface (a proxy neighbour entry; the operator
  // enables IPv4 forwarding there), announces each new one there three times a second apart
  // (gratuitous ARP, repeated by later calls), and its edge routes replies towards the
  // underlay. REQUIRES: ensure_vpc().
  Result<bool> set_published(const std::string& vpc_id, const std::map<std::string, std::string>& public_to_private);

  // Makes the VPC router's firewall (security groups, source/destination checks, internet
  // routes, network ACLs) `firewall`, in one nftables transaction; nothing when it already is.
  // REQUIRES: ensure_vpc().
  Result<bool> apply_firewall(const std::string& vpc_id, const VpcFirewall& firewall);

  // Makes the VPC router's interface routes (route table entries whose target is a network
  // interface) `routes`, replacing the ones it had; nothing when it already has them. A route
  // whose target's tap does not exist yet drops its packets until a later call finds the tap.
  // REQUIRES: ensure_vpc().
  Result<bool> set_interface_routes(const std::string& vpc_id, const VpcInterfaceRoutes& routes);

  // Makes the VPC router reach the VPC's interfaces on other hosts as `overlay` says (its VXLAN
  // device, created on first use in this process's namespace, where the underlay is, then moved
  // into the router's; a neighbour and a /32 route per remote address; a forwarding entry per
  // remote host; the remote names in the VPC resolver), undoing what an earlier call set up
  // that `overlay` no longer has (kept in VPC.overlay). Nothing when it already is so.
  // REQUIRES: ensure_vpc(); this host has an underlay; overlay.vni != 0.
  Result<bool> set_overlay(const std::string& vpc_id, const VpcOverlay& overlay);

  // Connects the routers of `vpc_a` and `vpc_b` by a veth pair named peering_link(`pcx_id`) in
  // both, answering ARP for the other side's addresses (proxy ARP); what goes over it is decided by
  // each side's interface route tables. Each end carries its router's `address_a`/`address_b`
  // (/32, an address of its own VPC), which its ARP requests come from: without one they would
  // come from 169.254.169.254, which the other router has too and takes for a spoof. Recorded in
  // PCX.peering. Idempotent. REQUIRES: ensure_vpc() for both VPCs.
  Result<bool> ensure_peering(const std::string& pcx_id, const std::string& vpc_a, const std::string& address_a,
                              const std::string& vpc_b, const std::string& address_b);
  // Removes the peering link and its record (nothing when absent).
  Result<bool> remove_peering(const std::string& pcx_id);
  // The peering links this state directory records: connection id -> its two VPCs.
  std::map<std::string, std::pair<std::string, std::string>> peerings() const;

  // True when the VPC's DHCP server has leased an address to `mac` (the guest is up).
  bool has_lease(const std::string& vpc_id, const std::string& mac) const;
  // True when the VPC's namespace exists (it does not after a host restart).
  bool has_namespace(const std::string& vpc_id) const;
  // The VPCs this state directory has plumbing for (whose resolver it started).
  std::vector<std::string> vpcs() const;
  // Stops the VPC's dnsmasq processes and deletes its namespace with everything in it (and
  // the slot's edge namespace when no other VPC uses it).
  Result<bool> remove_vpc(const std::string& vpc_id);
  // Deletes the slot's edge namespace once no VPC uplink is left in it (the kernel dismantles a
  // deleted VPC namespace's veth asynchronously, so remove_vpc() may leave it for later).
  // Never touches another slot's edge.
  Result<bool> remove_idle_edge();

 private:
  Result<bool> ip(const std::vector<std::string>& args);
  // Creates the slot's edge namespace, its veth to the host and the host's route for the pool
  // (nothing when the namespace exists).
  Result<bool> ensure_edge();
  // Creates the VPC's uplink veth into the edge (nothing when it exists).
  Result<bool> ensure_uplink(const std::string& vpc_id);
  // True when `public_ip` is not in the slot's public pool (so the pool's route misses it).
  bool outside_pool(const std::string& public_ip) const;
  // Answers ARP for `public_ip` on the underlay interface (or stops, with `answer` false).
  Result<bool> set_proxy_arp(const std::string& public_ip, bool answer);
  // Sends the gratuitous ARPs that are due (see set_published()).
  void send_due_announcements();
  // Rewrites the VPC's NAT table from its mapping file (public -> private per line).
  Result<bool> apply_nat(const std::string& vpc_id);
  // The mapping file's public -> private addresses.
  std::map<std::string, std::string> published(const std::string& vpc_id) const;
  Result<bool> in_netns(const std::string& vpc_id, const std::vector<std::string>& command);
  std::filesystem::path file(const std::string& owner, const std::string& suffix) const;
  // The overlay set_overlay() last applied to the VPC (empty when none).
  VpcOverlay recorded_overlay(const std::string& vpc_id) const;
  // Creates the VPC's VXLAN device for `vni` unless its router has it; true when it was created.
  Result<bool> ensure_overlay_device(const std::string& vpc_id, uint32_t vni);
  // (Re)starts the VPC's DHCP server over the subnets in VPC.dhcp.ranges, handing out
  // `option_args` (dnsmasq's --dhcp-option/--domain arguments), which it records.
  Result<bool> restart_dhcp(const std::string& vpc_id, const std::vector<std::string>& option_args);
  // Ends the VPC's DHCP server, if it runs (SIGTERM, then SIGKILL after a second).
  void stop_dhcp(const std::string& vpc_id);
  // Records `option_args` in VPC.dhcp.options (unchanged when they are the recorded ones).
  Result<bool> record_dhcp_options(const std::string& vpc_id, const std::vector<std::string>& option_args);
  // Makes the VPC's DHCP server forget any lease on the port's address: a DHCPRELEASE through
  // the port's tap (when `tapped`, it exists), awaited for up to two seconds; failing that, a
  // restart of the server without the lease.
  Result<bool> forget_lease(const std::string& vpc_id, const Port& port, bool tapped);
  // The option arguments the DHCP server was last started with or set_dhcp_options() recorded
  // (VPC.dhcp.options), or nullopt before either.
  std::optional<std::vector<std::string>> recorded_dhcp_options(const std::string& vpc_id) const;
  // Starts dnsmasq with `args` unless the one recorded in `pid_file` is alive.
  Result<bool> ensure_dnsmasq(const std::string& vpc_id, const std::filesystem::path& pid_file,
                              std::vector<std::string> args);
  // Rewrites a hosts file without `match`'s line, plus `line` when not empty; then SIGHUPs.
  Result<bool> update_hosts(const std::filesystem::path& hosts, const std::filesystem::path& pid_file,
                            const std::string& match, const std::string& line);

  compute::ProcessRunner& runner_;
  std::filesystem::path state_dir_;
  NetworkSlot slot_;
  HostNetwork host_;
  std::string underlay_interface_;  // the interface with host_.underlay (found on first use)
  struct Announcement {
    int left = 0;                                // gratuitous ARPs still to send
    std::chrono::steady_clock::time_point next;  // when the next is due
  };
  std::map<std::string, Announcement> announcements_;  // public address -> its announcement
  std::map<std::string, VpcOverlay> overlays_;  // VPC -> the overlay it was last given
  std::map<std::string, VpcFirewall> firewalls_;  // VPC -> the firewall it was last given
  std::map<std::string, VpcInterfaceRoutes> routes_;  // VPC -> the interface routes it was last given
};

}  // namespace stratus::net
