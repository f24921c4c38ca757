#include "services/ec2/idempotency.h"

#include <string>

#include "common/digest.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {
namespace {

// The store kind of token records (not a resource: no API lists it).
constexpr const char* kClientTokenKind = "client-token";

// The record id of `token` for `action` of `account_id` in `region`: a digest, so a token of
// any length or content makes a fixed-size id that no resource id can equal.
std::string record_id(const CallContext& ctx, std::string_view action, const std::string& token) {
  std::string key = ctx.account_id + '\0' + ctx.region + '\0' + std::string(action) + '\0' + token;
  return std::string(kClientTokenKind) + "-" + to_hex(sha256(key));
}

// What makes two requests "the same parameters": every member but ClientToken and DryRun.
// json objects keep their members sorted, so equal requests dump to equal text.
std::string request_digest(json request) {
  request.erase("ClientToken");
  request.erase("DryRun");
  return to_hex(sha256(request.dump()));
}

// True when the token record `record` still binds at `now`.
bool live(const json& record, int64_t now) {
  return now - record.value("CreatedAt", int64_t{0}) < kClientTokenLifetimeSeconds;
}

}  // namespace

json run_idempotent(CallContext& ctx, std::string_view action, const ActionEntry& entry, const json& request) {
  const std::string token = str(request, "ClientToken");
  if (!entry.mutating || token.empty()) return entry.handler(ctx, request);
  const std::string id = record_id(ctx, action, token);
  const std::string digest = request_digest(request);
  if (auto earlier = ctx.txn.get(id); earlier && live(earlier->doc, ctx.now)) {
    if (earlier->doc.value("RequestDigest", "") != digest) {
      fail("IdempotentParameterMismatch",
           "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).");
    }
    json result = earlier->doc["Result"];
    return entry.refresh ? entry.refresh(ctx, std::move(result)) : result;
  }
  json result = entry.handler(ctx, request);
  ctx.txn.put(store::Record{id, kClientTokenKind, ctx.region,
                            {{"AccountId", ctx.account_id},
                             {"Action", action},
                             {"RequestDigest", digest},
                             {"Result", result},
                             {"CreatedAt", ctx.now}}});
  return result;
}

void erase_expired_client_tokens(store::Transaction& txn, int64_t now) {
  for (const store::Record& record : txn.list(kClientTokenKind, std::nullopt)) {
    if (!live(record.doc, now)) txn.erase(record.id);
  }
}

}  // namespace stratus::ec2
