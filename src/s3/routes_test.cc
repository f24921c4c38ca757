#include "s3/routes.h"

#include <gtest/gtest.h>

#include "api/rest_xml.h"
#include "common/embedded.h"

namespace stratus::s3 {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

class S3ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = api::ServiceModel::parse(embedded::s3_service_model());
    ASSERT_TRUE(parsed.ok());
    model_ = parsed.value();
  }
  std::string route(const std::string& method, bool bucket, bool key, const Pairs& query, const Pairs& headers = {}) {
    Routes routes(*model_, [](std::string_view op) { return op != "GetBucketLifecycle"; });
    return routes.operation({method, bucket, key, &query, &headers}).value_or("none");
  }
  std::shared_ptr<const api::ServiceModel> model_;
};

TEST_F(S3ModelTest, RoutesByMethodPathSubresourceAndHeaders) {
  EXPECT_EQ(route("GET", false, false, {}), "ListBuckets");
  EXPECT_EQ(route("PUT", true, false, {}), "CreateBucket");
  EXPECT_EQ(route("GET", true, false, {{"prefix", "a"}}), "ListObjects");
  EXPECT_EQ(route("GET", true, false, {{"list-type", "2"}, {"prefix", "a"}}), "ListObjectsV2");
  EXPECT_EQ(route("GET", true, false, {{"location", ""}}), "GetBucketLocation");
  EXPECT_EQ(route("GET", true, false, {{"lifecycle", ""}}), "GetBucketLifecycleConfiguration");
  EXPECT_EQ(route("POST", true, false, {{"delete", ""}}), "DeleteObjects");
  EXPECT_EQ(route("HEAD", true, false, {}), "HeadBucket");
  EXPECT_EQ(route("DELETE", true, false, {{"tagging", ""}}), "DeleteBucketTagging");
  EXPECT_EQ(route("PUT", true, true, {}), "PutObject");
  EXPECT_EQ(route("PUT", true, true, {}, {{"x-amz-copy-source", "b/k"}}), "CopyObject");
  EXPECT_EQ(route("PUT", true, true, {{"partNumber", "1"}, {"uploadId", "u"}}), "UploadPart");
  EXPECT_EQ(route("PUT", true, true, {{"partNumber", "1"}, {"uploadId", "u"}}, {{"x-amz-copy-source", "b/k"}}),
            "UploadPartCopy");
  EXPECT_EQ(route("PUT", true, true, {{"tagging", ""}}), "PutObjectTagging");
  EXPECT_EQ(route("GET", true, true, {{"uploadId", "u"}}), "ListParts");
  EXPECT_EQ(route("GET", true, true, {{"response-content-type", "text/plain"}}), "GetObject");
  EXPECT_EQ(route("DELETE", true, true, {{"uploadId", "u"}}), "AbortMultipartUpload");
  EXPECT_EQ(route("POST", true, true, {{"uploads", ""}}), "CreateMultipartUpload");
  EXPECT_EQ(route("POST", true, true, {{"uploadId", "u"}}), "CompleteMultipartUpload");
  EXPECT_EQ(route("POST", true, false, {}), "none");
  EXPECT_EQ(route("PATCH", true, true, {}), "none");
}

TEST_F(S3ModelTest, DecodesMembersFromHeadersQueryAndAnXmlPayload) {
  const api::Operation* put = model_->operation("PutObject");
  auto request = api::decode_rest_xml_request(
      *put, {{"Bucket", "b"}, {"Key", "k/x y"}}, {},
      {{"content-type", "text/plain"}, {"x-amz-meta-color", "blue"}, {"if-none-match", "*"},
       {"expires", "Wed, 02 Dec 2026 05:49:09 GMT"}},
      "");
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request.value()["Key"], "k/x y");
  EXPECT_EQ(request.value()["ContentType"], "text/plain");
  EXPECT_EQ(request.value()["Metadata"]["color"], "blue");
  EXPECT_EQ(request.value()["IfNoneMatch"], "*");
  EXPECT_EQ(request.value()["Expires"], "Wed, 02 Dec 2026 05:49:09 GMT");  // a string member: kept as sent
  const api::Operation* del = model_->operation("DeleteObjects");
  auto many = api::decode_rest_xml_request(
      *del, {{"Bucket", "b"}}, {{"delete", ""}}, {},
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a</Key></Object>"
      "<Object><Key>b</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet></Delete>");
  ASSERT_TRUE(many.ok()) << many.error().message;
  EXPECT_EQ(many.value()["Delete"]["Objects"].size(), 2u);
  EXPECT_EQ(many.value()["Delete"]["Objects"][1]["VersionId"], "v");
  EXPECT_EQ(many.value()["Delete"]["Quiet"], true);
  auto broken = api::decode_rest_xml_request(*del, {{"Bucket", "b"}}, {}, {}, "<Delete><Object>");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "MalformedXML");
  auto list = api::decode_rest_xml_request(*model_->operation("ListObjectsV2"), {{"Bucket", "b"}},
                                           {{"max-keys", "blah"}}, {}, "");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, "InvalidArgument");
}

TEST_F(S3ModelTest, EncodesHeadersAndXmlBodies) {
  auto head = api::encode_rest_xml_response(
      *model_->operation("HeadObject"),
      {{"ETag", "\"e\""}, {"LastModified", "2026-12-02T05:49:09.000Z"}, {"Metadata", {{"color", "blue"}}},
       {"ContentLength", 5}},
      "HeadObjectResult", "ns");
  EXPECT_TRUE(head.body.empty());
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : head.headers) {
      if (k == name) return v;
    }
    return std::string("absent");
  };
  EXPECT_EQ(header("ETag"), "\"e\"");
  EXPECT_EQ(header("Last-Modified"), "Wed, 02 Dec 2026 05:49:09 GMT");
  EXPECT_EQ(header("x-amz-meta-color"), "blue");
  EXPECT_EQ(header("Content-Length"), "5");
  auto list = api::encode_rest_xml_response(
      *model_->operation("ListObjectsV2"),
      {{"Name", "b"}, {"Contents", {{{"Key", "a&b"}, {"Size", 3}}, {{"Key", "c"}, {"Size", 4}}}}, {"IsTruncated", false}},
      "ListBucketResult", "ns");
  EXPECT_NE(list.body.find("<ListBucketResult xmlns=\"ns\">"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("<Contents><Key>a&amp;b</Key><Size>3</Size></Contents><Contents><Key>c</Key>"),
            std::string::npos)
      << list.body;
}

}  // namespace
}  // namespace stratus::s3
