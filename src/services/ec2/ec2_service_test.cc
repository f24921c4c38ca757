#include "services/ec2/ec2_service.h"

#include <gtest/gtest.h>

#include "common/embedded.h"
#include "common/temp_dir.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace stratus::ec2 {
namespace {

constexpr const char* kAccount = "123456789012";
constexpr const char* kRegion = "us-east-1";

// The service over a real store in a temporary directory.
class Ec2ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::CachedStore>(
        std::make_unique<store::SqliteStore>((dir_.path() / "db").string()));
    service_ = std::make_unique<Ec2Service>(*store_, catalog_);
  }
  Ec2Service::BatchCall call(const std::string& action, json request, const std::string& region = kRegion) {
    return {action, region, kAccount, std::move(request)};
  }
  // Bootstraps every region (default VPC, a stand-in base AMI) and notes the ids tests use.
  void bootstrap() {
    service_->bootstrap(kAccount, BaseImage{"debian-12-amd64", "0123456789abcdef", "/nonexistent", 0, 8});
    image_ = ok("DescribeImages", json::object())["Images"][0]["ImageId"];
    vpc_ = ok("DescribeVpcs", json::object())["Vpcs"][0]["VpcId"];
    subnet_ = ok("DescribeSubnets", json::object())["Subnets"][0]["SubnetId"];
    acl_ = ok("DescribeNetworkAcls", json::object())["NetworkAcls"][0]["NetworkAclId"];
    group_ = ok("DescribeSecurityGroups", json::object())["SecurityGroups"][0]["GroupId"];
  }
  // The result of `action` in `region`; fails the test on an error.
  json ok(const std::string& action, const json& request, const std::string& region = kRegion) {
    auto result = service_->call(action, region, kAccount, request);
    EXPECT_TRUE(result.ok()) << action << ": " << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : json();
  }
  // The error code of `action`, or "" when it succeeds.
  std::string error_of(const std::string& action, const json& request) {
    auto result = service_->call(action, kRegion, kAccount, request);
    return result.ok() ? "" : result.error().code;
  }
  // How many `member` items Describe `action` lists.
  size_t count(const std::string& action, const std::string& member, const std::string& region = kRegion) {
    return ok(action, json::object(), region)[member].size();
  }

  Catalog catalog_{embedded::instance_types()};
  TempDir dir_{"ec2-test"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ec2Service> service_;
  std::string image_, vpc_, subnet_, acl_, group_;  // set by bootstrap()
};

TEST_F(Ec2ServiceTest, BatchUndoesFailedCallsAlone) {
  auto results = service_->call_batch({
      call("CreateKeyPair", {{"KeyName", "a"}}),
      call("CreateVpc", {{"CidrBlock", "10.0.0.0/33"}}),  // malformed
      call("CreateKeyPair", {{"KeyName", "a"}}),          // duplicate of the first call
      call("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}}),
  });
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].error().code, "InvalidParameterValue");
  EXPECT_EQ(results[2].error().code, "InvalidKeyPair.Duplicate");
  ASSERT_TRUE(results[3].ok());
  auto keys = service_->call("DescribeKeyPairs", kRegion, kAccount, json::object());
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys.value()["KeyPairs"].size(), 1u);
  auto vpcs = service_->call("DescribeVpcs", kRegion, kAccount, json::object());
  ASSERT_TRUE(vpcs.ok());
  ASSERT_EQ(vpcs.value()["Vpcs"].size(), 1u);
  EXPECT_EQ(vpcs.value()["Vpcs"][0]["CidrBlock"], "10.0.0.0/16");
}

TEST_F(Ec2ServiceTest, FailedCallChangesNothing) {
  service_->bootstrap("123456789012");
  auto before = service_->call("DescribeSubnets", kRegion, kAccount, json::object());
  auto vpcs = service_->call("DescribeVpcs", kRegion, kAccount, json::object());
  std::string vpc = vpcs.value()["Vpcs"][0]["VpcId"];
  auto overlap = service_->call("CreateSubnet", kRegion, kAccount,
                                {{"VpcId", vpc}, {"CidrBlock", "172.31.0.0/24"}});
  EXPECT_EQ(overlap.error().code, "InvalidSubnet.Conflict");
  auto after = service_->call("DescribeSubnets", kRegion, kAccount, json::object());
  EXPECT_EQ(before.value(), after.value());
}

// A call that throws something other than an AWS error (here a json type error: a request no
// decoder produces) fails alone; the group commit keeps the calls around it.
TEST_F(Ec2ServiceTest, BatchFailsAThrowingCallAlone) {
  service_->bootstrap(kAccount);
  std::string vpc = service_->call("DescribeVpcs", kRegion, kAccount, json::object()).value()["Vpcs"][0]["VpcId"];
  auto results = service_->call_batch({
      call("CreateKeyPair", {{"KeyName", "before"}}),
      call("CreateNetworkAcl", {{"VpcId", 42}}),  // throws nlohmann::json::type_error
      call("CreateNetworkAclEntry", {{"NetworkAclId", "acl-0123456789abcdef0"}, {"RuleNumber", 1}, {"Egress", false},
                                     {"RuleAction", "allow"}, {"Protocol", "99999999999"}, {"CidrBlock", "0.0.0.0/0"}}),
      call("CreateKeyPair", {{"KeyName", "after"}}),
      call("CreateNetworkAcl", {{"VpcId", vpc}}),
  });
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].error().code, "InternalError");
  EXPECT_EQ(results[2].error().code, "InvalidNetworkAclID.NotFound");
  EXPECT_TRUE(results[3].ok());
  EXPECT_TRUE(results[4].ok());
  EXPECT_EQ(service_->call("DescribeKeyPairs", kRegion, kAccount, json::object()).value()["KeyPairs"].size(), 2u);
  EXPECT_EQ(service_->call("DescribeNetworkAcls", kRegion, kAccount, json::object()).value()["NetworkAcls"].size(), 2u);
}

// The call: a protocol number past int is refused as AWS does, in a batch of valid calls.
TEST_F(Ec2ServiceTest, HugeNetworkAclProtocolIsRefusedInItsBatch) {
  bootstrap();
  json entry = {{"NetworkAclId", acl_}, {"RuleNumber", 100},     {"Egress", false},
                {"RuleAction", "allow"}, {"Protocol", "99999999999"}, {"CidrBlock", "0.0.0.0/0"}};
  json tags = {{"Resources", {vpc_}}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}};
  auto results = service_->call_batch({call("CreateTags", tags), call("CreateNetworkAclEntry", entry),
                                       call("CreateTags", tags)});
  EXPECT_TRUE(results[0].ok());
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().code, "InvalidParameterValue");
  EXPECT_EQ(results[1].error().message, "Invalid value '99999999999' for IP protocol. Unknown protocol.");
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(count("DescribeTags", "Tags"), 1u);
}

// Every numeric or text-to-number conversion a request reaches in the services: values that
// are huge, negative, empty or not numbers are AWS errors, never exceptions (InternalError)
// nor silently truncated.
TEST_F(Ec2ServiceTest, BadNumbersAreRefused) {
  bootstrap();
  std::string instance = ok("RunInstances", {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1},
                                             {"MaxCount", 1}})["Instances"][0]["InstanceId"];
  std::string eni = ok("CreateNetworkInterface", {{"SubnetId", subnet_}})["NetworkInterface"]["NetworkInterfaceId"];
  auto acl_entry = [&](json changes) {
    json request = {{"NetworkAclId", acl_}, {"RuleNumber", 100}, {"Egress", false},
                    {"RuleAction", "allow"}, {"Protocol", "47"}, {"CidrBlock", "10.0.0.0/8"}};
    request.update(changes);
    return request;
  };
  auto ingress = [&](json permission) {
    permission["IpRanges"] = {{{"CidrIp", "10.0.0.0/8"}}};
    return json{{"GroupId", group_}, {"IpPermissions", {permission}}};
  };
  auto run = [&](json changes) {
    json request = {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1}, {"MaxCount", 1}};
    request.update(changes);
    return request;
  };
  auto attach = [&](json changes) {
    json request = {{"NetworkInterfaceId", eni}, {"InstanceId", instance}, {"DeviceIndex", 1}};
    request.update(changes);
    return request;
  };
  struct Case {
    const char* action;
    json request;
    const char* code;  // "" for success
  };
  const std::vector<Case> cases = {
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "99999999999"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "99999999999999999999999"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "256"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "-2"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "-0"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "+6"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "abc"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", ""}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "6 "}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"RuleNumber", INT64_MAX}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"RuleNumber", -1}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "1"}, {"IcmpTypeCode", {{"Type", 99999999999}, {"Code", 0}}}}),
       "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "1"}, {"IcmpTypeCode", {{"Type", 8}, {"Code", -2}}}}),
       "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "6"}, {"PortRange", {{"From", 0}, {"To", 99999999999}}}}),
       "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"Protocol", "6"}, {"PortRange", {{"From", INT64_MIN}, {"To", 22}}}}),
       "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"CidrBlock", "10.0.0.-1/8"}}), "InvalidParameterValue"},
      {"CreateNetworkAclEntry", acl_entry({{"RuleNumber", 101}, {"Protocol", "047"}}), ""},
      {"CreateNetworkAclEntry",
       acl_entry({{"RuleNumber", 102}, {"Protocol", "tcp"}, {"PortRange", {{"From", 22}, {"To", 22}}}}), ""},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", "99999999999"}}), "InvalidParameterValue"},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", "-2"}}), "InvalidParameterValue"},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", "abc"}}), "InvalidParameterValue"},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", ""}}), "InvalidParameterValue"},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", "tcp"}, {"FromPort", 0}, {"ToPort", 99999999999}}),
       "InvalidParameterValue"},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", "tcp"}, {"FromPort", -1}, {"ToPort", 22}}),
       "InvalidParameterValue"},
      {"AuthorizeSecurityGroupIngress", ingress({{"IpProtocol", "icmp"}, {"FromPort", 99999999999}, {"ToPort", 0}}),
       "InvalidParameterValue"},
      {"CreateVpc", {{"CidrBlock", "10.0.0.0/-0"}}, "InvalidParameterValue"},
      {"CreateVpc", {{"CidrBlock", "10.0.0.0/99999999999"}}, "InvalidParameterValue"},
      {"CreateSubnet", {{"VpcId", vpc_}, {"CidrBlock", "172.31.-0.0/24"}}, "InvalidParameterValue"},
      {"CreateNetworkInterface", {{"SubnetId", subnet_}, {"SecondaryPrivateIpAddressCount", 4294967296}},
       "UnsupportedOperation"},  // once truncated to int: 0, and accepted
      {"CreateNetworkInterface", {{"SubnetId", subnet_}, {"Ipv6AddressCount", -4294967296}}, "UnsupportedOperation"},
      {"CreateNetworkInterface", {{"SubnetId", subnet_}, {"PrivateIpAddress", "172.31.0.-1"}}, "InvalidParameterValue"},
      {"RunInstances", run({{"NetworkInterfaces", {{{"DeviceIndex", 4294967296}, {"SubnetId", subnet_}}}}}),
       "UnsupportedOperation"},  // once truncated to int: the primary interface
      {"RunInstances", run({{"MetadataOptions", {{"HttpPutResponseHopLimit", 4294967297}}}}), "InvalidParameterValue"},
      {"RunInstances", run({{"MetadataOptions", {{"HttpPutResponseHopLimit", -1}}}}), "InvalidParameterValue"},
      {"RunInstances", run({{"MinCount", INT64_MIN}}), "InvalidParameterValue"},
      {"RunInstances", run({{"MinCount", 1}, {"MaxCount", INT64_MAX}}), "InstanceLimitExceeded"},
      {"ModifyInstanceMetadataOptions", {{"InstanceId", instance}, {"HttpPutResponseHopLimit", 4294967297}},
       "InvalidParameterValue"},
      {"AttachNetworkInterface", attach({{"DeviceIndex", 4294967296}}), "InvalidParameterValue"},
      {"AttachNetworkInterface", attach({{"DeviceIndex", -1}}), "InvalidParameterValue"},
      {"AttachNetworkInterface", attach({{"DeviceIndex", 2}}), "InvalidParameterValue"},  // t2.micro: slots 0 and 1
      {"AttachNetworkInterface", attach({{"NetworkCardIndex", 4294967296}}), "InvalidParameterValue"},
      {"DescribeInstances", {{"MaxResults", 0}}, "InvalidParameterValue"},
      {"DescribeTags", {{"MaxResults", -1}}, "InvalidParameterValue"},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(c.action, c.request), c.code) << c.action << " " << c.request.dump();
}

}  // namespace
}  // namespace stratus::ec2
