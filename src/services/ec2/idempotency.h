#pragma once
// ClientToken idempotency, one mechanism for every action whose request carries a token:
// the first successful call with a token stores its request digest and result in a record of
// its own; a repeat with the same parameters gets that result instead of running again, a
// repeat with other parameters gets IdempotentParameterMismatch.

#include <cstdint>
#include <string_view>

#include "services/ec2/call.h"
#include "store/store.h"

namespace stratus::ec2 {

// How long a token binds its request and result (AWS promises at least 24 hours).
inline constexpr int64_t kClientTokenLifetimeSeconds = 24 * 60 * 60;

// Runs `action` (`entry`) for `request` in `ctx`. When the action mutates and the request has a
// non-empty ClientToken, a live record for (account, region, action, token) answers instead:
// its result (through entry.refresh) when the request equals the recorded one apart from
// ClientToken and DryRun, else IdempotentParameterMismatch. Without a live record the handler
// runs and the record is written in ctx.txn, so it commits or rolls back with the call.
// Throws what the handler throws.
json run_idempotent(CallContext& ctx, std::string_view action, const ActionEntry& entry, const json& request);

// Erases the token records older than kClientTokenLifetimeSeconds at `now`, in every region.
// REQUIRES: `txn` is a write transaction.
void erase_expired_client_tokens(store::Transaction& txn, int64_t now);

}  // namespace stratus::ec2
