#pragma once
// Elastic IPs: AllocateAddress, AssociateAddress (instance or network interface,
// AllowReassociation), DisassociateAddress, ReleaseAddress, DescribeAddresses. An associated
// address replaces the instance's automatic public IP and stays with it across stop/start;
// unassociated addresses stay allocated to the account (and billed, later) until released.

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers the Elastic IP actions.
void add_address_actions(ActionTable& table);

// Disassociates `instance`'s Elastic IP, if it has one (as termination does); the address
// stays allocated. The caller saves `instance`.
void disassociate_elastic_ip(CallContext& ctx, json& instance);

}  // namespace stratus::ec2
