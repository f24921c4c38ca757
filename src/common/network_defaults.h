#pragma once
// Network facts shared by the API and the host plumbing (the per-slot ones: network_slot.h).

#include <algorithm>
#include <string>
#include <vector>

namespace stratus {

// The private DNS domain of `region`: "ec2.internal" in us-east-1, else REGION.compute.internal.
inline std::string private_dns_domain(const std::string& region) {
  return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

// The host name AWS gives private IPv4 address `ip` ("ip-10-0-1-5"), before the DNS domain.
inline std::string private_host_name(std::string ip) {
  std::replace(ip.begin(), ip.end(), '.', '-');
  return "ip-" + ip;
}

// Where the region's S3 endpoint answers inside every VPC (through the VPC router, as the
// metadata service does): the one entry of the region's AWS-managed S3 prefix list.
inline constexpr const char* kS3EndpointCidr = "169.254.171.0/24";

// A prefix list AWS manages in every region: read-only, owned by "AWS".
struct AwsManagedPrefixList {
  std::string id;                  // "pl-" and 8 hex digits, the same for a region on every run
  std::string name;                // e.g. "com.amazonaws.us-east-1.s3"
  std::vector<std::string> cidrs;  // its entries
};

// The AWS-managed prefix lists of `region`: com.amazonaws.REGION.s3 (kS3EndpointCidr).
std::vector<AwsManagedPrefixList> aws_managed_prefix_lists(const std::string& region);

}  // namespace stratus
