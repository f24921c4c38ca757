#include "imds/responder.h"

#include <gtest/gtest.h>

namespace stratus::imds {
namespace {

const std::string kInstance = "i-0123456789abcdef0";
constexpr int64_t kNow = 1795737600;

class ResponderTest : public ::testing::Test {
 protected:
  Response call(const std::string& method, const std::string& path,
                std::vector<std::pair<std::string, std::string>> headers = {}, int64_t now = kNow) {
    return respond({method, path, std::move(headers)}, tree_, kInstance, options_, tokens_, now);
  }
  std::string token(int64_t ttl = 60) {
    Response r = call("PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl)}});
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  nlohmann::json tree_ = {{"meta-data", {{"instance-id", kInstance}}}};
  MetadataOptions options_;
  TokenIssuer tokens_{std::string(32, 'k')};
};

TEST_F(ResponderTest, V1WorksUnlessTokensAreRequired) {
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id").body, kInstance);
  options_.tokens_required = true;
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id").status, 401);
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", token()}}).body, kInstance);
}

TEST_F(ResponderTest, TokenFlow) {
  std::string t = token(60);
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", t}}).status, 200);
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", t}}, kNow + 61).status, 401);
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", "forged"}}).status, 401);
  // Another instance's token is worthless here.
  std::string other = tokens_.issue("i-0fedcba9876543210", 60, kNow);
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", other}}).status, 401);
}

TEST_F(ResponderTest, TokenRequestRules) {
  EXPECT_EQ(call("PUT", "/latest/api/token").status, 400);
  for (const char* ttl : {"0", "21601", "abc", "-5"}) {
    EXPECT_EQ(call("PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", ttl}}).status, 400) << ttl;
  }
  EXPECT_EQ(call("PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}}).status, 200);
  EXPECT_EQ(call("PUT", "/2021-03-23/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}}).status, 403);
  EXPECT_EQ(call("PUT", "/latest/api/token",
                 {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}, {"x-forwarded-for", "10.0.0.1"}})
                .status,
            403);
  options_.put_response_hop_limit = 2;
  EXPECT_EQ(call("PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}}).ip_ttl, 2);
}

TEST_F(ResponderTest, DisabledEndpointAndMethods) {
  EXPECT_EQ(call("POST", "/latest/meta-data/").status, 405);
  Response head = call("HEAD", "/latest/meta-data/instance-id");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  options_.endpoint_enabled = false;
  EXPECT_EQ(call("GET", "/latest/meta-data/instance-id").status, 403);
  EXPECT_EQ(call("PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}}).status, 403);
}

}  // namespace
}  // namespace stratus::imds
