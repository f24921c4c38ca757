#include "services/ec2/authorization.h"

#include <gtest/gtest.h>

#include "common/embedded.h"
#include "common/temp_dir.h"
#include "store/sqlite_store.h"

namespace stratus::ec2 {
namespace {

using nlohmann::json;

class AuthorizationResourcesTest : public ::testing::Test {
 protected:
  // The resources of `action` with `request`, by ARN.
  std::map<std::string, iam::ContextKeys> resources(const std::string& action, json request) {
    api::ServiceCall call{action, "eu-west-1", "123456789012", std::move(request), {}, "", ""};
    std::map<std::string, iam::ContextKeys> out;
    for (iam::RequestResource& r : resolver_.resources(call)) out.emplace(r.arn, std::move(r.keys));
    return out;
  }
  // Stores record `id` of `kind` with `doc`.
  void put(const std::string& id, const std::string& kind, json doc) {
    auto txn = store_.begin_write();
    txn->put({id, kind, "eu-west-1", std::move(doc)});
    txn->commit();
  }

  TempDir dir_{"authorization-test"};
  store::SqliteStore store_{(dir_.path() / "s.db").string()};
  AuthorizationResources resolver_{embedded::ec2_authorization(), store_};
};

const std::string kArn = "arn:aws:ec2:eu-west-1:123456789012:";

TEST_F(AuthorizationResourcesTest, DescribeActionsAreAuthorizedAgainstEverything) {
  auto got = resources("DescribeInstances", {{"InstanceIds", {"i-0123456789abcdef0"}}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, "*");
}

// RunInstances is authorized against what it makes and everything it names, as AWS does.
TEST_F(AuthorizationResourcesTest, RunInstancesTouchesEverythingItNamesAndMakes) {
  auto got = resources("RunInstances",
                       {{"ImageId", "ami-0123456789abcdef0"},
                        {"InstanceType", "t3.micro"},
                        {"SubnetId", "subnet-1"},
                        {"SecurityGroupIds", {"sg-1", "sg-2"}},
                        {"KeyName", "deploy"},
                        {"NetworkInterfaces", {{{"DeviceIndex", 1}, {"SubnetId", "subnet-2"}, {"Groups", {"sg-3"}}}}},
                        {"TagSpecifications",
                         {{{"ResourceType", "instance"}, {"Tags", {{{"Key", "Team"}, {"Value", "blue"}}}}},
                          {{"ResourceType", "volume"}, {"Tags", {{{"Key", "disk"}, {"Value", "x"}}}}}}}});
  std::vector<std::string> arns;
  for (const auto& [arn, keys] : got) arns.push_back(arn);
  EXPECT_EQ(arns, (std::vector<std::string>{
                      kArn + "instance/*", kArn + "key-pair/deploy", kArn + "network-interface/*",
                      kArn + "security-group/sg-1", kArn + "security-group/sg-2", kArn + "security-group/sg-3",
                      kArn + "subnet/subnet-1", kArn + "subnet/subnet-2", kArn + "volume/*",
                      "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0"}));
  const iam::ContextKeys& instance = got[kArn + "instance/*"];
  EXPECT_EQ(instance.at("ec2:instancetype"), std::vector<std::string>{"t3.micro"});
  EXPECT_EQ(instance.at("aws:requesttag/team"), std::vector<std::string>{"blue"});
  EXPECT_EQ(instance.at("aws:tagkeys"), std::vector<std::string>{"Team"});
  EXPECT_EQ(instance.at("ec2:region"), std::vector<std::string>{"eu-west-1"});
  EXPECT_EQ(got[kArn + "volume/*"].at("aws:tagkeys"), std::vector<std::string>{"disk"});
  EXPECT_EQ(got[kArn + "network-interface/*"].count("aws:tagkeys"), 0u);
}

TEST_F(AuthorizationResourcesTest, ExistingResourcesBringTheirTags) {
  put("i-0aa", "instance", {{"Instance", {{"InstanceType", "m5.large"}}}, {"Tags", {{{"Key", "Env"}, {"Value", "prod"}}}}});
  auto got = resources("TerminateInstances", {{"InstanceIds", {"i-0aa", "i-0bb"}}});
  ASSERT_EQ(got.size(), 2u);
  const iam::ContextKeys& known = got[kArn + "instance/i-0aa"];
  EXPECT_EQ(known.at("ec2:resourcetag/env"), std::vector<std::string>{"prod"});
  EXPECT_EQ(known.at("aws:resourcetag/env"), std::vector<std::string>{"prod"});
  EXPECT_EQ(known.at("ec2:instancetype"), std::vector<std::string>{"m5.large"});
  EXPECT_EQ(got[kArn + "instance/i-0bb"].count("ec2:resourcetag/env"), 0u);  // no such instance: no tags
}

// ec2:Vpc and ec2:Subnet: where an existing resource is, and where a new one goes.
TEST_F(AuthorizationResourcesTest, VpcAndSubnetKeys) {
  put("subnet-1", "subnet", {{"SubnetId", "subnet-1"}, {"VpcId", "vpc-1"}});
  put("i-0cc", "instance", {{"Instance", {{"VpcId", "vpc-1"}, {"SubnetId", "subnet-1"}}}});
  auto run = resources("RunInstances", {{"ImageId", "ami-1"}, {"SubnetId", "subnet-1"}});
  const iam::ContextKeys& made = run[kArn + "instance/*"];
  EXPECT_EQ(made.at("ec2:vpc"), std::vector<std::string>{kArn + "vpc/vpc-1"});
  EXPECT_EQ(made.at("ec2:subnet"), std::vector<std::string>{kArn + "subnet/subnet-1"});
  EXPECT_EQ(run[kArn + "subnet/subnet-1"].at("ec2:vpc"), std::vector<std::string>{kArn + "vpc/vpc-1"});
  EXPECT_EQ(run[kArn + "subnet/subnet-1"].count("ec2:subnet"), 0u);
  auto stop = resources("StopInstances", {{"InstanceIds", {"i-0cc"}}});
  EXPECT_EQ(stop[kArn + "instance/i-0cc"].at("ec2:subnet"), std::vector<std::string>{kArn + "subnet/subnet-1"});
  auto group = resources("CreateSecurityGroup", {{"GroupName", "g"}, {"VpcId", "vpc-2"}});
  EXPECT_EQ(group[kArn + "security-group/*"].at("ec2:vpc"), std::vector<std::string>{kArn + "vpc/vpc-2"});
}

TEST_F(AuthorizationResourcesTest, CreateTagsNamesResourcesByIdPrefix) {
  auto got = resources("CreateTags", {{"Resources", {"vpc-1", "snap-2", "unknown-3"}},
                                      {"Tags", {{{"Key", "owner"}, {"Value", "me"}}}}});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[kArn + "vpc/vpc-1"].at("aws:requesttag/owner"), std::vector<std::string>{"me"});
  EXPECT_TRUE(got.count("arn:aws:ec2:eu-west-1::snapshot/snap-2"));
}

TEST_F(AuthorizationResourcesTest, WhatAnActionMakesAndNames) {
  auto made = resources("CreateKeyPair", {{"KeyName", "new-key"}});
  ASSERT_EQ(made.size(), 1u);  // the new pair by its name, not as an existing one too
  EXPECT_EQ(made.begin()->first, kArn + "key-pair/new-key");
  auto subnet = resources("CreateSubnet", {{"VpcId", "vpc-1"}, {"CidrBlock", "10.0.0.0/24"}});
  EXPECT_TRUE(subnet.count(kArn + "subnet/*"));
  EXPECT_TRUE(subnet.count(kArn + "vpc/vpc-1"));
  // An action naming nothing the data knows has no resources: the authorizer fails closed.
  EXPECT_TRUE(resources("ModifyInstanceMetadataDefaults", {{"HttpTokens", "required"}}).empty());
}

}  // namespace
}  // namespace stratus::ec2
