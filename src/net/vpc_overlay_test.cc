#include "net/vpc_overlay.h"

#include <gtest/gtest.h>

namespace stratus::net {
namespace {

TEST(VpcOverlay, DeviceAndMacAreDerivedSoEveryHostKnowsThem) {
  EXPECT_EQ(overlay_device("vpc-0123456789abcdef0"), "vx456789abcdef0");
  EXPECT_EQ(overlay_mac("192.0.2.11"), "02:53:c0:00:02:0b");
}

TEST(VpcOverlay, RoutesChangeOnlyForAddressesThatCameWentOrMoved) {
  VpcOverlay before{7, {{"10.0.1.5", "ip-10-0-1-5", "192.0.2.12"}, {"10.0.1.6", "ip-10-0-1-6", "192.0.2.12"}}};
  VpcOverlay after{7, {{"10.0.1.6", "ip-10-0-1-6", "192.0.2.13"}, {"10.0.1.7", "ip-10-0-1-7", "192.0.2.12"}}};
  EXPECT_EQ(overlay_route_batch("vx1", before, after),
            "route del 10.0.1.5/32 dev vx1\n"
            "neigh del 10.0.1.5 dev vx1\n"
            "route del 10.0.1.6/32 dev vx1\n"
            "neigh del 10.0.1.6 dev vx1\n"
            "neigh replace 10.0.1.6 lladdr 02:53:c0:00:02:0d dev vx1 nud permanent\n"
            "route replace 10.0.1.6/32 dev vx1\n"
            "neigh replace 10.0.1.7 lladdr 02:53:c0:00:02:0c dev vx1 nud permanent\n"
            "route replace 10.0.1.7/32 dev vx1\n");
  EXPECT_EQ(overlay_route_batch("vx1", after, after), "");
}

TEST(VpcOverlay, OneForwardingEntryPerRemoteHost) {
  VpcOverlay one{7, {{"10.0.1.5", "ip-10-0-1-5", "192.0.2.12"}, {"10.0.1.6", "ip-10-0-1-6", "192.0.2.12"}}};
  VpcOverlay two{7, {{"10.0.1.5", "ip-10-0-1-5", "192.0.2.12"}, {"10.0.2.9", "ip-10-0-2-9", "192.0.2.13"}}};
  EXPECT_EQ(overlay_fdb_batch("vx1", {}, one), "fdb replace 02:53:c0:00:02:0c dev vx1 dst 192.0.2.12 self permanent\n");
  EXPECT_EQ(overlay_fdb_batch("vx1", one, two), "fdb replace 02:53:c0:00:02:0d dev vx1 dst 192.0.2.13 self permanent\n");
  EXPECT_EQ(overlay_fdb_batch("vx1", two, {}),
            "fdb del 02:53:c0:00:02:0c dev vx1 self\n"
            "fdb del 02:53:c0:00:02:0d dev vx1 self\n");
}

}  // namespace
}  // namespace stratus::net
