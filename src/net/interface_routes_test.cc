#include "net/interface_routes.h"

#include <gtest/gtest.h>

namespace stratus::net {
namespace {

TEST(InterfaceRouteBatchTest, NothingToRouteStillFlushes) {
  EXPECT_EQ(interface_route_batch({{"172.31.0.0/16"}, {}}),
            "rule flush pref 1000\nroute flush table all proto 248\n");
}

TEST(InterfaceRouteBatchTest, TablePerRouteTableRulePerPortLocalThrownBack) {
  VpcInterfaceRoutes routes{{"172.31.0.0/16"},
                            {{{"steni-a", "steni-b"}, {{"0.0.0.0/0", "172.31.1.9", "steni-nat"}}},
                             {{"steni-c"}, {{"10.9.0.0/16", "", ""}}}}};
  EXPECT_EQ(interface_route_batch(routes),
            "rule flush pref 1000\n"
            "route flush table all proto 248\n"
            "route add throw 172.31.0.0/16 table 1000 proto 248\n"
            "route add 0.0.0.0/0 via 172.31.1.9 dev steni-nat onlink table 1000 proto 248\n"
            "rule add iif steni-a lookup 1000 pref 1000\n"
            "rule add iif steni-b lookup 1000 pref 1000\n"
            "route add throw 172.31.0.0/16 table 1001 proto 248\n"
            "route add blackhole 10.9.0.0/16 table 1001 proto 248\n"
            "rule add iif steni-c lookup 1001 pref 1000\n");
}

TEST(InterfaceRouteBatchTest, TheTargetItselfFollowsTheMainTable) {
  VpcInterfaceRoutes routes{{"10.0.0.0/16", "100.64.0.0/16"}, {{{"steni-nat", "steni-a"}, {{"0.0.0.0/0", "10.0.1.9", "steni-nat"}}}}};
  std::string batch = interface_route_batch(routes);
  EXPECT_NE(batch.find("rule add iif steni-a lookup 1000"), std::string::npos);
  EXPECT_EQ(batch.find("rule add iif steni-nat"), std::string::npos);
  // Every CIDR of the VPC (secondary ones too) stays local: thrown back to the main table.
  EXPECT_EQ(interface_route_batch({{"10.0.0.0/16"}, {{{"steni-a"}, {{"10.9.0.0/16", "", "px0123456789abc"}}}}}),
            "rule flush pref 1000\nroute flush table all proto 248\n"
            "route add throw 10.0.0.0/16 table 1000 proto 248\n"
            "route add 10.9.0.0/16 dev px0123456789abc table 1000 proto 248\n"
            "rule add iif steni-a lookup 1000 pref 1000\n");  // a peering link: no next hop
  EXPECT_NE(batch.find("route add throw 100.64.0.0/16 table 1000"), std::string::npos);
}

TEST(InterfaceRouteBatchTest, ATargetOnAnotherHostIsReachedOverTheOverlayWhoseHostTakesItsSubnets) {
  // The sending host: the target's address over the VXLAN device.
  EXPECT_EQ(interface_route_batch({{"10.0.0.0/16"}, {{{"steni-a"}, {{"0.0.0.0/0", "10.0.2.9", "stx-vpc-1"}}}}, "stx-vpc-1"}),
            "rule flush pref 1000\nroute flush table all proto 248\n"
            "route add throw 10.0.0.0/16 table 1000 proto 248\n"
            "route add 0.0.0.0/0 via 10.0.2.9 dev stx-vpc-1 onlink table 1000 proto 248\n"
            "rule add iif steni-a lookup 1000 pref 1000\n");
  // The target's host: the same table for what the sending subnet's packets bring over the overlay.
  EXPECT_EQ(interface_route_batch({{"10.0.0.0/16"}, {{{}, {{"0.0.0.0/0", "10.0.2.9", "steni-nat"}}, {"10.0.1.0/24"}}}, "stx-vpc-1"}),
            "rule flush pref 1000\nroute flush table all proto 248\n"
            "route add throw 10.0.0.0/16 table 1000 proto 248\n"
            "route add 0.0.0.0/0 via 10.0.2.9 dev steni-nat onlink table 1000 proto 248\n"
            "rule add iif stx-vpc-1 from 10.0.1.0/24 lookup 1000 pref 1000\n");
}

}  // namespace
}  // namespace stratus::net
