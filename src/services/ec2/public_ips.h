#pragma once
// Public IPv4 addresses of instances: automatic ones (given at launch and start, given back at
// stop) and Elastic IPs (allocated to the account, kept across stop/start). Both come from the
// call's public pool (the server's network slot's) and never collide.

#include <string>

#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// A free address of the public pool (no instance and no Elastic IP has it), picked at random as
// AWS does, never `previous`. Throws InsufficientAddressCapacity when the pool is used up.
std::string allocate_public_ip(CallContext& ctx, const std::string& previous = "");

// Gives `instance` a new automatic public address when it launches with one and has no
// Elastic IP (sets PublicIpAddress, PublicDnsName, the primary interface's Association).
void assign_public_ip(CallContext& ctx, model::Instance& instance);

// The public DNS name AWS gives `ip` in the call's region ("ec2-a-b-c-d.compute-1.amazonaws.com").
std::string public_dns_name(const CallContext& ctx, const std::string& ip);

// Makes `ip` the public address of the instance described by `api` (model::Instance::api),
// owned by `owner` ("amazon" for automatic ones, the account for Elastic IPs).
void set_public_ip(CallContext& ctx, json& api, const std::string& ip, const std::string& owner);

// Takes the public address away from the instance described by `api` and its primary interface
// (the API's view; the reconciler unpublishes it). Other interfaces keep their Elastic IPs.
void clear_public_ip(json& api);

}  // namespace stratus::ec2
