#include "s3/sigv2.h"

#include <gtest/gtest.h>

namespace stratus::s3 {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

api::SecretLookup example_key() {
  return [](const std::string& id) -> std::optional<std::string> {
    if (id == "AKIAIOSFODNN7EXAMPLE") return std::string(kSecret);
    return std::nullopt;
  };
}

// AWS's documented example: a GET of an object signed in the Authorization header.
TEST(SigV2, HeaderFormMatchesTheDocumentedExample) {
  api::SignedRequest request{"GET", "/photos/puppy.jpg", "", {{"host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"},
                                                              {"date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                                                              {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="}},
                             ""};
  auto claim = parse_sigv2(request, {});
  ASSERT_TRUE(claim && claim->ok());
  EXPECT_FALSE(claim->value().presigned);
  std::string to_sign = sigv2_string_to_sign(request, {}, claim->value(), "/awsexamplebucket1/photos/puppy.jpg");
  EXPECT_EQ(to_sign, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg");
  EXPECT_TRUE(verify_sigv2(claim->value(), to_sign, example_key(), 1175024202).ok());
  // Half an hour later the same header is too old; an unknown key and a changed text fail.
  EXPECT_EQ(verify_sigv2(claim->value(), to_sign, example_key(), 1175024202 + 1800).error().code, "RequestTimeTooSkewed");
  EXPECT_EQ(verify_sigv2(claim->value(), to_sign + "x", example_key(), 1175024202).error().code, "SignatureDoesNotMatch");
  V2Claim stranger = claim->value();
  stranger.access_key_id = "AKIANOBODY";
  EXPECT_EQ(verify_sigv2(stranger, to_sign, example_key(), 1175024202).error().code, "InvalidAccessKeyId");
}

// With x-amz-date the date line is empty and every x-amz- header is signed, sorted, with
// repeated headers joined.
TEST(SigV2, AmzHeadersAreSortedAndReplaceTheDate) {
  api::SignedRequest request{"PUT", "/b/k", "", {{"x-amz-meta-b", "2"},
                                                 {"content-type", "text/plain"},
                                                 {"x-amz-date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                                                 {"date", "ignored"},
                                                 {"x-amz-meta-a", " one "},
                                                 {"x-amz-meta-a", "two"},
                                                 {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:x"}},
                             ""};
  auto claim = parse_sigv2(request, {});
  ASSERT_TRUE(claim && claim->ok());
  EXPECT_EQ(sigv2_string_to_sign(request, {}, claim->value(), "/b/k"),
            "PUT\n\ntext/plain\n\nx-amz-date:Tue, 27 Mar 2007 19:36:42 +0000\nx-amz-meta-a:one,two\nx-amz-meta-b:2\n/b/k");
}

// A presigned URL: Expires is the date line, signed subresources follow the resource sorted,
// other parameters are not signed, and x-amz- parameters count as headers.
TEST(SigV2, QueryFormSignsExpiresAndSubresources) {
  api::QueryParams query = {{"versionId", "v1"},          {"AWSAccessKeyId", "AKIAIOSFODNN7EXAMPLE"},
                            {"Signature", "sig"},         {"Expires", "1700000000"},
                            {"x-amz-security-token", "T"}, {"response-content-type", "a/b"},
                            {"prefix", "not-signed"}};
  api::SignedRequest request{"GET", "/b/k", "ignored", {{"host", "localhost"}}, ""};
  auto claim = parse_sigv2(request, query);
  ASSERT_TRUE(claim && claim->ok());
  EXPECT_TRUE(claim->value().presigned);
  EXPECT_EQ(claim->value().security_token, "T");
  EXPECT_EQ(sigv2_string_to_sign(request, query, claim->value(), "/b/k"),
            "GET\n\n\n1700000000\nx-amz-security-token:T\n/b/k?response-content-type=a/b&versionId=v1");
  EXPECT_EQ(verify_sigv2(claim->value(), "", example_key(), 1700000001).error().code, "AccessDenied");
}

// Requests without SigV2 are left to SigV4; a Query API's own SigV2 (with Action) is not S3's.
TEST(SigV2, OtherRequestsAreNotClaimed) {
  api::SignedRequest v4{"GET", "/", "", {{"authorization", "AWS4-HMAC-SHA256 Credential=x"}}, ""};
  EXPECT_FALSE(parse_sigv2(v4, {}));
  api::SignedRequest plain{"GET", "/", "", {}, ""};
  EXPECT_FALSE(parse_sigv2(plain, {{"Action", "DescribeRegions"}, {"AWSAccessKeyId", "A"}}));
  auto missing = parse_sigv2(plain, {{"AWSAccessKeyId", "A"}, {"Signature", "s"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->error().code, "AccessDenied");
}

}  // namespace
}  // namespace stratus::s3
