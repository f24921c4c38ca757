#include "imds/responder.h"

#include <charconv>

#include "common/base64.h"
#include "common/digest.h"

namespace stratus::imds {
namespace {

const std::string* header(const Request& request, std::string_view name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string signature(const std::string& secret, std::string_view payload) {
  return to_hex(hmac_sha256(secret, payload));
}

Response token_response(const Request& request, const std::string& instance_id, const MetadataOptions& options,
                        const TokenIssuer& tokens, int64_t now) {
  if (request.path != "/latest/api/token") {
    bool versioned = request.path.size() > 10 && request.path.compare(request.path.size() - 10, 10, "/api/token") == 0;
    return {versioned ? 403 : 404, versioned ? "Forbidden" : "Not Found"};
  }
  if (header(request, "x-forwarded-for") != nullptr) return {403, "Forbidden"};
  const std::string* ttl_text = header(request, "x-aws-ec2-metadata-token-ttl-seconds");
  int64_t ttl = 0;
  if (ttl_text == nullptr) return {400, "Missing or Invalid Parameters"};
  auto [end, ec] = std::from_chars(ttl_text->data(), ttl_text->data() + ttl_text->size(), ttl);
  if (ec != std::errc() || end != ttl_text->data() + ttl_text->size() || ttl < 1 || ttl > kMaxTokenTtlSeconds) {
    return {400, "Missing or Invalid Parameters"};
  }
  return {200, tokens.issue(instance_id, ttl, now), options.put_response_hop_limit};
}

}  // namespace

std::string TokenIssuer::issue(const std::string& instance_id, int64_t ttl_seconds, int64_t now) const {
  std::string payload = instance_id + ":" + std::to_string(now + ttl_seconds);
  return base64_encode(payload + ":" + signature(secret_, payload));
}

bool TokenIssuer::valid(std::string_view token, const std::string& instance_id, int64_t now) const {
  auto decoded = base64_decode(token);
  if (!decoded) return false;
  size_t last = decoded->rfind(':');
  if (last == std::string::npos) return false;
  std::string payload = decoded->substr(0, last);
  if (!constant_time_equal(decoded->substr(last + 1), signature(secret_, payload))) return false;
  size_t colon = payload.rfind(':');
  if (colon == std::string::npos || payload.substr(0, colon) != instance_id) return false;
  int64_t expiry = 0;
  auto [end, ec] = std::from_chars(payload.data() + colon + 1, payload.data() + payload.size(), expiry);
  return ec == std::errc() && end == payload.data() + payload.size() && now < expiry;
}

Response respond(const Request& request, const nlohmann::json& tree, const std::string& instance_id,
                 const MetadataOptions& options, const TokenIssuer& tokens, int64_t now) {
  if (!options.endpoint_enabled) return {403, "Forbidden"};
  if (request.method == "PUT") return token_response(request, instance_id, options, tokens, now);
  if (request.method != "GET" && request.method != "HEAD") return {405, "Method Not Allowed"};
  const std::string* token = header(request, "x-aws-ec2-metadata-token");
  if (token != nullptr ? !tokens.valid(*token, instance_id, now) : options.tokens_required) {
    return {401, "Unauthorized"};
  }
  Answer answer = answer_get(tree, request.path);
  Response response{answer.status, std::move(answer.body)};
  if (request.method == "HEAD") response.body.clear();
  return response;
}

}  // namespace stratus::imds
