#pragma once
// S3's signature version 2, which boto3 still uses by default to presign URLs for a custom
// endpoint: the query form (AWSAccessKeyId, Signature, Expires) and the header form
// (`Authorization: AWS AKID:SIGNATURE`). The signature is base64 HMAC-SHA1 over the method,
// Content-MD5, Content-Type, the date (Expires for a URL), the x-amz- headers and the resource
// with its subresources. It covers no payload and names no region.

#include <cstdint>
#include <optional>
#include <string>

#include "api/query_decoder.h"
#include "api/sigv4.h"
#include "common/result.h"

namespace stratus::s3 {

// What a SigV2 signature claims, before it is checked.
struct V2Claim {
  std::string access_key_id;
  std::string signature;       // base64, as sent
  std::string security_token;  // x-amz-security-token (header or query), or ""
  bool presigned = false;
  int64_t expires = 0;  // presigned: Unix seconds after which the URL no longer works
  std::string date;     // header form: the x-amz-date or Date header
};

// nullopt when `request` carries no SigV2 signature; else the claim or why it is malformed
// (AuthorizationHeaderMalformed, AccessDenied for a URL missing one of its parameters).
std::optional<Result<V2Claim>> parse_sigv2(const api::SignedRequest& request, const api::QueryParams& query);

// The text SigV2 signs for `request`. `resource_path` is the bucket and key as the client
// encoded them, "/BUCKET/KEY" ("/BUCKET/" for a bucket, "/" for the service).
std::string sigv2_string_to_sign(const api::SignedRequest& request, const api::QueryParams& query, const V2Claim& claim,
                                 const std::string& resource_path);

// Checks `claim` at time `now` (Unix seconds): the URL has not expired, or the header's date is
// within 15 minutes; the key is known; the signature is the one its secret makes. Errors:
// AccessDenied ("Request has expired"), RequestTimeTooSkewed, InvalidAccessKeyId,
// SignatureDoesNotMatch.
Result<V2Claim> verify_sigv2(const V2Claim& claim, const std::string& string_to_sign, const api::SecretLookup& lookup,
                             int64_t now);

}  // namespace stratus::s3
