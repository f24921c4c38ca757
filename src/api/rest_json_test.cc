#include "api/rest_json.h"

#include <gtest/gtest.h>

#include <map>

#include "common/embedded.h"

namespace stratus::api {
namespace {

using nlohmann::json;

const ServiceModel& ebs() {
  static auto parsed = ServiceModel::parse(embedded::ebs_service_model());
  return *parsed.value();
}

TEST(RestJson, RoutesByMethodAndPathTemplate) {
  auto route = match_route(ebs(), "GET", "/snapshots/snap-1/blocks/42");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->operation->name, "GetSnapshotBlock");
  EXPECT_EQ(route->labels.at("snapshotId"), "snap-1");
  EXPECT_EQ(route->labels.at("blockIndex"), "42");
  EXPECT_EQ(match_route(ebs(), "PUT", "/snapshots/snap-1/blocks/42")->operation->name, "PutSnapshotBlock");
  EXPECT_EQ(match_route(ebs(), "GET", "/snapshots/snap-2/changedblocks")->operation->name, "ListChangedBlocks");
  EXPECT_EQ(match_route(ebs(), "POST", "/snapshots/completion/snap-3")->operation->name, "CompleteSnapshot");
  EXPECT_FALSE(match_route(ebs(), "DELETE", "/snapshots/snap-1"));
  EXPECT_FALSE(match_route(ebs(), "GET", "/snapshots//blocks"));
}

TEST(RestJson, DecodesEachMemberFromWhereTheModelSaysItTravels) {
  auto route = match_route(ebs(), "PUT", "/snapshots/snap-1/blocks/7");
  auto typed = decode_rest_request(*route, {}, {{"x-amz-data-length", "4"}, {"x-amz-checksum", "abc="},
                                                {"x-amz-checksum-algorithm", "SHA256"}}, std::string("\0\1\2\3", 4));
  ASSERT_TRUE(typed.ok()) << typed.error().message;
  EXPECT_EQ(typed.value()["SnapshotId"], "snap-1");
  EXPECT_EQ(typed.value()["BlockIndex"], 7);
  EXPECT_EQ(typed.value()["DataLength"], 4);
  EXPECT_EQ(typed.value()["BlockData"].get<std::string>(), std::string("\0\1\2\3", 4));

  auto list = match_route(ebs(), "GET", "/snapshots/snap-1/blocks");
  auto paged = decode_rest_request(*list, {{"maxResults", "100"}, {"pageToken", "MTA="}}, {}, "");
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ(paged.value()["MaxResults"], 100);
  EXPECT_EQ(paged.value()["NextToken"], "MTA=");

  auto start = match_route(ebs(), "POST", "/snapshots");
  auto body = decode_rest_request(*start, {}, {}, R"({"VolumeSize": 8, "Description": "d"})");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body.value()["VolumeSize"], 8);
  EXPECT_EQ(body.value()["Description"], "d");
}

TEST(RestJson, RefusesWhatTheModelForbids) {
  auto list = match_route(ebs(), "GET", "/snapshots/snap-1/blocks");
  for (const char* bad : {"5", "20000", "ten"}) {
    auto decoded = decode_rest_request(*list, {{"maxResults", bad}}, {}, "");
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, "ValidationException");
  }
  auto start = match_route(ebs(), "POST", "/snapshots");
  EXPECT_EQ(decode_rest_request(*start, {}, {}, "{}").error().code, "ValidationException");  // VolumeSize required
  EXPECT_EQ(decode_rest_request(*start, {}, {}, "[1]").error().code, "ValidationException");
  // JSON of the wrong type anywhere in the body, never passed on to a service.
  for (const char* bad : {R"({"VolumeSize": "8"})", R"({"VolumeSize": 8, "Encrypted": "yes"})",
                          R"({"VolumeSize": 8, "Tags": {"Key": "a"}})", R"({"VolumeSize": 8, "Tags": [{"Key": 1}]})",
                          R"({"VolumeSize": 8.5})",
                          // and out of the model's ranges: Timeout 10..4320, VolumeSize >= 1, Description <= 255
                          R"({"VolumeSize": 8, "Timeout": 9})", R"({"VolumeSize": 8, "Timeout": 4321})",
                          R"({"VolumeSize": 0})"}) {
    auto decoded = decode_rest_request(*start, {}, {}, bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, "ValidationException") << bad;
  }
  std::string long_description = R"({"VolumeSize": 8, "Description": ")" + std::string(256, 'd') + R"("})";
  EXPECT_EQ(decode_rest_request(*start, {}, {}, long_description).error().code, "ValidationException");
  EXPECT_TRUE(decode_rest_request(*start, {}, {}, R"({"VolumeSize": 8, "Timeout": 4320})").ok());
}

TEST(RestJson, EncodesHeadersPayloadsAndEpochTimestamps) {
  auto get = match_route(ebs(), "GET", "/snapshots/snap-1/blocks/0");
  HttpResponse block = encode_rest_response(*get->operation, {{"BlockData", std::string("\0x", 2)},
                                                              {"DataLength", 2},
                                                              {"Checksum", "c="},
                                                              {"ChecksumAlgorithm", "SHA256"}});
  EXPECT_EQ(block.body, std::string("\0x", 2));
  EXPECT_EQ(block.content_type, "application/octet-stream");
  std::map<std::string, std::string> headers(block.headers.begin(), block.headers.end());
  EXPECT_EQ(headers, (std::map<std::string, std::string>{
                         {"x-amz-Data-Length", "2"}, {"x-amz-Checksum", "c="}, {"x-amz-Checksum-Algorithm", "SHA256"}}));

  auto start = match_route(ebs(), "POST", "/snapshots");
  HttpResponse started = encode_rest_response(*start->operation, {{"SnapshotId", "snap-1"},
                                                                  {"StartTime", "2026-12-01T00:00:00.000Z"},
                                                                  {"Tags", json::array({{{"Key", "a"}, {"Value", "b"}}})}});
  EXPECT_EQ(started.status, 201);
  json body = json::parse(started.body);
  EXPECT_EQ(body["StartTime"], 1796083200);
  EXPECT_EQ(body["Tags"][0]["Key"], "a");

  HttpResponse missing = encode_rest_error(ebs(), {"ResourceNotFoundException", "no such snapshot"});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers[0], (std::pair<std::string, std::string>{"x-amzn-ErrorType", "ResourceNotFoundException"}));
  EXPECT_EQ(json::parse(missing.body)["message"], "no such snapshot");
  EXPECT_EQ(encode_rest_error(ebs(), {"ValidationException", "x"}).status, 400);
  // A client's bytes that are not UTF-8, echoed in a message (found by fuzz_rest_json).
  HttpResponse echoed = encode_rest_error(ebs(), {"ResourceNotFoundException", "The snapshot 'snap-\xff' does not exist."});
  EXPECT_EQ(json::parse(echoed.body)["message"], "The snapshot 'snap-\xef\xbf\xbd' does not exist.");
}

}  // namespace
}  // namespace stratus::api
