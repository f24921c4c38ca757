// The region set and instance type catalogue as built from the embedded data files.

#include "services/ec2/catalog.h"

#include <gtest/gtest.h>

#include "common/embedded.h"

namespace stratus::ec2 {
namespace {

TEST(Catalog, EveryRegionOfTheAwsPartitionWithZones) {
  Catalog catalog(embedded::instance_types(), embedded::regions());
  EXPECT_GE(catalog.regions().size(), 30u);
  for (const Region& r : catalog.regions()) {
    EXPECT_TRUE(r.enabled) << r.name;
    EXPECT_GE(r.zones.size(), 2u) << r.name;
    EXPECT_FALSE(r.instance_types.empty()) << r.name;
    for (const Zone& z : r.zones) EXPECT_EQ(z.name.rfind(r.name, 0), 0u) << z.name;
  }
  ASSERT_NE(catalog.region("eu-west-1"), nullptr);
  EXPECT_EQ(catalog.region("eu-west-1")->opt_in_status(), "opt-in-not-required");
  EXPECT_EQ(catalog.region("af-south-1")->opt_in_status(), "opted-in");
  EXPECT_EQ(catalog.region("mars-north-1"), nullptr);
  const Zone* zone = catalog.zone("us-west-2", "us-west-2b");
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(catalog.zone("us-west-2", zone->id), zone);
  EXPECT_EQ(catalog.zone("us-east-1", "us-west-2b"), nullptr);
}

TEST(Catalog, EnabledRegionsAreConfigurable) {
  Catalog catalog(embedded::instance_types(), embedded::regions(), std::vector<std::string>{"eu-west-1", "ap-east-1"});
  EXPECT_TRUE(catalog.region("eu-west-1")->enabled);
  EXPECT_EQ(catalog.region("ap-east-1")->opt_in_status(), "opted-in");
  EXPECT_FALSE(catalog.region("us-east-1")->enabled);
  EXPECT_EQ(catalog.region("us-east-1")->opt_in_status(), "not-opted-in");
  EXPECT_THROW(Catalog(embedded::instance_types(), embedded::regions(), std::vector<std::string>{"mars-north-1"}),
               std::runtime_error);
}

TEST(Catalog, OfferingsDifferByRegionAndZone) {
  Catalog catalog(embedded::instance_types(), embedded::regions());
  ASSERT_NE(catalog.instance_type("m6g.large"), nullptr);  // arm64 types are listed
  EXPECT_TRUE(catalog.region("us-east-1")->offers("t3.micro"));
  EXPECT_FALSE(catalog.region("ca-west-1")->offers("t2.micro"));
  EXPECT_FALSE(catalog.zone("us-east-1", "us-east-1e")->offers_offered_type("t3.micro"));
  EXPECT_TRUE(catalog.zone("us-east-1", "us-east-1a")->offers_offered_type("t3.micro"));
  // A region's types are catalogue documents in name order.
  const auto& types = catalog.region("eu-west-1")->instance_types;
  for (size_t i = 1; i < types.size(); ++i) {
    EXPECT_LT((*types[i - 1])["InstanceType"].get<std::string>(), (*types[i])["InstanceType"].get<std::string>());
  }
  EXPECT_EQ(catalog.hourly_price("t3.micro", "us-east-1"), 0.0104);
}

}  // namespace
}  // namespace stratus::ec2
