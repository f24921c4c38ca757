#pragma once
// `stratus bill`: the month so far as text for a terminal, per service and per resource.

#include <cstdint>
#include <string>
#include <vector>

#include "billing/ledger.h"

namespace stratus::billing {

// The bill of `segments` for [from, to) as of `now`: the cost per service, then per resource and
// usage type (quantity, unit, cost; usage without a known price marked as such), then the total.
std::string render_bill(const std::vector<Segment>& segments, int64_t from, int64_t to, int64_t now);

}  // namespace stratus::billing
