#pragma once
// Base64 (RFC 4648, standard alphabet, padded) on OpenSSL.

#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// Encodes bytes as padded base64 without line breaks.
std::string base64_encode(std::string_view bytes);
// Decodes padded or unpadded base64, ignoring ASCII whitespace; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace stratus
