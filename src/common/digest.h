#pragma once
// Hashes and MACs on OpenSSL, and hex rendering.

#include <string>
#include <string_view>

namespace stratus {

// Raw SHA-256 of `data` (32 bytes).
std::string sha256(std::string_view data);

// The hashes DigestStream computes.
enum class DigestAlgorithm { kMd5, kSha1, kSha256 };

// A hash of data that arrives in pieces. Not thread-safe.
class DigestStream {
 public:
  explicit DigestStream(DigestAlgorithm algorithm = DigestAlgorithm::kSha256);
  ~DigestStream();
  DigestStream(const DigestStream&) = delete;
  DigestStream& operator=(const DigestStream&) = delete;
  // Adds `data` to what is hashed.
  void update(std::string_view data);
  // The raw digest of everything added since construction or the last finish(), which starts over.
  std::string finish();

 private:
  const void* md_;  // EVP_MD
  void* ctx_;       // EVP_MD_CTX
};
// Raw SHA-1 of `data` (20 bytes).
std::string sha1(std::string_view data);
// Raw MD5 of `data` (16 bytes).
std::string md5(std::string_view data);
// Raw HMAC-SHA256 of `data` under `key` (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Raw HMAC-SHA1 of `data` under `key` (20 bytes), as S3's signature version 2 signs.
std::string hmac_sha1(std::string_view key, std::string_view data);
// True when `text` is a SHA-256 digest in lower-case hex (64 digits), as SigV4's payload hashes.
bool is_sha256_hex(std::string_view text);
// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);
// Lower-case hex pairs joined by ':' ("ab:cd:..."), as AWS key fingerprints show.
std::string to_colon_hex(std::string_view bytes);
// True when a and b are equal, compared in time independent of their contents.
bool constant_time_equal(std::string_view a, std::string_view b);
// `count` cryptographically random bytes.
std::string random_bytes(size_t count);

}  // namespace stratus
