#include "common/ssh_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/base64.h"
#include "common/digest.h"

namespace stratus {
namespace {

using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

// SSH wire format (RFC 4251) writers.
void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_string(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
void put_mpint(std::string& out, const BIGNUM* n) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), '\0');
  put_string(out, bytes);
}

// SSH wire format reader over a blob.
struct Reader {
  std::string_view data;
  bool ok = true;
  std::string_view string() {
    if (data.size() < 4) return fail();
    uint32_t n = (static_cast<uint32_t>(static_cast<unsigned char>(data[0])) << 24) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(data[1])) << 16) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(data[2])) << 8) |
                 static_cast<uint32_t>(static_cast<unsigned char>(data[3]));
    if (data.size() - 4 < n) return fail();
    std::string_view s = data.substr(4, n);
    data.remove_prefix(4 + n);
    return s;
  }
  std::string_view fail() {
    ok = false;
    return {};
  }
};

std::string der_of(EVP_PKEY* key, const char* structure, int selection) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, selection, "DER", structure, nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  std::string out;
  if (ctx != nullptr && OSSL_ENCODER_to_data(ctx, &data, &len) == 1) {
    out.assign(reinterpret_cast<char*>(data), len);
    OPENSSL_free(data);
  }
  OSSL_ENCODER_CTX_free(ctx);
  return out;
}

std::string pem_of(EVP_PKEY* key, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM", structure, nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  std::string out;
  if (ctx != nullptr && OSSL_ENCODER_to_data(ctx, &data, &len) == 1) {
    out.assign(reinterpret_cast<char*>(data), len);
    OPENSSL_free(data);
  }
  OSSL_ENCODER_CTX_free(ctx);
  return out;
}

std::string rsa_blob(EVP_PKEY* key) {
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
  std::string blob;
  put_string(blob, "ssh-rsa");
  put_mpint(blob, e);
  put_mpint(blob, n);
  BN_free(n);
  BN_free(e);
  return blob;
}

std::string ed25519_blob(std::string_view public_key) {
  std::string blob;
  put_string(blob, "ssh-ed25519");
  put_string(blob, public_key);
  return blob;
}

std::string sha256_fingerprint(std::string_view blob) { return base64_encode(sha256(blob)); }

// The OpenSSH "openssh-key-v1" private key file for an unencrypted Ed25519 key.
std::string openssh_private_key(std::string_view public_key, std::string_view seed) {
  std::string blob = ed25519_blob(public_key);
  std::string check = random_bytes(4);
  std::string secret;
  secret.append(check).append(check);
  put_string(secret, "ssh-ed25519");
  put_string(secret, public_key);
  put_string(secret, std::string(seed) + std::string(public_key));
  put_string(secret, "");
  for (char pad = 1; secret.size() % 8 != 0; ++pad) secret.push_back(pad);

  std::string body = std::string("openssh-key-v1") + '\0';
  put_string(body, "none");
  put_string(body, "none");
  put_string(body, "");
  put_u32(body, 1);
  put_string(body, blob);
  put_string(body, secret);
  std::string encoded = base64_encode(body);
  std::string pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (size_t i = 0; i < encoded.size(); i += 70) pem += encoded.substr(i, 70) + "\n";
  pem += "-----END OPENSSH PRIVATE KEY-----\n";
  return pem;
}

std::optional<GeneratedKeyPair> generate_rsa() {
  PKeyPtr key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) return std::nullopt;
  GeneratedKeyPair pair;
  pair.private_key_pem = pem_of(key.get(), "type-specific");
  std::string pkcs8 = der_of(key.get(), "PrivateKeyInfo", OSSL_KEYMGMT_SELECT_KEYPAIR);
  pair.public_key = {"rsa", "ssh-rsa " + base64_encode(rsa_blob(key.get())), to_colon_hex(sha1(pkcs8))};
  return pair;
}

std::optional<GeneratedKeyPair> generate_ed25519() {
  PKeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  if (!key) return std::nullopt;
  std::string public_key(32, '\0'), seed(32, '\0');
  size_t public_len = 32, seed_len = 32;
  EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(public_key.data()), &public_len);
  EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(seed.data()), &seed_len);
  GeneratedKeyPair pair;
  std::string blob = ed25519_blob(public_key);
  pair.public_key = {"ed25519", "ssh-ed25519 " + base64_encode(blob), sha256_fingerprint(blob)};
  pair.private_key_pem = openssh_private_key(public_key, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return pair;
}

// The MD5 fingerprint of an RSA public key given by its exponent and modulus bytes.
std::optional<std::string> rsa_import_fingerprint(std::string_view e, std::string_view n) {
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr), BN_free);
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr), BN_free);
  if (!bn_n || !bn_e || BN_num_bits(bn_n.get()) < 1024) return std::nullopt;
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* raw = nullptr;
  if (ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  if (raw == nullptr) return std::nullopt;
  PKeyPtr key(raw, EVP_PKEY_free);
  std::string spki = der_of(key.get(), "SubjectPublicKeyInfo", OSSL_KEYMGMT_SELECT_PUBLIC_KEY);
  if (spki.empty()) return std::nullopt;
  return to_colon_hex(md5(spki));
}

}  // namespace

std::optional<GeneratedKeyPair> generate_ssh_key_pair(std::string_view type) {
  if (type == "rsa") return generate_rsa();
  if (type == "ed25519") return generate_ed25519();
  return std::nullopt;
}

namespace {

// The key of an SSH wire-format public key blob ("ssh-rsa" or "ssh-ed25519"), whose own
// algorithm name must be `algorithm` unless that is empty.
std::optional<SshPublicKey> key_of_blob(std::string_view algorithm, const std::string& blob) {
  Reader reader{blob};
  std::string_view named = reader.string();
  if (!reader.ok || (!algorithm.empty() && named != algorithm)) return std::nullopt;
  SshPublicKey key;
  key.openssh = std::string(named) + " " + base64_encode(blob);
  if (named == "ssh-rsa") {
    std::string_view e = reader.string(), n = reader.string();
    if (!reader.ok || !reader.data.empty()) return std::nullopt;
    auto fingerprint = rsa_import_fingerprint(e, n);
    if (!fingerprint) return std::nullopt;
    key.type = "rsa";
    key.fingerprint = *fingerprint;
    return key;
  }
  if (named == "ssh-ed25519") {
    std::string_view public_key = reader.string();
    if (!reader.ok || !reader.data.empty() || public_key.size() != 32) return std::nullopt;
    key.type = "ed25519";
    key.fingerprint = sha256_fingerprint(blob);
    return key;
  }
  return std::nullopt;
}

// The blob of an RFC 4716 key ("---- BEGIN SSH2 PUBLIC KEY ----", headers such as
// "Comment: ...", which may continue on the next line after a backslash, then base64 lines),
// or nullopt when `text` is not one.
std::optional<std::string> rfc4716_blob(std::string_view text) {
  constexpr std::string_view kBegin = "---- BEGIN SSH2 PUBLIC KEY ----", kEnd = "---- END SSH2 PUBLIC KEY ----";
  size_t begin = text.find(kBegin), end = text.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) return std::nullopt;
  std::string_view body = text.substr(begin + kBegin.size(), end - begin - kBegin.size());
  std::string encoded;
  bool continued = false;
  while (!body.empty()) {
    size_t newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    bool header = continued || line.find(':') != std::string_view::npos;
    continued = header && !line.empty() && line.back() == '\\';
    if (!header) encoded += line;
  }
  return base64_decode(encoded);
}

// The SSH blob of a PEM or DER public key (SubjectPublicKeyInfo, or PKCS#1 RSAPublicKey), or
// nullopt when `data` is neither.
std::optional<std::string> x509_blob(std::string_view data) {
  EVP_PKEY* raw = nullptr;
  OSSL_DECODER_CTX* ctx =
      OSSL_DECODER_CTX_new_for_pkey(&raw, nullptr, nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t left = data.size();
  if (ctx != nullptr) OSSL_DECODER_from_data(ctx, &bytes, &left);
  OSSL_DECODER_CTX_free(ctx);
  if (raw == nullptr) return std::nullopt;
  PKeyPtr key(raw, EVP_PKEY_free);
  if (EVP_PKEY_is_a(key.get(), "RSA")) return rsa_blob(key.get());
  if (EVP_PKEY_is_a(key.get(), "ED25519")) {
    std::string public_key(32, '\0');
    size_t length = public_key.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(public_key.data()), &length) != 1 ||
        length != 32) {
      return std::nullopt;
    }
    return ed25519_blob(public_key);
  }
  return std::nullopt;
}

}  // namespace

std::optional<SshPublicKey> parse_ssh_public_key(std::string_view text) {
  if (auto blob = rfc4716_blob(text)) return key_of_blob("", *blob);
  if (auto blob = x509_blob(text)) return key_of_blob("", *blob);
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return std::nullopt;
  text.remove_prefix(start);
  size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    // Base64 of a DER key, as AWS also takes.
    auto der = base64_decode(text.substr(0, text.find_first_of(" \t\r\n")));
    auto blob = der ? x509_blob(*der) : std::nullopt;
    return blob ? key_of_blob("", *blob) : std::nullopt;
  }
  std::string_view algorithm = text.substr(0, space);
  std::string_view rest = text.substr(space + 1);
  auto blob = base64_decode(rest.substr(0, rest.find_first_of(" \t\r\n")));
  return blob ? key_of_blob(algorithm, *blob) : std::nullopt;
}

}  // namespace stratus
