#pragma once
// Network interfaces (ENIs). Today every interface is an instance's primary one, kept inside
// the instance record; DescribeNetworkInterfaces shows them as AWS does (attachment, groups,
// addresses, public IP association). Interfaces of their own (Create/Attach/Detach) come next.

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers DescribeNetworkInterfaces.
void add_network_interface_actions(ActionTable& table);

}  // namespace stratus::ec2
