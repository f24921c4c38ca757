#pragma once
// Spot instances through the API: RunInstances with InstanceMarketOptions (a one-time or
// persistent request per instance, fulfilled at once), RequestSpotInstances (requests fulfilled
// at once when the spot price is within their max price and the host has room, else left open
// for the spot market's pass, services/ec2/spot_interruptions), DescribeSpotInstanceRequests,
// CancelSpotInstanceRequests and DescribeSpotPriceHistory. Requests move through AWS's states
// (open, active, disabled, closed, cancelled) and status codes (pending-evaluation, fulfilled,
// capacity-not-available, price-too-low, marked-for-termination, instance-terminated-by-price,
// ...). Spot Fleet and EC2 Fleet are refused by name (conformance).

#include <optional>
#include <string>

#include "compute/instance_state.h"
#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// What a spot launch is: its request's kind and the instance's terms.
struct SpotLaunch {
  std::string request_type = "one-time";  // or "persistent"
  model::SpotTerms terms;                 // terms.request_id: the request fulfilled, "" for a new one
};

// The spot launch RunInstances' `request` asks for (InstanceMarketOptions) of `type` in `zone`,
// checked as AWS checks it (InvalidParameterCombination, UnsupportedHibernationConfiguration,
// SpotMaxPriceTooLow, ...); nullopt for an on-demand launch. Throws ServiceError.
std::optional<SpotLaunch> spot_launch_of(CallContext& ctx, const json& request, const std::string& type,
                                         const std::string& zone);

// Makes `instance` (being launched with `request`) a spot instance on `launch`'s terms: a new
// request made for it (active, fulfilled), or the request it fulfils marked so.
void make_spot(CallContext& ctx, model::Instance& instance, const SpotLaunch& launch, const json& request);

// Sets spot request `request`'s State and its Status (Code, AWS's Message, UpdateTime now).
void set_request_status(CallContext& ctx, json& request, const std::string& state, const std::string& code);

// Tries to fulfil open spot request `request` (its record's document) now: launches its instance
// when the spot price is within its max price and the host has room (true), else records why not.
// Throws ServiceError when the launch specification itself is wrong.
bool fulfil(CallContext& ctx, json& request);

// The request of spot instance `instance` changes as a user's `action` on it says
// (instance-terminated-by-user, instance-stopped-by-user, fulfilled again on start); a one-time
// spot instance may not be stopped (UnsupportedOperation, as on AWS). Throws ServiceError.
void note_user_action(CallContext& ctx, const model::Instance& instance, compute::InstanceAction action);

// Registers RequestSpotInstances, DescribeSpotInstanceRequests, CancelSpotInstanceRequests,
// DescribeSpotPriceHistory, and SendSpotInstanceInterruptions (FIS's, outside EC2's API:
// {InstanceIds, DurationBeforeInterruption seconds}).
void add_spot_actions(ActionTable& table);

}  // namespace stratus::ec2
