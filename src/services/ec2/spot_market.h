#pragma once
// The host's spot market: one price per instance type and zone, moved by how much of the host's
// capacity instances hold (the capacity RunInstances enforces). The price rises with the square of
// the utilisation from 30% of the on-demand price (an idle host) to the on-demand price (a full
// one), never above it, stepping in 5% steps of utilisation, and is a little higher in some
// zones. The utilisation is recorded whenever it moves a step (records of kind kSpotMarketKind),
// so the price of any type and zone at any past time follows, which DescribeSpotPriceHistory
// answers from.

#include <optional>
#include <string>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// The store kind of utilisation steps (account-wide, region "": {Time, Utilisation}).
inline constexpr const char* kSpotMarketKind = "spot_market";

// The share of the host's capacity held now (memory or vCPUs, whichever is the more used),
// stepped down to a multiple of 5%, from 0 to 1; 0 when capacity is not limited.
double host_utilisation(CallContext& ctx);

// USD per hour of an on-demand instance of `type` in ctx.region (the bill's prices, else the
// catalogue's), or nullopt when unknown.
std::optional<double> on_demand_price(CallContext& ctx, const std::string& type);

// USD per hour of a spot instance of `type` in `zone` of ctx.region at `utilisation`, or nullopt
// when its on-demand price is unknown (no spot market for it then).
std::optional<double> spot_price(CallContext& ctx, const std::string& type, const std::string& zone,
                                 double utilisation);

// The utilisation in force at `at`: the last one recorded then, else 0.
double utilisation_at(CallContext& ctx, int64_t at);

// Records `utilisation` at ctx.now when it differs from the last recorded, and forgets steps
// older than 90 days (bar the one in force then). True when it recorded.
bool record_utilisation(CallContext& ctx, double utilisation);

// A price as the API writes it ("0.003100").
std::string price_text(double usd);

// DescribeSpotPriceHistory.
json describe_spot_price_history(CallContext& ctx, const json& request);

}  // namespace stratus::ec2
