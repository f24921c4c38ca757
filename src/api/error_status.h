#pragma once
// The one table of AWS error codes and the HTTP status each is sent with.

#include <string_view>

namespace stratus::api {

// The HTTP status AWS uses for error `code`: 401 for authentication failures, 403 for
// authorisation, 412 for DryRunOperation, 408 and 413 for what the HTTP server refuses (a
// stalled or an oversized request), 500/503 for server faults, else 400.
int http_status_for(std::string_view code);

}  // namespace stratus::api
