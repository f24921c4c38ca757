#pragma once
// The L2/L3 plumbing of a VPC on this host: a network namespace per VPC, a bridge per
// subnet (gateway at the subnet's base+1), a tap per network interface, DHCP per subnet with
// MAC->IP reservations (dnsmasq), the VPC's DNS resolver at the VPC base+2 answering
// ip-a-b-c-d names, and 169.254.169.254 inside for the metadata service.
// Everything is named with a "stratus"/"st" prefix and removed with its owner. dnsmasq
// processes, like VMs, outlive `stratus serve` and are re-adopted by pid file.

#include <filesystem>
#include <string>
#include <vector>

#include "common/cidr.h"
#include "common/result.h"
#include "compute/process_runner.h"

namespace stratus::net {

// A network interface to plug into a subnet.
struct Port {
  std::string eni_id;    // "eni-..."
  std::string mac;       // lower-case
  std::string ip;        // the private IPv4 reserved for it
  std::string hostname;  // "ip-172-31-5-17"
};

// Builds and tears down VPC plumbing with iproute2 and dnsmasq. Not thread-safe: one caller
// (the reconciler) drives it.
class VpcNetwork {
 public:
  // `state_dir` holds dnsmasq's pid, lease, hosts and log files (created on demand), named
  // VPC.dns.* for the resolver and VPC.SUBNET.dhcp.* for each subnet's DHCP server.
  VpcNetwork(compute::ProcessRunner& runner, std::filesystem::path state_dir);

  // The namespace of `vpc_id`: "stratus-" + vpc_id.
  static std::string netns_name(const std::string& vpc_id);
  // The bridge of `subnet_id` inside its VPC namespace (at most 15 characters).
  static std::string bridge_name(const std::string& subnet_id);
  // The tap of `eni_id` inside its VPC namespace (at most 15 characters).
  static std::string tap_name(const std::string& eni_id);

  // Creates the namespace with loopback up, forwarding on, 169.254.169.254 and the resolver
  // address (VPC base+2) on loopback, and the resolver (names under `domain`). Idempotent.
  Result<bool> ensure_vpc(const std::string& vpc_id, const Ipv4Cidr& vpc_cidr, const std::string& domain);
  // Creates the subnet's bridge (gateway base+1) and its DHCP server. Idempotent.
  // REQUIRES: ensure_vpc() for the VPC.
  Result<bool> ensure_subnet(const std::string& vpc_id, const Ipv4Cidr& vpc_cidr, const std::string& subnet_id,
                             const Ipv4Cidr& subnet_cidr, const std::string& domain);
  // Creates the port's tap on the subnet's bridge, reserves its address for its MAC in DHCP
  // and its name in DNS. Idempotent. REQUIRES: ensure_subnet() for the subnet.
  Result<bool> ensure_port(const std::string& vpc_id, const std::string& subnet_id, const Port& port);
  // Removes the port's tap, reservation and name (nothing when absent).
  Result<bool> remove_port(const std::string& vpc_id, const std::string& subnet_id, const Port& port);
  // Makes `public_ip` reach `private_ip` of `vpc_id` from this host (1:1 NAT inside the VPC
  // namespace; the address routed over the VPC's veth into the shared "stratus-edge" namespace,
  // which the host reaches over a veth with a route for `public_pool` only). Idempotent.
  Result<bool> publish(const std::string& vpc_id, const std::string& public_ip, const std::string& private_ip,
                       const Ipv4Cidr& public_pool);
  // Withdraws `public_ip` of `vpc_id` (nothing when absent).
  Result<bool> unpublish(const std::string& vpc_id, const std::string& public_ip);

  // True when the subnet's DHCP server has leased an address to `mac` (the guest is up).
  bool has_lease(const std::string& vpc_id, const std::string& subnet_id, const std::string& mac) const;
  // The VPCs this state directory has plumbing for (whose resolver it started).
  std::vector<std::string> vpcs() const;
  // Stops the VPC's dnsmasq processes and deletes its namespace with everything in it (and
  // the edge namespace when no other VPC uses it).
  Result<bool> remove_vpc(const std::string& vpc_id);

 private:
  Result<bool> ip(const std::vector<std::string>& args);
  Result<bool> ensure_edge(const Ipv4Cidr& public_pool);
  Result<bool> ensure_uplink(const std::string& vpc_id);
  // Deletes the edge namespace once no VPC uplink is left in it.
  Result<bool> remove_idle_edge();
  // Rewrites the VPC's NAT table from its mapping file (public -> private per line).
  Result<bool> apply_nat(const std::string& vpc_id);
  Result<bool> in_netns(const std::string& vpc_id, const std::vector<std::string>& command);
  std::filesystem::path file(const std::string& owner, const std::string& suffix) const;
  // Starts dnsmasq with `args` unless the one recorded in `pid_file` is alive.
  Result<bool> ensure_dnsmasq(const std::string& vpc_id, const std::filesystem::path& pid_file,
                              std::vector<std::string> args);
  // Rewrites a hosts file without `match`'s line, plus `line` when not empty; then SIGHUPs.
  Result<bool> update_hosts(const std::filesystem::path& hosts, const std::filesystem::path& pid_file,
                            const std::string& match, const std::string& line);

  compute::ProcessRunner& runner_;
  std::filesystem::path state_dir_;
};

}  // namespace stratus::net
