#pragma once
// The conformance table: every EC2 action of the model that a VPC-level user touches, and
// whether stratus implements it, generated from the model and the action table so that
// docs/conformance.md cannot drift (a unit test compares the two).

#include <string>

#include "api/service_model.h"
#include "services/ec2/ec2_service.h"

namespace stratus::ec2 {

// docs/conformance.md's text: a Markdown table per area (regions and account, VPCs, subnets,
// gateways, routes, network ACLs, security groups, addresses, interfaces, key pairs, tags,
// images, instances...), each action marked implemented, retired (AWS's own
// UnsupportedOperation answer) or not yet, with the counts.
std::string conformance_table(const api::ServiceModel& model, const Ec2Service& service);

}  // namespace stratus::ec2
