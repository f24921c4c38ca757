#pragma once
// AWS Signature Version 4 verification: the Authorization-header form and the
// presigned query-string form.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace stratus::api {

// The parts of an HTTP request a signature covers.
struct SignedRequest {
  std::string method;                                        // "GET", "POST"
  std::string path;                                          // raw request path, e.g. "/"
  std::string raw_query;                                     // text after '?', still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case, in arrival order
  std::string body;
};

// The value of header `name` (lower-case) among `headers` (names lower-case), or nullopt.
std::optional<std::string> header_value(const std::vector<std::pair<std::string, std::string>>& headers,
                                        std::string_view name);

// `text` without leading and trailing spaces and tabs, as signatures take header values.
std::string trim_blanks(std::string_view text);

// What a well-formed signature claims, before it is checked.
struct SignatureClaim {
  std::string access_key_id;
  std::string scope_date;     // YYYYMMDD
  std::string region;
  std::string service;
  std::string amz_date;       // YYYYMMDDTHHMMSSZ
  std::vector<std::string> signed_headers;
  std::string signature;      // lower-case hex
  bool presigned = false;
  int64_t expires_seconds = 0;  // presigned only
  // The session token of temporary credentials (X-Amz-Security-Token, header or query), or "".
  std::string security_token;
  // Set by verify_signature: true when the signature covers the body's own SHA-256, false when
  // it was made over UNSIGNED-PAYLOAD (a body anyone on the way could have replaced).
  bool payload_signed = false;
};

// Parses the signature out of the request (header form first, else query form).
// Errors: MissingAuthenticationToken (none present), IncompleteSignature (malformed).
Result<SignatureClaim> parse_signature(const SignedRequest& request);

// The canonical request text SigV4 hashes for `claim` with the given payload hash (hex, or
// "UNSIGNED-PAYLOAD"). S3's (claim.service "s3") takes the path exactly as sent; every other
// service's decodes and re-encodes it.
std::string canonical_request(const SignedRequest& request, const SignatureClaim& claim,
                              const std::string& payload_hash);

// The string SigV4 signs for `claim` over the canonical request text `canonical` (S3 shows it
// in SignatureDoesNotMatch errors).
std::string string_to_sign(const SignatureClaim& claim, const std::string& canonical);

// Derives the signing key for a secret and a credential scope.
std::string signing_key(const std::string& secret, const std::string& date, const std::string& region,
                        const std::string& service);

// Looks up the secret for an access key id; nullopt when the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key_id)>;

// Verifies the request's signature at time `now` (Unix seconds), allowing 15 minutes of skew.
// Returns the verified claim. Errors: AuthFailure (unknown key, wrong signature, bad scope),
// RequestExpired (clock skew or an expired presigned URL), plus parse_signature's.
Result<SignatureClaim> verify_signature(const SignedRequest& request, const SecretLookup& lookup, int64_t now);

// verify_signature() for a claim parse_signature() already took from `request` (so that a caller
// that looks at the claim first parses the request once).
Result<SignatureClaim> verify_claim(const SignedRequest& request, const SignatureClaim& claim,
                                    const SecretLookup& lookup, int64_t now);

// verify_claim() for a request whose body is not at hand (an S3 upload streamed to disk): the
// signature must cover `payload_hash`, the x-amz-content-sha256 the client declared (a body's hex
// SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* form), and the caller checks the body against it as
// it arrives. In the claim returned, payload_signed says whether `payload_hash` is a body hash.
Result<SignatureClaim> verify_declared_payload(const SignedRequest& request, const SignatureClaim& claim,
                                               const SecretLookup& lookup, int64_t now,
                                               const std::string& payload_hash);

}  // namespace stratus::api
