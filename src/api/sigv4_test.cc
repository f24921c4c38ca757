#include "api/sigv4.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/timestamp.h"

namespace stratus::api {
namespace {

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::optional<std::string> lookup(const std::string& id) {
  if (id == kKeyId) return std::string(kSecret);
  return std::nullopt;
}

int64_t at(const char* amz_date) { return *parse_iso8601(amz_date); }

// AWS's published example (IAM ListUsers, signing key derived from the example secret).
SignedRequest list_users() {
  SignedRequest r;
  r.method = "GET";
  r.path = "/";
  r.raw_query = "Action=ListUsers&Version=2010-05-08";
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"host", "iam.amazonaws.com"},
               {"x-amz-date", "20150830T123600Z"},
               {"authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date, "
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}};
  return r;
}

TEST(SigV4, SigningKeyMatchesAwsExample) {
  EXPECT_EQ(to_hex(signing_key(kSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, AcceptsAwsExampleRequest) {
  auto result = verify_signature(list_users(), lookup, at("20150830T123600Z"));
  ASSERT_TRUE(result.ok()) << result.error().code << ": " << result.error().message;
  EXPECT_EQ(result.value().region, "us-east-1");
  EXPECT_EQ(result.value().service, "iam");
  EXPECT_TRUE(result.value().payload_signed);
}

TEST(SigV4, RejectsTamperingUnknownKeysAndSkew) {
  SignedRequest tampered = list_users();
  tampered.raw_query = "Action=ListUsers&Version=2010-05-09";
  EXPECT_EQ(verify_signature(tampered, lookup, at("20150830T123600Z")).error().code, "AuthFailure");
  auto nobody = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(verify_signature(list_users(), nobody, at("20150830T123600Z")).error().code, "AuthFailure");
  EXPECT_EQ(verify_signature(list_users(), lookup, at("20150830T123600Z") + 16 * 60).error().code, "RequestExpired");
  EXPECT_EQ(verify_signature(list_users(), lookup, at("20150830T123600Z") - 16 * 60).error().code, "RequestExpired");
  EXPECT_TRUE(verify_signature(list_users(), lookup, at("20150830T123600Z") + 14 * 60).ok());
}

TEST(SigV4, MalformedOrMissingAuthorization) {
  SignedRequest r = list_users();
  r.headers.pop_back();
  EXPECT_EQ(parse_signature(r).error().code, "MissingAuthenticationToken");
  r.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam");
  EXPECT_EQ(parse_signature(r).error().code, "IncompleteSignature");
}

// A request to 127.0.0.1:8773 whose query presigns `action` in `region` at 20261127T000000Z for
// 300 s, without its signature yet.
SignedRequest presignable(const std::string& method, const std::string& action, const std::string& region) {
  SignedRequest r;
  r.method = method;
  r.path = "/";
  r.headers = {{"host", "127.0.0.1:8773"}};
  r.raw_query = "Action=" + action + "&Version=2016-11-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                "AKIDEXAMPLE%2F20261127%2F" + region + "%2Fec2%2Faws4_request&X-Amz-Date=20261127T000000Z" +
                "&X-Amz-Expires=300&X-Amz-SignedHeaders=host";
  return r;
}

// Appends to presignable() `r` the signature, made with our own primitives, over `payload_hash`.
void sign_presigned(SignedRequest& r, const std::string& region, const std::string& payload_hash) {
  std::string base = r.raw_query;
  r.raw_query = base + "&X-Amz-Signature=00";
  auto claim = parse_signature(r);
  ASSERT_TRUE(claim.ok());
  std::string to_sign = "AWS4-HMAC-SHA256\n20261127T000000Z\n20261127/" + region + "/ec2/aws4_request\n" +
                        to_hex(sha256(canonical_request(r, claim.value(), payload_hash)));
  r.raw_query = base + "&X-Amz-Signature=" +
                to_hex(hmac_sha256(signing_key(kSecret, "20261127", region, "ec2"), to_sign));
}

TEST(SigV4, PresignedQueryForm) {
  SignedRequest r = presignable("GET", "DescribeRegions", "ap-northeast-2");
  ASSERT_FALSE(parse_signature(r).ok());  // no signature yet
  sign_presigned(r, "ap-northeast-2", to_hex(sha256("")));
  auto ok = verify_signature(r, lookup, at("20261127T000100Z"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value().region, "ap-northeast-2");
  EXPECT_EQ(verify_signature(r, lookup, at("20261127T000600Z")).error().code, "RequestExpired");
}

// A URL presigned over UNSIGNED-PAYLOAD verifies whatever body it is sent with, and says so:
// the caller must not take parameters from that body.
TEST(SigV4, PresignedUnsignedPayloadIsReportedUnsigned) {
  SignedRequest r = presignable("POST", "DescribeVpcs", "us-east-1");
  sign_presigned(r, "us-east-1", "UNSIGNED-PAYLOAD");
  r.body = "Action=CreateSecurityGroup&GroupName=x&GroupDescription=x";
  auto verified = verify_signature(r, lookup, at("20261127T000100Z"));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified.value().payload_signed);
}

}  // namespace
}  // namespace stratus::api
