#include "common/ssh_keys.h"

#include <gtest/gtest.h>

#include <regex>

namespace stratus {
namespace {

TEST(SshKeys, GeneratedRsaKeyRoundTrips) {
  auto pair = generate_ssh_key_pair("rsa");
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->private_key_pem.rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  EXPECT_TRUE(std::regex_match(pair->public_key.fingerprint, std::regex("([0-9a-f]{2}:){19}[0-9a-f]{2}")));
  auto parsed = parse_ssh_public_key(pair->public_key.openssh + " comment");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, "rsa");
  EXPECT_EQ(parsed->openssh, pair->public_key.openssh);
  // Imported RSA keys are fingerprinted differently (MD5 of the public key): 16 bytes.
  EXPECT_TRUE(std::regex_match(parsed->fingerprint, std::regex("([0-9a-f]{2}:){15}[0-9a-f]{2}")));
}

TEST(SshKeys, GeneratedEd25519KeyRoundTrips) {
  auto pair = generate_ssh_key_pair("ed25519");
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->private_key_pem.rfind("-----BEGIN OPENSSH PRIVATE KEY-----\n", 0), 0u);
  EXPECT_TRUE(std::regex_match(pair->public_key.fingerprint, std::regex("[A-Za-z0-9+/]{43}=")));
  auto parsed = parse_ssh_public_key(pair->public_key.openssh);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, "ed25519");
  EXPECT_EQ(parsed->fingerprint, pair->public_key.fingerprint);  // same form for both paths
}

TEST(SshKeys, ImportsRfc4716Blocks) {
  auto pair = generate_ssh_key_pair("ed25519");
  ASSERT_TRUE(pair);
  std::string base64 = pair->public_key.openssh.substr(pair->public_key.openssh.find(' ') + 1);
  std::string block = "---- BEGIN SSH2 PUBLIC KEY ----\r\nComment: \"a comment that goes on \\\r\nand on\"\r\n" +
                      base64.substr(0, 40) + "\r\n" + base64.substr(40) + "\r\n---- END SSH2 PUBLIC KEY ----\r\n";
  auto parsed = parse_ssh_public_key(block);
  ASSERT_TRUE(parsed) << block;
  EXPECT_EQ(parsed->openssh, pair->public_key.openssh);
  EXPECT_EQ(parsed->fingerprint, pair->public_key.fingerprint);
  EXPECT_FALSE(parse_ssh_public_key("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n"));
  EXPECT_FALSE(parse_ssh_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
}

TEST(SshKeys, RejectsMalformedPublicKeys) {
  EXPECT_FALSE(generate_ssh_key_pair("dsa"));
  for (const char* bad : {"", "ssh-rsa", "ssh-rsa !!!!", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==",
                          "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "ecdsa-sha2-nistp256 AAAAE2VjZHNh"}) {
    EXPECT_FALSE(parse_ssh_public_key(bad)) << bad;
  }
}

}  // namespace
}  // namespace stratus
