#pragma once
// Network facts shared by the API and the host plumbing (the per-slot ones: network_slot.h).

#include <string>

namespace stratus {

// The private DNS domain of `region`: "ec2.internal" in us-east-1, else REGION.compute.internal.
inline std::string private_dns_domain(const std::string& region) {
  return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

}  // namespace stratus
