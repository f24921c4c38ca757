#pragma once
// Who signed a request, as every endpoint (the Query APIs, S3) establishes it: the key's owner
// from the key directory, then the checks a verified signature still needs (the session token
// of temporary credentials, their expiry).

#include <cstdint>
#include <optional>
#include <string>

#include "api/query_service.h"
#include "api/sigv4.h"
#include "services/account/account.h"

namespace stratus::api {

// The owner of the key a request names, once looked up.
struct Signer {
  std::string account_id;
  Principal principal;
  std::string secret;         // the key's secret access key
  std::string session_token;  // temporary credentials: the token requests must carry
  int64_t expiration = 0;     // temporary credentials: when they stop working (Unix seconds)
  bool found = false;         // the key exists
};

// A SecretLookup for verify_claim() that records the owner it finds in `signer`.
// REQUIRES: `keys` and `signer` outlive the lookup's calls.
SecretLookup signer_lookup(account::KeyDirectory& keys, Signer& signer);

// Why credentials that signed correctly are still refused.
enum class CredentialProblem {
  kWrongToken,    // the session token is missing, not the key's, or given for a permanent key
  kExpiredToken,  // temporary credentials past their expiry
};

// Nothing when `signer`'s credentials may be used at `now` with the session token `claim` carries.
std::optional<CredentialProblem> credential_problem(const Signer& signer, const SignatureClaim& claim, int64_t now);

}  // namespace stratus::api
