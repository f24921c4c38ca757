#pragma once
// DHCP options sets: what a VPC's DHCP server tells its instances (domain name, name servers,
// NTP and NetBIOS servers). Every VPC is associated with one set, or with none ("default").

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// The region's default DHCP options set (domain-name REGION.compute.internal, ec2.internal in
// us-east-1; domain-name-servers AmazonProvidedDNS), created on first use; its id.
std::string default_dhcp_options(CallContext& ctx);

// Registers CreateDhcpOptions, DeleteDhcpOptions, AssociateDhcpOptions and DescribeDhcpOptions.
void add_dhcp_options_actions(ActionTable& table);

}  // namespace stratus::ec2
