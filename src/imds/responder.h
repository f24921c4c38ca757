#pragma once
// IMDS's HTTP rules (v1 and v2) for one caller, independent of sockets: tokens, metadata
// options, methods, statuses.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "imds/metadata.h"

namespace stratus::imds {

// The instance's metadata options (RunInstances MetadataOptions / ModifyInstanceMetadataOptions).
struct MetadataOptions {
  bool endpoint_enabled = true;     // HttpEndpoint=enabled
  bool tokens_required = false;     // HttpTokens=required
  int put_response_hop_limit = 1;   // HttpPutResponseHopLimit, 1..64
};

// Issues and checks IMDSv2 session tokens. A token names its instance and expiry and is
// signed with the issuer's secret, so checking needs no state; a token of one instance is
// worthless to another. Thread-safe.
class TokenIssuer {
 public:
  // REQUIRES: `secret` is random and at least 32 bytes.
  explicit TokenIssuer(std::string secret) : secret_(std::move(secret)) {}
  // A token for `instance_id` valid for `ttl_seconds` from `now`.
  std::string issue(const std::string& instance_id, int64_t ttl_seconds, int64_t now) const;
  // True when `token` was issued here for `instance_id` and has not expired at `now`.
  bool valid(std::string_view token, const std::string& instance_id, int64_t now) const;

 private:
  std::string secret_;
};

// A request as IMDS sees it.
struct Request {
  std::string method;                                        // "GET", "HEAD", "PUT", ...
  std::string path;                                          // e.g. "/latest/meta-data/"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
};

// The answer, and the IP TTL to send it with (the hop limit, for token responses).
struct Response {
  int status = 200;
  std::string body;
  int ip_ttl = 64;
};

// The longest token lifetime AWS allows, in seconds.
inline constexpr int64_t kMaxTokenTtlSeconds = 21600;

// Answers `request` from the caller's instance, as AWS's IMDS does:
// - HttpEndpoint disabled: 403 for everything.
// - PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds in 1..21600: a token
//   (sent with IP TTL = the hop limit); a bad or missing TTL: 400; a dated version's token path
//   or a PUT carrying X-Forwarded-For: 403.
// - GET/HEAD: a presented X-aws-ec2-metadata-token must be valid for this instance (else 401);
//   without one, 401 when tokens are required. Then the metadata tree (404 for unknown paths).
// - Other methods: 405.
Response respond(const Request& request, const nlohmann::json& tree, const std::string& instance_id,
                 const MetadataOptions& options, const TokenIssuer& tokens, int64_t now);

}  // namespace stratus::imds
