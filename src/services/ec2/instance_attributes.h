#pragma once
// DescribeInstanceAttribute and ModifyInstanceAttribute: one attribute per call, with AWS's
// rules on when each may change (instance type, user data and ENA support only while stopped).

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers DescribeInstanceAttribute and ModifyInstanceAttribute.
void add_instance_attribute_actions(ActionTable& table);

}  // namespace stratus::ec2
