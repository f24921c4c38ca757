#include "reconciler/vpc_interface_routes.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "net/vpc_network.h"
#include "net/vpc_overlay.h"
#include "store/sqlite_store.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;

json instance(const std::string& state, const std::string& eni, const std::string& ip, const std::string& subnet) {
  return {{"State", {{"Name", state}}},
          {"VpcId", "vpc-1"},
          {"NetworkInterfaces", {{{"NetworkInterfaceId", eni}, {"PrivateIpAddress", ip}, {"SubnetId", subnet}}}}};
}

json table(const std::string& id, const json& associations, const json& routes) {
  json all = json::array({{{"DestinationCidrBlock", "10.0.0.0/16"}, {"GatewayId", "local"}}});
  for (const json& r : routes) all.push_back(r);
  return {{"RouteTableId", id}, {"VpcId", "vpc-1"}, {"Associations", associations}, {"Routes", all}};
}

std::string tap(const std::string& eni) { return net::VpcNetwork::tap_name(eni); }

TEST(VpcInterfaceRoutes, SubnetsSendByTheirTablesTargetsWithoutPortsAreBlackholes) {
  TempDir dir("iroutes-test");
  store::SqliteStore store((dir.path() / "db").string());
  {
    auto txn = store.begin_write();
    auto put = [&](const std::string& id, const std::string& kind, const json& doc) {
      txn->put({id, kind, "us-east-1", doc});
    };
    put("vpc-1", "vpc", {{"VpcId", "vpc-1"}, {"CidrBlock", "10.0.0.0/16"},
                         {"CidrBlockAssociationSet", {{{"CidrBlock", "10.0.0.0/16"}}, {{"CidrBlock", "100.64.0.0/16"}}}}});
    put("i-nat", "instance", instance("running", "eni-nat", "10.0.1.9", "subnet-public"));
    put("i-app", "instance", instance("pending", "eni-app", "10.0.2.10", "subnet-private"));
    put("i-db", "instance", instance("running", "eni-db", "10.0.3.10", "subnet-data"));
    put("i-off", "instance", instance("stopped", "eni-off", "10.0.1.20", "subnet-public"));
    // The main table (public and data subnets) has no interface routes; the private subnet's
    // sends everything through the NAT instance and one range to the stopped instance.
    put("rtb-main", "route-table", table("rtb-main", {{{"Main", true}}}, json::array()));
    put("rtb-private", "route-table",
        table("rtb-private", {{{"SubnetId", "subnet-private"}}},
              {{{"DestinationCidrBlock", "0.0.0.0/0"}, {"NetworkInterfaceId", "eni-nat"}},
               {{"DestinationCidrBlock", "192.168.0.0/16"}, {"NetworkInterfaceId", "eni-off"}}}));
    txn->commit();
  }
  auto txn = store.begin_read();
  auto routes = vpc_interface_routes(*txn, RouteTableLookup(*txn));
  ASSERT_EQ(routes.size(), 1u);
  const net::VpcInterfaceRoutes& vpc = routes["vpc-1"];
  EXPECT_EQ(vpc.vpc_cidrs, (std::vector<std::string>{"10.0.0.0/16", "100.64.0.0/16"}));
  ASSERT_EQ(vpc.tables.size(), 1u);
  EXPECT_EQ(vpc.tables[0].taps, std::vector<std::string>{tap("eni-app")});
  EXPECT_EQ(vpc.tables[0].routes,
            (std::vector<net::InterfaceRoute>{{"0.0.0.0/0", "10.0.1.9", tap("eni-nat")}, {"192.168.0.0/16", "", ""}}));
}

TEST(VpcInterfaceRoutes, TheMainTableCoversSubnetsWithoutTheirOwn) {
  TempDir dir("iroutes-test");
  store::SqliteStore store((dir.path() / "db").string());
  {
    auto txn = store.begin_write();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"VpcId", "vpc-1"}, {"CidrBlock", "10.0.0.0/16"}}});
    txn->put({"i-nat", "instance", "us-east-1", instance("running", "eni-nat", "10.0.1.9", "subnet-a")});
    txn->put({"i-app", "instance", "us-east-1", instance("running", "eni-app", "10.0.1.10", "subnet-a")});
    txn->put({"rtb-main", "route-table", "us-east-1",
              table("rtb-main", {{{"Main", true}}}, {{{"DestinationCidrBlock", "0.0.0.0/0"}, {"NetworkInterfaceId", "eni-nat"}}})});
    txn->commit();
  }
  auto txn = store.begin_read();
  auto routes = vpc_interface_routes(*txn, RouteTableLookup(*txn));
  ASSERT_EQ(routes["vpc-1"].tables.size(), 1u);
  // Both ports send by it (the batch leaves the target's own port out).
  EXPECT_EQ(routes["vpc-1"].tables[0].taps, (std::vector<std::string>{tap("eni-nat"), tap("eni-app")}));
}

// A route to a peering connection leads over its link while the connection is active and both
// VPCs have routers here; otherwise it drops.
TEST(VpcInterfaceRoutes, PeeringRoutesUseTheLinkWhileActive) {
  TempDir dir("iroutes-pcx-test");
  store::SqliteStore store((dir.path() / "db").string());
  auto pcx = [](const std::string& id, const std::string& state, const std::string& peer) {
    return json{{"VpcPeeringConnectionId", id},
                {"Status", {{"Code", state}}},
                {"RequesterVpcInfo", {{"VpcId", "vpc-1"}}},
                {"AccepterVpcInfo", {{"VpcId", peer}}}};
  };
  {
    auto txn = store.begin_write();
    auto put = [&](const std::string& id, const std::string& kind, const json& doc) {
      txn->put({id, kind, "us-east-1", doc});
    };
    put("vpc-1", "vpc", {{"VpcId", "vpc-1"}, {"CidrBlockAssociationSet", {{{"CidrBlock", "10.0.0.0/16"}}}}});
    put("vpc-2", "vpc", {{"VpcId", "vpc-2"}, {"CidrBlockAssociationSet", {{{"CidrBlock", "10.2.0.0/16"}}}}});
    put("i-a", "instance", instance("running", "eni-a", "10.0.1.10", "subnet-a"));
    json other = instance("running", "eni-b", "10.2.1.10", "subnet-b");
    other["VpcId"] = "vpc-2";
    put("i-b", "instance", other);
    put("pcx-0000000000000000a", "vpc-peering-connection", pcx("pcx-0000000000000000a", "active", "vpc-2"));
    put("pcx-0000000000000000b", "vpc-peering-connection", pcx("pcx-0000000000000000b", "pending-acceptance", "vpc-2"));
    put("pcx-0000000000000000c", "vpc-peering-connection", pcx("pcx-0000000000000000c", "active", "vpc-3"));
    put("rtb-main", "route-table",
        table("rtb-main", {{{"Main", true}}},
              {{{"DestinationCidrBlock", "10.2.0.0/16"}, {"VpcPeeringConnectionId", "pcx-0000000000000000a"}},
               {{"DestinationCidrBlock", "10.3.0.0/16"}, {"VpcPeeringConnectionId", "pcx-0000000000000000b"}},
               {{"DestinationCidrBlock", "10.4.0.0/16"}, {"VpcPeeringConnectionId", "pcx-0000000000000000c"}}}));
    txn->commit();
  }
  auto txn = store.begin_read();
  auto routes = vpc_interface_routes(*txn, RouteTableLookup(*txn));
  ASSERT_EQ(routes["vpc-1"].tables.size(), 1u);
  EXPECT_EQ(routes["vpc-1"].tables[0].routes,
            (std::vector<net::InterfaceRoute>{{"10.2.0.0/16", "", net::VpcNetwork::peering_link("pcx-0000000000000000a")},
                                              {"10.3.0.0/16", "", ""},    // not accepted yet
                                              {"10.4.0.0/16", "", ""}}));  // vpc-3 has no router here
}

// Across hosts: a target on the other host is reached over the overlay, whose router takes the
// sending subnet's packets by the same table; a peer VPC with ports only elsewhere is routed here
// (a transit router) while the connection is active.
TEST(VpcInterfaceRoutes, AcrossHostsTargetsAreReachedOverTheOverlayAndPeersThroughTransitRouters) {
  TempDir dir("iroutes-hosts-test");
  store::SqliteStore store((dir.path() / "db").string());
  auto on = [](const json& doc, const std::string& host) {
    model::Instance placed = model::instance_from_doc(doc);
    placed.spec.host_id = host;
    return model::instance_doc(placed);
  };
  {
    auto txn = store.begin_write();
    auto put = [&](const std::string& id, const std::string& kind, const json& doc) {
      txn->put({id, kind, "us-east-1", doc});
    };
    put("vpc-1", "vpc", {{"VpcId", "vpc-1"}, {"CidrBlockAssociationSet", {{{"CidrBlock", "10.0.0.0/16"}}}}});
    put("vpc-2", "vpc", {{"VpcId", "vpc-2"}, {"CidrBlockAssociationSet", {{{"CidrBlock", "10.2.0.0/16"}}}}});
    put("subnet-app", "subnet", {{"SubnetId", "subnet-app"}, {"CidrBlock", "10.0.2.0/24"}});
    put("i-app", "instance", on(instance("running", "eni-app", "10.0.2.10", "subnet-app"), "h-1"));
    put("i-nat", "instance", on(instance("running", "eni-nat", "10.0.1.9", "subnet-public"), "h-2"));
    json peer = instance("running", "eni-peer", "10.2.1.10", "subnet-peer");
    peer["VpcId"] = "vpc-2";
    put("i-peer", "instance", on(peer, "h-2"));
    put("pcx-0000000000000000a", "vpc-peering-connection",
        {{"Status", {{"Code", "active"}}}, {"RequesterVpcInfo", {{"VpcId", "vpc-1"}}}, {"AccepterVpcInfo", {{"VpcId", "vpc-2"}}}});
    put("rtb-main", "route-table", table("rtb-main", {{{"Main", true}}}, json::array()));
    put("rtb-app", "route-table",
        table("rtb-app", {{{"SubnetId", "subnet-app"}}},
              {{{"DestinationCidrBlock", "0.0.0.0/0"}, {"NetworkInterfaceId", "eni-nat"}},
               {{"DestinationCidrBlock", "10.2.0.0/16"}, {"VpcPeeringConnectionId", "pcx-0000000000000000a"}}}));
    txn->commit();
  }
  auto txn = store.begin_read();
  RouteTableLookup tables(*txn);
  std::string overlay = net::overlay_device("vpc-1");
  std::string link = net::VpcNetwork::peering_link("pcx-0000000000000000a");
  // Host 1 has the app only: the NAT over the overlay; vpc-2 through its transit router here.
  std::set<std::string> transit = transit_vpcs(*txn, "h-1", {"vpc-1"});
  EXPECT_EQ(transit, std::set<std::string>{"vpc-2"});
  auto one = vpc_interface_routes(*txn, tables, "h-1", transit);
  ASSERT_EQ(one.count("vpc-2"), 0u);  // no ports here, no tables
  ASSERT_EQ(one["vpc-1"].tables.size(), 1u);
  EXPECT_EQ(one["vpc-1"].overlay, overlay);
  EXPECT_EQ(one["vpc-1"].tables[0].taps, std::vector<std::string>{tap("eni-app")});
  EXPECT_TRUE(one["vpc-1"].tables[0].overlay_sources.empty());
  EXPECT_EQ(one["vpc-1"].tables[0].routes,
            (std::vector<net::InterfaceRoute>{{"0.0.0.0/0", "10.0.1.9", overlay}, {"10.2.0.0/16", "", link}}));
  // Host 2 has the NAT (and vpc-2's port): the app subnet's packets arriving over the overlay
  // go to the NAT by the app's table; no port here sends by it.
  EXPECT_TRUE(transit_vpcs(*txn, "h-2", {"vpc-1", "vpc-2"}).empty());
  auto two = vpc_interface_routes(*txn, tables, "h-2");
  ASSERT_EQ(two["vpc-1"].tables.size(), 1u);
  EXPECT_TRUE(two["vpc-1"].tables[0].taps.empty());
  EXPECT_EQ(two["vpc-1"].tables[0].overlay_sources, std::vector<std::string>{"10.0.2.0/24"});
  EXPECT_EQ(two["vpc-1"].tables[0].routes,
            (std::vector<net::InterfaceRoute>{{"0.0.0.0/0", "10.0.1.9", tap("eni-nat")}, {"10.2.0.0/16", "", link}}));
  // A host with neither VPC's ports runs no transit router.
  EXPECT_TRUE(transit_vpcs(*txn, "h-3", {}).empty());
}

// A route to a prefix list is a route to each of the list's current entries.
TEST(VpcInterfaceRoutes, PrefixListRoutesLeadEachEntry) {
  TempDir dir("iroutes-pl-test");
  store::SqliteStore store((dir.path() / "db").string());
  {
    auto txn = store.begin_write();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"VpcId", "vpc-1"}, {"CidrBlock", "10.0.0.0/16"}}});
    txn->put({"i-nat", "instance", "us-east-1", instance("running", "eni-nat", "10.0.1.9", "subnet-a")});
    txn->put({"pl-1", "prefix-list", "us-east-1",
              {{"PrefixListId", "pl-1"}, {"AddressFamily", "IPv4"},
               {"Entries", {{{"Cidr", "192.0.2.0/24"}}, {{"Cidr", "198.51.100.0/24"}}}}}});
    txn->put({"rtb-main", "route-table", "us-east-1",
              table("rtb-main", {{{"Main", true}}},
                    {{{"DestinationPrefixListId", "pl-1"}, {"NetworkInterfaceId", "eni-nat"}},
                     {{"DestinationPrefixListId", "pl-gone"}, {"NetworkInterfaceId", "eni-nat"}}})});
    txn->commit();
  }
  auto txn = store.begin_read();
  auto routes = vpc_interface_routes(*txn, RouteTableLookup(*txn));
  ASSERT_EQ(routes["vpc-1"].tables.size(), 1u);
  EXPECT_EQ(routes["vpc-1"].tables[0].routes,
            (std::vector<net::InterfaceRoute>{{"192.0.2.0/24", "10.0.1.9", tap("eni-nat")},
                                              {"198.51.100.0/24", "10.0.1.9", tap("eni-nat")}}));
}

}  // namespace
}  // namespace stratus::reconciler
