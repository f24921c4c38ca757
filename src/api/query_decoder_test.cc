#include "api/query_decoder.h"

#include <gtest/gtest.h>

#include "common/embedded.h"

namespace stratus::api {
namespace {

const ServiceModel& model() {
  static auto parsed = ServiceModel::parse(embedded::ec2_service_model());
  return *parsed.value();
}

Result<nlohmann::json> decode(const std::string& action, const QueryParams& params) {
  return decode_request(model().operation(action)->input, params);
}

TEST(QueryDecoder, ListsStructuresAndScalars) {
  auto r = decode("DescribeVpcs", {{"Action", "DescribeVpcs"},
                                   {"VpcId.1", "vpc-1"},
                                   {"VpcId.2", "vpc-2"},
                                   {"Filter.1.Name", "tag:Name"},
                                   {"Filter.1.Value.1", "web"},
                                   {"MaxResults", "7"},
                                   {"DryRun", "false"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value()["VpcIds"], nlohmann::json({"vpc-1", "vpc-2"}));
  EXPECT_EQ(r.value()["Filters"][0]["Name"], "tag:Name");
  EXPECT_EQ(r.value()["Filters"][0]["Values"][0], "web");
  EXPECT_EQ(r.value()["MaxResults"], 7);
  EXPECT_EQ(r.value()["DryRun"], false);
}

TEST(QueryDecoder, ListOrderFollowsIndexNotArrival) {
  auto r = decode("DescribeVpcs", {{"VpcId.10", "ten"}, {"VpcId.2", "two"}, {"VpcId.1", "one"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()["VpcIds"], nlohmann::json({"one", "two", "ten"}));
}

TEST(QueryDecoder, MissingRequiredMember) {
  auto r = decode("CreateVpc", {});
  ASSERT_TRUE(r.ok());  // CidrBlock is optional in the model (IPAM); the service checks it.
  auto tags = decode("CreateTags", {{"ResourceId.1", "vpc-1"}});
  ASSERT_FALSE(tags.ok());
  EXPECT_EQ(tags.error().code, "MissingParameter");
  EXPECT_NE(tags.error().message.find("Tag"), std::string::npos);
}

TEST(QueryDecoder, RejectsUnknownParameterAndBadValues) {
  EXPECT_EQ(decode("DescribeVpcs", {{"Bogus", "1"}}).error().code, "UnknownParameter");
  EXPECT_EQ(decode("DescribeVpcs", {{"VpcId.x", "1"}}).error().code, "UnknownParameter");
  EXPECT_EQ(decode("DescribeVpcs", {{"MaxResults", "abc"}}).error().code, "InvalidParameterValue");
  EXPECT_EQ(decode("DescribeVpcs", {{"MaxResults", "2"}}).error().code, "InvalidParameterValue");  // min 5
  EXPECT_EQ(decode("DescribeVpcs", {{"DryRun", "maybe"}}).error().code, "InvalidParameterValue");
}

TEST(QueryDecoder, NestedTagSpecifications) {
  auto r = decode("CreateVpc", {{"CidrBlock", "10.0.0.0/16"},
                                {"TagSpecification.1.ResourceType", "vpc"},
                                {"TagSpecification.1.Tag.1.Key", "Name"},
                                {"TagSpecification.1.Tag.1.Value", "a b&c"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value()["TagSpecifications"][0]["Tags"][0]["Value"], "a b&c");
}

TEST(QueryDecoder, ParseFormPercentDecodes) {
  auto p = parse_form("Action=CreateTags&Tag.1.Value=a+b%26c%3D&Empty=");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.value().size(), 3u);
  EXPECT_EQ(p.value()[1].second, "a b&c=");
  EXPECT_EQ(p.value()[2].second, "");
  EXPECT_FALSE(parse_form("A=%zz").ok());
  EXPECT_FALSE(parse_form("A=%4").ok());
}

}  // namespace
}  // namespace stratus::api

namespace stratus::api {
namespace {

TEST(QueryDecoder, RejectsInvalidUtf8) {
  EXPECT_EQ(decode("DescribeVpcs", {{"Filter.1.Name", std::string("tag\xf4\xff\xff\xff")}}).error().code,
            "InvalidCharacter");
  EXPECT_EQ(decode("DescribeVpcs", {{"Filter.1.Name", std::string("\xc0\xaf")}}).error().code, "InvalidCharacter");
  EXPECT_EQ(decode("DescribeVpcs", {{"Filter.1.Name", std::string("\xed\xa0\x80")}}).error().code,
            "InvalidCharacter");
  auto ok = decode("DescribeVpcs", {{"Filter.1.Name", "tag:이름"}, {"Filter.1.Value.1", "😀"}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value()["Filters"][0]["Values"][0], "😀");
}

// A name nested deeper than the model allows is refused before anything is built: a 109 KB
// "Filter.1.Value.1.Value.1..." once made the decoder allocate 1.66 GB.
TEST(QueryDecoder, RefusesNamesTheModelCannotHave) {
  std::string deep = "Filter.1.Value.1";
  while (deep.size() < 109 * 1024) deep += ".Value.1";
  auto r = decode("DescribeVpcs", {{deep, "x"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnknownParameter");
  EXPECT_LT(r.error().message.size(), 256u);  // the echoed name is cut short
  for (const char* name : {"Filter.1.Value.1.Extra", "Filter.1.Name.1", "VpcId.1.x", "Filter..Name", "Filter.1.",
                           "VpcId.-1", "VpcId.1234567890123456789", "MaxResults.1"}) {
    EXPECT_EQ(decode("DescribeVpcs", {{name, "x"}}).error().code, "UnknownParameter") << name;
  }
  EXPECT_TRUE(decode("DescribeVpcs", {{"Filter.1.Name", "n"}, {"Filter.1.Value.3", "v"}}).ok());
  EXPECT_TRUE(decode("CreateVpc", {{"TagSpecification.1.Tag.1.Key", "k"}}).ok());
}

// Control characters cannot be carried by XML 1.0, so they never get into the store.
TEST(QueryDecoder, RefusesControlCharacters) {
  for (std::string bad : {std::string("x\x02y"), std::string("a\x01"), std::string("\0", 1), std::string("\x1b[0m")}) {
    auto r = decode("CreateTags", {{"ResourceId.1", "vpc-1"}, {"Tag.1.Key", "k"}, {"Tag.1.Value", bad}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "InvalidParameterValue");
    EXPECT_EQ(r.error().message.find(bad), std::string::npos);  // not echoed
  }
  EXPECT_TRUE(decode("CreateTags", {{"ResourceId.1", "vpc-1"}, {"Tag.1.Key", "k"}, {"Tag.1.Value", "two\nlines\t"}}).ok());
}

}  // namespace
}  // namespace stratus::api
