#pragma once
// SSH key pairs as EC2 issues and imports them: generation (RSA 2048, Ed25519), the
// OpenSSH public-key line, private keys `ssh -i` accepts, and AWS's fingerprint forms.

#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// A key pair's public half and AWS's fingerprint of it.
struct SshPublicKey {
  std::string type;         // "rsa" or "ed25519" (EC2's KeyType)
  std::string openssh;      // "ssh-rsa AAAA..." / "ssh-ed25519 AAAA..." (no comment)
  std::string fingerprint;  // see the functions below for which form
};

// A freshly generated key pair.
struct GeneratedKeyPair {
  SshPublicKey public_key;
  std::string private_key_pem;  // rsa: PKCS#1 "RSA PRIVATE KEY"; ed25519: "OPENSSH PRIVATE KEY"
};

// Generates a key pair of EC2 KeyType `type` ("rsa": 2048 bits, or "ed25519"). Fingerprints as
// EC2 gives for created keys: rsa = SHA-1 of the PKCS#8 private key, colon hex;
// ed25519 = base64 SHA-256 of the public key blob. nullopt for an unknown type.
std::optional<GeneratedKeyPair> generate_ssh_key_pair(std::string_view type);

// Parses an imported public key in any form EC2 takes: an OpenSSH line ("ssh-rsa AAAA...
// [comment]", "ssh-ed25519 ..."), an RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block, a PEM
// "PUBLIC KEY" or "RSA PUBLIC KEY", or DER (raw or base64). Fingerprints as EC2 gives for imported keys: rsa = MD5 of the DER
// SubjectPublicKeyInfo, colon hex; ed25519 = base64 SHA-256 of the blob. nullopt when malformed
// or when an RSA key is shorter than 1024 bits.
std::optional<SshPublicKey> parse_ssh_public_key(std::string_view text);

}  // namespace stratus
