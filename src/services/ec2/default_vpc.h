#pragma once
// The default VPC every region starts with, as on AWS.

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Creates the call region's default VPC (172.31.0.0/16) with one default /20 subnet per zone,
// an attached internet gateway and a 0.0.0.0/0 route to it, unless this region already had
// one created (a deleted default VPC is not recreated, as on AWS).
void ensure_default_vpc(CallContext& ctx);

}  // namespace stratus::ec2
