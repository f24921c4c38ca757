#pragma once
// The spot market's pass (every couple of seconds, Ec2Service::run_spot_market): records the
// host's utilisation (the spot price), bills spot instances at the new price, gives the
// two-minute notice (IMDS spot/instance-action, and a rebalance recommendation before it) to
// the spot instances to be interrupted: those whose max price the spot price passed, the newest
// ones while on-demand launches need back the capacity they hold, and those a fault experiment
// names; interrupts them (stop or terminate, per their interruption behaviour) once the notice
// has run; and fulfils open requests (persistent ones after an interruption) and restarts
// interrupted stopped instances when price and room allow again.

#include <functional>
#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// The context of the pass in one region (its transaction and clock shared).
using RegionContext = std::function<CallContext(const std::string& region)>;

// One pass over every region within `host`'s transaction (any region's context: the host is one).
// True when it wrote.
bool spot_market_pass(CallContext& host, const RegionContext& in_region);

// Gives spot instance `instance_id` of ctx.region notice that it is interrupted `after` seconds
// from now (a fault experiment's aws:ec2:send-spot-instance-interruptions; at least 120), with a
// rebalance recommendation now. InvalidParameterValue when it is not a running spot instance.
void send_spot_interruption(CallContext& ctx, const std::string& instance_id, int64_t after);

}  // namespace stratus::ec2
