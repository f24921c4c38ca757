#include "api/sigv4.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <cstdio>
#include <cstdlib>

#include "api/query_decoder.h"
#include "api/rest_members.h"
#include "common/digest.h"
#include "common/timestamp.h"

namespace stratus::api {

std::optional<std::string> header_value(const std::vector<std::pair<std::string, std::string>>& headers,
                                        std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string trim_blanks(std::string_view text) {
  size_t b = text.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = text.find_last_not_of(" \t");
  return std::string(text.substr(b, e - b + 1));
}

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr int64_t kMaxSkewSeconds = 15 * 60;

ApiError incomplete(const std::string& why) { return ApiError{"IncompleteSignature", why}; }

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    parts.emplace_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return parts;
}

// Fills the credential-scope fields from "AKID/DATE/REGION/SERVICE/aws4_request".
bool parse_credential(const std::string& credential, SignatureClaim& claim) {
  auto parts = split(credential, '/');
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty()) return false;
  claim.access_key_id = parts[0];
  claim.scope_date = parts[1];
  claim.region = parts[2];
  claim.service = parts[3];
  return true;
}

Result<SignatureClaim> parse_header_form(const SignedRequest& request, const std::string& authorization) {
  SignatureClaim claim;
  if (authorization.rfind(kAlgorithm, 0) != 0) {
    return incomplete("Authorization header must use " + std::string(kAlgorithm));
  }
  std::string credential, signed_headers;
  for (const std::string& raw : split(std::string_view(authorization).substr(kAlgorithm.size()), ',')) {
    std::string part = trim_blanks(raw);
    size_t eq = part.find('=');
    if (eq == std::string::npos) continue;
    std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") credential = value;
    else if (key == "SignedHeaders") signed_headers = value;
    else if (key == "Signature") claim.signature = value;
  }
  if (credential.empty() || signed_headers.empty() || claim.signature.empty()) {
    return incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
  }
  if (!parse_credential(credential, claim)) return incomplete("Credential is malformed: " + credential);
  claim.signed_headers = split(signed_headers, ';');
  auto amz_date = header_value(request.headers, "x-amz-date");
  if (!amz_date) return incomplete("Authorization header requires existence of a valid 'X-Amz-Date' header.");
  claim.amz_date = *amz_date;
  claim.security_token = header_value(request.headers, "x-amz-security-token").value_or("");
  return claim;
}

Result<SignatureClaim> parse_query_form(const QueryParams& query) {
  SignatureClaim claim;
  claim.presigned = true;
  std::string algorithm, credential, signed_headers, expires;
  for (const auto& [k, v] : query) {
    if (k == "X-Amz-Algorithm") algorithm = v;
    else if (k == "X-Amz-Credential") credential = v;
    else if (k == "X-Amz-SignedHeaders") signed_headers = v;
    else if (k == "X-Amz-Signature") claim.signature = v;
    else if (k == "X-Amz-Date") claim.amz_date = v;
    else if (k == "X-Amz-Expires") expires = v;
    else if (k == "X-Amz-Security-Token") claim.security_token = v;
  }
  if (algorithm != kAlgorithm) return incomplete("X-Amz-Algorithm must be " + std::string(kAlgorithm));
  if (credential.empty() || signed_headers.empty() || claim.signature.empty() || claim.amz_date.empty()) {
    return incomplete("Query-string authentication requires X-Amz-Credential, X-Amz-Date, "
                      "X-Amz-SignedHeaders and X-Amz-Signature.");
  }
  if (!parse_credential(credential, claim)) return incomplete("Credential is malformed: " + credential);
  claim.signed_headers = split(signed_headers, ';');
  claim.expires_seconds = 900;
  if (!expires.empty()) {
    auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), claim.expires_seconds);
    if (ec != std::errc() || end != expires.data() + expires.size() || claim.expires_seconds < 1 ||
        claim.expires_seconds > 604800) {
      return incomplete("X-Amz-Expires must be between 1 and 604800 seconds");
    }
  }
  return claim;
}

// signing_key() memoised per thread: a client signs with the same scope all day, and the
// derivation costs four HMACs per request.
std::string cached_signing_key(const std::string& secret, const std::string& date, const std::string& region,
                               const std::string& service) {
  constexpr size_t kMaxEntries = 256;
  thread_local std::unordered_map<std::string, std::string> cache;
  std::string id = secret + '\n' + date + '\n' + region + '\n' + service;
  auto it = cache.find(id);
  if (it != cache.end()) return it->second;
  if (cache.size() >= kMaxEntries) cache.clear();
  return cache.emplace(std::move(id), signing_key(secret, date, region, service)).first->second;
}

}  // namespace

Result<SignatureClaim> parse_signature(const SignedRequest& request) {
  if (auto authorization = header_value(request.headers, "authorization")) return parse_header_form(request, *authorization);
  auto query = parse_form(request.raw_query);
  if (!query.ok()) return query.error();
  for (const auto& [k, v] : query.value()) {
    if (k == "X-Amz-Algorithm" || k == "X-Amz-Signature" || k == "X-Amz-Credential") {
      return parse_query_form(query.value());
    }
  }
  return ApiError{"MissingAuthenticationToken", "Request is missing Authentication Token"};
}

std::string canonical_request(const SignedRequest& request, const SignatureClaim& claim,
                              const std::string& payload_hash) {
  std::string out = request.method + "\n";
  if (claim.service == "s3") {
    out += (request.path.empty() ? "/" : request.path) + "\n";  // S3 signs the path as sent: encoded once, never normalised
  } else {
    auto path = parse_form(request.path);  // percent-decodes; a path never holds '&' or '='
    std::string decoded_path = path.ok() && path.value().size() == 1 ? path.value()[0].first : request.path;
    out += uri_encode(decoded_path.empty() ? "/" : decoded_path, true) + "\n";
  }

  std::vector<std::pair<std::string, std::string>> query;
  if (auto parsed = parse_form(request.raw_query); parsed.ok()) {
    for (auto& [k, v] : parsed.value()) {
      if (claim.presigned && k == "X-Amz-Signature") continue;
      query.emplace_back(uri_encode(k, false), uri_encode(v, false));
    }
  }
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    if (i) out += '&';
    out += query[i].first + "=" + query[i].second;
  }
  out += "\n";

  for (const std::string& name : claim.signed_headers) {
    std::string joined;
    for (const auto& [k, v] : request.headers) {
      if (k != name) continue;
      if (!joined.empty()) joined += ',';
      std::string value = trim_blanks(v), collapsed;
      for (char c : value) {
        if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
        collapsed.push_back(c);
      }
      joined += collapsed;
    }
    out += name + ":" + joined + "\n";
  }
  out += "\n";
  for (size_t i = 0; i < claim.signed_headers.size(); ++i) {
    if (i) out += ';';
    out += claim.signed_headers[i];
  }
  out += "\n";
  out += payload_hash;
  return out;
}

std::string signing_key(const std::string& secret, const std::string& date, const std::string& region,
                        const std::string& service) {
  std::string k = hmac_sha256("AWS4" + secret, date);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, "aws4_request");
}

Result<SignatureClaim> verify_signature(const SignedRequest& request, const SecretLookup& lookup, int64_t now) {
  auto parsed = parse_signature(request);
  if (!parsed.ok()) return parsed.error();
  return verify_claim(request, parsed.value(), lookup, now);
}

namespace {

// The checks every signature passes before its hash is compared: the host is signed, the date
// matches the scope and the clock (or the presigned URL's lifetime), and the key is known. The
// key's secret, or the error.
Result<std::string> check_claim(const SignatureClaim& claim, const SecretLookup& lookup, int64_t now) {
  if (std::find(claim.signed_headers.begin(), claim.signed_headers.end(), "host") == claim.signed_headers.end()) {
    return ApiError{"AuthFailure", "The host header must be signed."};
  }
  auto when = parse_iso8601(claim.amz_date);
  if (!when || claim.amz_date.size() != 16 || claim.amz_date.substr(0, 8) != claim.scope_date) {
    return ApiError{"AuthFailure", "X-Amz-Date '" + claim.amz_date + "' does not match the credential scope date."};
  }
  if (claim.presigned) {
    if (now > *when + claim.expires_seconds) return ApiError{"RequestExpired", "Request has expired."};
    if (*when - now > kMaxSkewSeconds) {
      return ApiError{"RequestExpired", "Request is not yet valid: X-Amz-Date is in the future."};
    }
  } else if (std::llabs(now - *when) > kMaxSkewSeconds) {
    return ApiError{"RequestExpired", "Request has expired. Signature date " + claim.amz_date +
                                          " is more than 15 minutes from the server's time " + format_iso8601(now)};
  }
  auto secret = lookup(claim.access_key_id);
  if (!secret) return ApiError{"AuthFailure", "AWS was not able to validate the provided access credentials"};
  return *secret;
}

// True when `claim`'s signature is the one `secret` makes over `request` with `payload_hash`.
bool signed_with(const SignedRequest& request, const SignatureClaim& claim, const std::string& secret,
                 const std::string& payload_hash) {
  std::string key = cached_signing_key(secret, claim.scope_date, claim.region, claim.service);
  std::string to_sign = string_to_sign(claim, canonical_request(request, claim, payload_hash));
  bool match = constant_time_equal(to_hex(hmac_sha256(key, to_sign)), claim.signature);
  if (!match && std::getenv("STRATUS_DEBUG_SIGV4")) {
    std::fprintf(stderr, "%s\n", canonical_request(request, claim, payload_hash).c_str());
  }
  return match;
}

}  // namespace

std::string string_to_sign(const SignatureClaim& claim, const std::string& canonical) {
  return std::string(kAlgorithm) + "\n" + claim.amz_date + "\n" + claim.scope_date + "/" + claim.region + "/" +
         claim.service + "/aws4_request\n" + to_hex(sha256(canonical));
}

Result<SignatureClaim> verify_claim(const SignedRequest& request, const SignatureClaim& claim,
                                    const SecretLookup& lookup, int64_t now) {
  auto secret = check_claim(claim, lookup, now);
  if (!secret.ok()) return secret.error();
  // The payload hash a client may have signed: the declared one, else the body's; presigned
  // URLs may also carry UNSIGNED-PAYLOAD (S3 style) instead of the empty body's hash.
  std::string body_hash = to_hex(sha256(request.body));
  auto declared = header_value(request.headers, "x-amz-content-sha256");
  if (declared && *declared != "UNSIGNED-PAYLOAD" && *declared != body_hash) {
    return ApiError{"AuthFailure", "The provided x-amz-content-sha256 header does not match the request body."};
  }
  std::vector<std::string> payload_hashes;
  payload_hashes.push_back(declared ? *declared : body_hash);
  if (claim.presigned) payload_hashes.push_back("UNSIGNED-PAYLOAD");
  for (const std::string& payload_hash : payload_hashes) {
    if (!signed_with(request, claim, secret.value(), payload_hash)) continue;
    SignatureClaim verified = claim;
    verified.payload_signed = payload_hash == body_hash;
    return verified;
  }
  return ApiError{"AuthFailure", "AWS was not able to validate the provided access credentials"};
}

Result<SignatureClaim> verify_declared_payload(const SignedRequest& request, const SignatureClaim& claim,
                                               const SecretLookup& lookup, int64_t now,
                                               const std::string& payload_hash) {
  auto secret = check_claim(claim, lookup, now);
  if (!secret.ok()) return secret.error();
  if (!signed_with(request, claim, secret.value(), payload_hash)) {
    return ApiError{"AuthFailure", "AWS was not able to validate the provided access credentials"};
  }
  SignatureClaim verified = claim;
  verified.payload_signed = is_sha256_hex(payload_hash);
  return verified;
}

}  // namespace stratus::api
