#pragma once
// What a VPC's DHCP server tells its instances beyond their address and router: the settings
// of the VPC's DHCP options set (EC2's CreateDhcpOptions), as dnsmasq options.

#include <string>
#include <vector>

namespace stratus::net {

// A DHCP options set resolved for one VPC (AmazonProvidedDNS already replaced by the VPC's
// resolver address). Empty members are not sent.
struct DhcpOptions {
  std::string domain_name;                        // option 15, e.g. "ec2.internal" or "corp.example a.example"
  std::vector<std::string> domain_name_servers;   // option 6
  std::vector<std::string> ntp_servers;           // option 42
  std::vector<std::string> netbios_name_servers;  // option 44
  std::string netbios_node_type;                  // option 46: "1", "2", "4" or "8"

  bool operator==(const DhcpOptions&) const = default;
};

// The dnsmasq arguments that hand `options` to every client ("--dhcp-option=option:...").
std::vector<std::string> dhcp_option_args(const DhcpOptions& options);

}  // namespace stratus::net
