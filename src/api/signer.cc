#include "api/signer.h"

namespace stratus::api {

SecretLookup signer_lookup(account::KeyDirectory& keys, Signer& signer) {
  return [&keys, &signer](const std::string& key_id) -> std::optional<std::string> {
    auto owner = keys.lookup(key_id);
    if (!owner) return std::nullopt;
    signer.found = true;
    signer.account_id = owner->account_id;
    signer.secret = owner->secret_access_key;
    signer.session_token = owner->session_token;
    signer.expiration = owner->expiration;
    signer.principal = Principal{owner->user, owner->role, owner->session_name, key_id, !owner->session_token.empty()};
    return owner->secret_access_key;
  };
}

std::optional<CredentialProblem> credential_problem(const Signer& signer, const SignatureClaim& claim, int64_t now) {
  if (claim.security_token != signer.session_token) return CredentialProblem::kWrongToken;
  if (signer.principal.temporary && now >= signer.expiration) return CredentialProblem::kExpiredToken;
  return std::nullopt;
}

}  // namespace stratus::api
