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

}  // namespace
}  // namespace stratus::api
