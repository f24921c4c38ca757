#include "api/xml_encoder.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "common/embedded.h"

namespace stratus::api {
namespace {

const ServiceModel& model() {
  static auto parsed = ServiceModel::parse(embedded::ec2_service_model());
  return *parsed.value();
}

TEST(XmlEncoder, RendersListsWithItemElementsAndLocationNames) {
  nlohmann::json result = {{"Vpcs", {{{"VpcId", "vpc-1"}, {"IsDefault", true}, {"Tags", {{{"Key", "Name"}, {"Value", "a<b&c"}}}}}}},
                           {"NextToken", "t"}};
  std::string xml = encode_response(model(), *model().operation("DescribeVpcs"), result, "req-1");
  EXPECT_NE(xml.find("<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"), std::string::npos);
  EXPECT_NE(xml.find("<requestId>req-1</requestId>"), std::string::npos);
  EXPECT_NE(xml.find("<vpcSet><item><isDefault>true</isDefault>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<tagSet><item><key>Name</key><value>a&lt;b&amp;c</value></item></tagSet>"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<nextToken>t</nextToken>"), std::string::npos);
}

TEST(XmlEncoder, IgnoresMembersOutsideTheShape) {
  nlohmann::json result = {{"Vpcs", {{{"VpcId", "vpc-1"}, {"_Internal", "secret"}}}}};
  std::string xml = encode_response(model(), *model().operation("DescribeVpcs"), result, "r");
  EXPECT_EQ(xml.find("secret"), std::string::npos);
}

TEST(XmlEncoder, OperationsWithoutOutputSayReturnTrue) {
  std::string xml = encode_response(model(), *model().operation("DeleteVpc"), nlohmann::json::object(), "r");
  EXPECT_NE(xml.find("<DeleteVpcResponse"), std::string::npos);
  EXPECT_NE(xml.find("<return>true</return>"), std::string::npos);
}

TEST(XmlEncoder, NumbersAndDoubles) {
  nlohmann::json result = {{"InstanceTypes",
                            {{{"InstanceType", "t2.micro"},
                              {"MemoryInfo", {{"SizeInMiB", 1024}}},
                              {"ProcessorInfo", {{"SustainedClockSpeedInGhz", 2.5}}}}}}};
  std::string xml = encode_response(model(), *model().operation("DescribeInstanceTypes"), result, "r");
  EXPECT_NE(xml.find("<sizeInMiB>1024</sizeInMiB>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<sustainedClockSpeedInGhz>2.5</sustainedClockSpeedInGhz>"), std::string::npos) << xml;
}

TEST(XmlEncoder, ErrorEnvelope) {
  std::string xml = encode_error({"InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"}, "req-9");
  EXPECT_NE(xml.find("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID 'vpc-1' does "
                     "not exist</Message></Error></Errors><RequestID>req-9</RequestID></Response>"),
            std::string::npos)
      << xml;
}

// Whatever a record holds (older versions stored control characters), the answer parses.
TEST(XmlEncoder, StoredControlCharactersStillRenderParseableXml) {
  nlohmann::json result = {{"Vpcs", {{{"VpcId", "vpc-1"}, {"Tags", {{{"Key", "k\x01"}, {"Value", std::string("x\x02y\0z", 5)}}}}}}}};
  std::string xml = encode_response(model(), *model().operation("DescribeVpcs"), result, "r");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  EXPECT_EQ(xml.find("&#"), std::string::npos) << xml;
  EXPECT_EQ(std::string(doc.select_node("//value").node().text().get()), "x\xEF\xBF\xBDy\xEF\xBF\xBDz");
  std::string error = encode_error({"InvalidParameterValue", "Invalid value '\x01' for MaxResults"}, "r");
  ASSERT_TRUE(doc.load_string(error.c_str())) << error;
  EXPECT_EQ(error.find("&#"), std::string::npos) << error;
}

const ServiceModel& sts_model() {
  static auto parsed = ServiceModel::parse(embedded::sts_service_model());
  return *parsed.value();
}

// The Query protocol (STS) wraps results in <ActionResult> and errors in <ErrorResponse>.
TEST(XmlEncoder, QueryProtocolEnvelopes) {
  EXPECT_EQ(sts_model().protocol(), Protocol::kQuery);
  EXPECT_EQ(sts_model().signing_name(), "sts");
  EXPECT_EQ(model().signing_name(), "ec2");
  nlohmann::json identity = {{"UserId", "123"}, {"Account", "123"}, {"Arn", "arn:aws:iam::123:root"}};
  std::string xml = encode_response(sts_model(), *sts_model().operation("GetCallerIdentity"), identity, "req-9");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  pugi::xml_node root = doc.child("GetCallerIdentityResponse");
  EXPECT_STREQ(root.attribute("xmlns").value(), "https://sts.amazonaws.com/doc/2011-06-15/");
  EXPECT_STREQ(root.child("GetCallerIdentityResult").child("Arn").text().get(), "arn:aws:iam::123:root");
  EXPECT_STREQ(root.child("ResponseMetadata").child("RequestId").text().get(), "req-9");
  EXPECT_FALSE(root.child("requestId"));

  std::string error = encode_error({"InvalidAction", "no"}, "req-10", &sts_model(), true);
  ASSERT_TRUE(doc.load_string(error.c_str()));
  pugi::xml_node e = doc.child("ErrorResponse").child("Error");
  EXPECT_STREQ(e.child("Type").text().get(), "Sender");
  EXPECT_STREQ(e.child("Code").text().get(), "InvalidAction");
  EXPECT_STREQ(doc.child("ErrorResponse").child("RequestId").text().get(), "req-10");
  ASSERT_TRUE(doc.load_string(encode_error({"InternalError", "x"}, "r", &sts_model(), false).c_str()));
  EXPECT_STREQ(doc.child("ErrorResponse").child("Error").child("Type").text().get(), "Receiver");
}

}  // namespace
}  // namespace stratus::api
