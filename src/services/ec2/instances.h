#pragma once
// Instances through the API: RunInstances and the lifecycle calls record desired state
// (pending, stopping, shutting-down); the instance reconciler makes VMs follow and records
// what they did (running, stopped, terminated).

#include <string>

#include "compute/instance_state.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers RunInstances, DescribeInstances, DescribeInstanceStatus, StartInstances,
// StopInstances, RebootInstances, TerminateInstances, GetConsoleOutput (the latest 64 KiB
// of the serial console) and ModifyInstanceMetadataOptions.
void add_instance_actions(ActionTable& table);

// RunInstances: launches what `request` asks (spot instances with InstanceMarketOptions) and
// returns its Reservation. Throws ServiceError.
json run_instances(CallContext& ctx, const json& request);

// Moves each instance of request["InstanceIds"] as `action` asks (what StartInstances,
// StopInstances, RebootInstances and TerminateInstances do) and returns the StateChanges; the
// whole call is refused, changing nothing, when one instance is in a state the action cannot
// leave. `reason`: the StateTransitionReason of a stop or termination the service initiates ("":
// the user's call, whose spot requests then say so). Throws ServiceError.
json change_states(CallContext& ctx, const json& request, compute::InstanceAction action,
                   const std::string& reason = "");

// {GroupId, GroupName} of each security group in `group_ids` (a JSON array of ids), all of
// which must exist and belong to `vpc_id` (InvalidGroup.NotFound / InvalidParameter otherwise).
json security_group_refs(CallContext& ctx, const json& group_ids, const std::string& vpc_id);

// Fails with `code` (SecurityGroupsPerInstanceLimitExceeded for instance calls,
// SecurityGroupsPerInterfaceLimitExceeded for interface calls) when `groups` are more than one
// interface may have (ctx.limits).
void check_groups_per_interface(CallContext& ctx, const json& groups, const std::string& code);

}  // namespace stratus::ec2
