#pragma once
// Authenticated encryption of small messages under a secret key (AES-256-GCM on OpenSSL): what
// stratus hands out that only it may read back, such as encoded authorization messages.

#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// The key length seal() and open_sealed() take, in bytes.
inline constexpr size_t kSealKeyBytes = 32;

// `plaintext` encrypted and authenticated under `key` (kSealKeyBytes bytes) with a random nonce:
// nonce, ciphertext and tag together. Throws std::runtime_error when OpenSSL fails.
std::string seal(std::string_view key, std::string_view plaintext);

// The plaintext of `sealed`, or nullopt when it was not sealed under `key` or was altered.
std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed);

}  // namespace stratus
