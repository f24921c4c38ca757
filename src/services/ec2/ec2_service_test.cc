#include "services/ec2/ec2_service.h"

#include <gtest/gtest.h>

#include "common/embedded.h"
#include "common/temp_dir.h"
#include "store/cached_store.h"
#include "store/sqlite_store.h"

namespace stratus::ec2 {
namespace {

// The service over a real store in a temporary directory.
class Ec2ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::CachedStore>(
        std::make_unique<store::SqliteStore>((dir_.path() / "db").string()));
    service_ = std::make_unique<Ec2Service>(*store_, catalog_);
  }
  Ec2Service::BatchCall call(const std::string& action, json request) {
    return {action, "us-east-1", "123456789012", std::move(request)};
  }

  Catalog catalog_{embedded::instance_types()};
  TempDir dir_{"ec2-test"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ec2Service> service_;
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
  auto keys = service_->call("DescribeKeyPairs", "us-east-1", "123456789012", json::object());
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys.value()["KeyPairs"].size(), 1u);
  auto vpcs = service_->call("DescribeVpcs", "us-east-1", "123456789012", json::object());
  ASSERT_TRUE(vpcs.ok());
  ASSERT_EQ(vpcs.value()["Vpcs"].size(), 1u);
  EXPECT_EQ(vpcs.value()["Vpcs"][0]["CidrBlock"], "10.0.0.0/16");
}

TEST_F(Ec2ServiceTest, FailedCallChangesNothing) {
  service_->bootstrap("123456789012");
  auto before = service_->call("DescribeSubnets", "us-east-1", "123456789012", json::object());
  auto vpcs = service_->call("DescribeVpcs", "us-east-1", "123456789012", json::object());
  std::string vpc = vpcs.value()["Vpcs"][0]["VpcId"];
  auto overlap = service_->call("CreateSubnet", "us-east-1", "123456789012",
                                {{"VpcId", vpc}, {"CidrBlock", "172.31.0.0/24"}});
  EXPECT_EQ(overlap.error().code, "InvalidSubnet.Conflict");
  auto after = service_->call("DescribeSubnets", "us-east-1", "123456789012", json::object());
  EXPECT_EQ(before.value(), after.value());
}

}  // namespace
}  // namespace stratus::ec2
