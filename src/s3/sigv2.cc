#include "s3/sigv2.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <set>

#include "common/ascii_case.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/timestamp.h"

namespace stratus::s3 {
namespace {

constexpr int64_t kMaxSkewSeconds = 15 * 60;

// The query parameters SigV2 signs as part of the resource (S3's subresources and overrides).
const std::set<std::string>& signed_subresources() {
  static const std::set<std::string> kNames = {
      "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory", "lifecycle", "location",
      "logging", "metrics", "notification", "object-lock", "partNumber", "policy", "replication", "requestPayment",
      "response-cache-control", "response-content-disposition", "response-content-encoding",
      "response-content-language", "response-content-type", "response-expires", "restore", "select", "select-type",
      "storageClass", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website"};
  return kNames;
}

std::optional<std::string> query_value(const api::QueryParams& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

// A standard header's line: the header, or for a presigned URL the query parameter boto3 moves
// it to.
std::string standard_value(const api::SignedRequest& request, const api::QueryParams& query, const V2Claim& claim,
                           std::string_view name) {
  if (auto value = api::header_value(request.headers, name)) return api::trim_blanks(*value);
  if (claim.presigned) {
    for (const auto& [k, v] : query) {
      if (ascii_lower(k) == name) return api::trim_blanks(v);
    }
  }
  return "";
}

}  // namespace

std::optional<Result<V2Claim>> parse_sigv2(const api::SignedRequest& request, const api::QueryParams& query) {
  V2Claim claim;
  if (auto authorization = api::header_value(request.headers, "authorization")) {
    if (authorization->rfind("AWS ", 0) != 0) return std::nullopt;
    std::string credentials = authorization->substr(4);
    size_t colon = credentials.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == credentials.size()) {
      return Result<V2Claim>(ApiError{"AuthorizationHeaderMalformed",
                                      "The authorization header is malformed; expected AWS AccessKeyId:Signature."});
    }
    claim.access_key_id = credentials.substr(0, colon);
    claim.signature = credentials.substr(colon + 1);
    claim.date = api::header_value(request.headers, "x-amz-date")
                     .value_or(api::header_value(request.headers, "date").value_or(""));
    claim.security_token = api::header_value(request.headers, "x-amz-security-token").value_or("");
    if (claim.date.empty()) {
      return Result<V2Claim>(ApiError{"AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"});
    }
    return Result<V2Claim>(std::move(claim));
  }
  auto key = query_value(query, "AWSAccessKeyId");
  if (!key || query_value(query, "Action")) return std::nullopt;  // Action: a Query API's own SigV2
  auto signature = query_value(query, "Signature");
  auto expires = query_value(query, "Expires");
  if (!signature || !expires) {
    return Result<V2Claim>(ApiError{"AccessDenied", "Query-string authentication requires the Signature, Expires and "
                                                    "AWSAccessKeyId parameters"});
  }
  claim.access_key_id = *key;
  claim.signature = *signature;
  claim.presigned = true;
  auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), claim.expires);
  if (ec != std::errc() || end != expires->data() + expires->size()) {
    return Result<V2Claim>(ApiError{"AccessDenied", "Invalid date (should be seconds since epoch): " + *expires});
  }
  if (auto token = api::header_value(request.headers, "x-amz-security-token")) claim.security_token = *token;
  else claim.security_token = query_value(query, "x-amz-security-token").value_or("");
  return Result<V2Claim>(std::move(claim));
}

std::string sigv2_string_to_sign(const api::SignedRequest& request, const api::QueryParams& query, const V2Claim& claim,
                                 const std::string& resource_path) {
  std::string out = request.method + "\n";
  out += standard_value(request, query, claim, "content-md5") + "\n";
  out += standard_value(request, query, claim, "content-type") + "\n";
  if (claim.presigned) out += std::to_string(claim.expires);
  else if (!api::header_value(request.headers, "x-amz-date")) {
    out += api::trim_blanks(api::header_value(request.headers, "date").value_or(""));
  }
  out += "\n";  // with x-amz-date the date line is empty: the header is signed among the x-amz- ones

  std::map<std::string, std::string> amz;  // sorted by name; repeated headers joined by ','
  auto add = [&amz](const std::string& name, const std::string& value) {
    std::string& joined = amz[name];
    if (!joined.empty()) joined += ',';
    joined += api::trim_blanks(value);
  };
  for (const auto& [k, v] : request.headers) {
    if (k.rfind("x-amz-", 0) == 0) add(k, v);
  }
  if (claim.presigned) {
    for (const auto& [k, v] : query) {
      std::string name = ascii_lower(k);
      if (name.rfind("x-amz-", 0) == 0 && !api::header_value(request.headers, name)) add(name, v);
    }
  }
  for (const auto& [name, value] : amz) out += name + ":" + value + "\n";

  out += resource_path;
  std::vector<std::pair<std::string, std::string>> subresources;
  for (const auto& [k, v] : query) {
    if (signed_subresources().count(k)) subresources.emplace_back(k, v);
  }
  std::sort(subresources.begin(), subresources.end());
  for (size_t i = 0; i < subresources.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += subresources[i].first;
    if (!subresources[i].second.empty()) out += "=" + subresources[i].second;
  }
  return out;
}

Result<V2Claim> verify_sigv2(const V2Claim& claim, const std::string& string_to_sign, const api::SecretLookup& lookup,
                             int64_t now) {
  if (claim.presigned) {
    if (now > claim.expires) return ApiError{"AccessDenied", "Request has expired"};
  } else {
    auto when = parse_http_date(claim.date);
    if (!when) when = parse_iso8601(claim.date);
    if (!when) return ApiError{"AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"};
    if (std::llabs(now - *when) > kMaxSkewSeconds) {
      return ApiError{"RequestTimeTooSkewed", "The difference between the request time and the current time is too large."};
    }
  }
  auto secret = lookup(claim.access_key_id);
  if (!secret) return ApiError{"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."};
  if (!constant_time_equal(base64_encode(hmac_sha1(*secret, string_to_sign)), claim.signature)) {
    return ApiError{"SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your key and "
                    "signing method."};
  }
  return claim;
}

}  // namespace stratus::s3
