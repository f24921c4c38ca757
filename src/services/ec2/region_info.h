#pragma once
// Actions that describe the region set and its catalogue: regions, zones, account
// attributes, instance types and their offerings.

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers DescribeRegions, DescribeAvailabilityZones, DescribeAccountAttributes,
// DescribeInstanceTypes and DescribeInstanceTypeOfferings.
void add_region_info_actions(ActionTable& table);

}  // namespace stratus::ec2
