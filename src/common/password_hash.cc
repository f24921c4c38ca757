#include "common/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>
#include <vector>

#include "common/base64.h"

namespace stratus {
namespace {

constexpr int kIterations = 100000;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr std::string_view kScheme = "pbkdf2-sha256";

// PBKDF2-HMAC-SHA256 of `password` with `salt`, `iterations` rounds, kHashBytes long.
std::string derive(std::string_view password, std::string_view salt, int iterations) {
  std::string out(kHashBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

}  // namespace

std::string hash_password(std::string_view password) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("no random bytes for a salt");
  }
  return std::string(kScheme) + "$" + std::to_string(kIterations) + "$" + base64_encode(salt) + "$" +
         base64_encode(derive(password, salt, kIterations));
}

bool password_matches(std::string_view password, const std::string& stored) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dollar = stored.find('$'); dollar != std::string::npos; dollar = stored.find('$', start)) {
    parts.push_back(stored.substr(start, dollar - start));
    start = dollar + 1;
  }
  parts.push_back(stored.substr(start));
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  auto [end, error] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (error != std::errc() || end != parts[1].data() + parts[1].size() || iterations < 1) return false;
  auto expected = base64_decode(parts[3]);
  auto salt = base64_decode(parts[2]);
  if (!expected || !salt) return false;
  std::string actual = derive(password, *salt, iterations);
  return expected->size() == actual.size() && CRYPTO_memcmp(expected->data(), actual.data(), actual.size()) == 0;
}

}  // namespace stratus
