#pragma once
// Elastic IPs: AllocateAddress, AssociateAddress (instance or network interface,
// AllowReassociation), DisassociateAddress, ReleaseAddress, DescribeAddresses. An associated
// address replaces the instance's automatic public IP and stays with it across stop/start;
// unassociated addresses stay allocated to the account (and billed, later) until released.

#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers the Elastic IP actions.
void add_address_actions(ActionTable& table);

// Disassociates `instance`'s Elastic IP, if it has one, and those of its further interfaces that
// are deleted with it (as termination does); the addresses stay allocated. The caller saves
// `instance`.
void disassociate_elastic_ip(CallContext& ctx, model::Instance& instance);

// Disassociates the Elastic IP of interface `eni` (one that is not an instance's primary), if
// it has one; the address stays allocated. The caller saves `eni`.
void disassociate_interface_address(CallContext& ctx, json& eni);

}  // namespace stratus::ec2
