#pragma once
// Network facts shared by the API (which allocates) and the host plumbing (which routes).

#include <string>

namespace stratus {

// Public IPv4 addresses come from this pool (RFC 2544 benchmarking range): routed from the
// host into stratus's edge namespace only, never towards a real uplink.
inline constexpr const char* kPublicIpv4Pool = "198.19.0.0/16";

// The host's address on its link to the edge namespace: "the internet" as instances see it
// (RFC 2544 range). A subnet reaches it only through a route to an attached internet gateway.
inline constexpr const char* kHostEdgeAddress = "198.18.0.1";
inline constexpr const char* kEdgeHostAddress = "198.18.0.2";  // the edge's side of that link

// The private DNS domain of `region`: "ec2.internal" in us-east-1, else REGION.compute.internal.
inline std::string private_dns_domain(const std::string& region) {
  return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

}  // namespace stratus
