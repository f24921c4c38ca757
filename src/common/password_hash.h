#pragma once
// Passwords kept as salted, slow hashes (PBKDF2-HMAC-SHA256 from OpenSSL), never as given.

#include <string>
#include <string_view>

namespace stratus {

// A new hash of `password` with a random salt: "pbkdf2-sha256$ITERATIONS$SALT$HASH" (base64).
std::string hash_password(std::string_view password);

// True when `password` is the one `stored` (hash_password's form) was made from; compared in
// constant time. False for a malformed `stored`.
bool password_matches(std::string_view password, const std::string& stored);

}  // namespace stratus
