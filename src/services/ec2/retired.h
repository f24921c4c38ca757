#pragma once
// Actions of features AWS has retired (EC2-Classic and ClassicLink, retired in 2023): they are
// still in the model, and AWS answers each with the same error, which clients match on (Ansible's
// ec2_vpc_net reads DescribeVpcClassicLink's answer to learn that ClassicLink is gone).

#include <string_view>
#include <vector>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// The actions of retired features, by name.
const std::vector<std::string_view>& retired_actions();

// Registers every retired action, each answering UnsupportedOperation with AWS's message "The
// functionality you requested is not available in this region."
void add_retired_actions(ActionTable& table);

}  // namespace stratus::ec2
