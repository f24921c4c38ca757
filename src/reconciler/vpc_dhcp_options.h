#pragma once
// What each VPC's DHCP server hands out, read from the store: the settings of the DHCP options
// set the VPC is associated with (AssociateDhcpOptions), AmazonProvidedDNS being the VPC's own
// resolver at its base address + 2; nothing beyond address and router for "default" (no set).

#include <map>
#include <string>

#include "net/dhcp_options.h"
#include "store/store.h"

namespace stratus::reconciler {

// VPC id -> its DHCP options, for every VPC in the store.
std::map<std::string, net::DhcpOptions> vpc_dhcp_options(store::Transaction& txn);

}  // namespace stratus::reconciler
