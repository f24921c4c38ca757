// Parsing `--limit NAME=VALUE` assignments.

#include "services/ec2/limits.h"

#include <gtest/gtest.h>

namespace stratus::ec2 {
namespace {

TEST(Limits, DefaultsAreAws) {
  Limits limits;
  EXPECT_EQ(limits.instances, 20);
  EXPECT_EQ(limits.elastic_ips, 5);
  EXPECT_EQ(limits.security_groups_per_interface, 5);
  EXPECT_EQ(limits.vpcs, 5);
  EXPECT_EQ(limits.security_groups, 2500);
  EXPECT_EQ(limits.rules_per_security_group, 60);
  EXPECT_EQ(limits.routes_per_route_table, 500);
  EXPECT_EQ(limits.rules_per_network_acl, 20);
  EXPECT_EQ(limits.tags_per_resource, 50);
  EXPECT_EQ(limits.key_pairs, 5000);
}

TEST(Limits, AssignmentSetsTheNamedLimit) {
  Limits limits;
  EXPECT_EQ(apply_limit(limits, "vpcs-per-region=2"), std::nullopt);
  EXPECT_EQ(limits.vpcs, 2);
  EXPECT_EQ(apply_limit(limits, "max-instances=0"), std::nullopt);
  EXPECT_EQ(limits.instances, 0);
  EXPECT_EQ(apply_limit(limits, "key-pairs-per-region=1000000000"), std::nullopt);
  EXPECT_EQ(limits.key_pairs, kMaxLimitValue);
  // AWS's two Elastic IP attributes name one quota.
  EXPECT_EQ(apply_limit(limits, "max-elastic-ips=7"), std::nullopt);
  EXPECT_EQ(limits.elastic_ips, 7);
  EXPECT_EQ(apply_limit(limits, "vpc-max-elastic-ips=3"), std::nullopt);
  EXPECT_EQ(limits.elastic_ips, 3);
}

TEST(Limits, BadAssignmentsAreRefusedAndChangeNothing) {
  Limits limits;
  struct Case {
    const char* assignment;
    const char* said;  // part of the error text
  };
  for (const Case& c : {Case{"vpcs-per-region", "NAME=VALUE"}, Case{"vpcs=2", "unknown limit 'vpcs'"},
                        Case{"=2", "unknown limit ''"}, Case{"vpcs-per-region=", "got ''"},
                        Case{"vpcs-per-region=-1", "from 0 to"}, Case{"vpcs-per-region=2x", "got '2x'"},
                        Case{"vpcs-per-region=+2", "got '+2'"}, Case{"vpcs-per-region=1000000001", "from 0 to"},
                        Case{"vpcs-per-region=99999999999999999999", "from 0 to"}}) {
    auto error = apply_limit(limits, c.assignment);
    ASSERT_TRUE(error.has_value()) << c.assignment;
    EXPECT_NE(error->find(c.said), std::string::npos) << c.assignment << ": " << *error;
  }
  EXPECT_EQ(limits.vpcs, Limits{}.vpcs);
  // An unknown name's message lists the known ones.
  EXPECT_NE(apply_limit(limits, "vpcs=1")->find("vpcs-per-region"), std::string::npos);
}

}  // namespace
}  // namespace stratus::ec2
