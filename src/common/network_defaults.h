#pragma once
// Network facts shared by the API (which allocates) and the host plumbing (which routes).

namespace stratus {

// Public IPv4 addresses come from this pool (RFC 2544 benchmarking range): routed from the
// host into stratus's edge namespace only, never towards a real uplink.
inline constexpr const char* kPublicIpv4Pool = "198.19.0.0/16";

}  // namespace stratus
