#pragma once
// Instances through the API: RunInstances and the lifecycle calls record desired state
// (pending, stopping, shutting-down); the instance reconciler makes VMs follow and records
// what they did (running, stopped, terminated).

#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers RunInstances, DescribeInstances, DescribeInstanceStatus, StartInstances,
// StopInstances, RebootInstances, TerminateInstances, GetConsoleOutput (the latest 64 KiB
// of the serial console) and ModifyInstanceMetadataOptions.
void add_instance_actions(ActionTable& table);

}  // namespace stratus::ec2
