#include "reconciler/vpc_firewalls.h"

#include <gtest/gtest.h>

#include "common/network_defaults.h"
#include "common/network_slot.h"
#include "common/temp_dir.h"
#include "net/vpc_network.h"
#include "store/sqlite_store.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;

json instance(const std::string& id, const std::string& state, const std::string& eni, const std::string& ip,
              const std::vector<std::string>& groups, const std::string& subnet = "subnet-public") {
  json refs = json::array();
  for (const auto& g : groups) refs.push_back({{"GroupId", g}, {"GroupName", g}});
  return {{"InstanceId", id},
          {"State", {{"Name", state}}},
          {"VpcId", "vpc-1"},
          {"NetworkInterfaces",
           {{{"NetworkInterfaceId", eni}, {"MacAddress", "02:00:00:00:00:0" + ip.substr(ip.size() - 1)},
             {"PrivateIpAddress", ip}, {"PrivateIpAddresses", {{{"PrivateIpAddress", ip}, {"Primary", true}}}},
             {"SourceDestCheck", true}, {"Groups", refs}, {"SubnetId", subnet}}}}};
}

json rule(const std::string& id, const std::string& group, bool egress, const std::string& protocol, int from, int to,
          const json& peer) {
  json r = {{"SecurityGroupRuleId", id}, {"GroupId", group}, {"IsEgress", egress}, {"IpProtocol", protocol},
            {"FromPort", from}, {"ToPort", to}};
  r.update(peer);
  return r;
}

TEST(VpcFirewalls, RulesOfEachInterfacesGroupsWithReferencesResolved) {
  TempDir dir("ifw-test");
  store::SqliteStore store((dir.path() / "db").string());
  {
    auto txn = store.begin_write();
    auto put = [&](const std::string& id, const std::string& kind, const json& doc) {
      txn->put({id, kind, "us-east-1", doc});
    };
    put("i-web", "instance", instance("i-web", "running", "eni-0000000000000a", "10.0.1.10", {"sg-web"}));
    put("i-app", "instance", instance("i-app", "pending", "eni-0000000000000b", "10.0.1.11", {"sg-app"},
                                      "subnet-private"));
    put("i-off", "instance", instance("i-off", "stopped", "eni-0000000000000c", "10.0.1.12", {"sg-web"}));
    put("i-gone", "instance", instance("i-gone", "terminated", "eni-0000000000000d", "10.0.1.13", {"sg-web"}));
    put("sgr-1", "security-group-rule", rule("sgr-1", "sg-web", false, "tcp", 22, 22, {{"CidrIpv4", "0.0.0.0/0"}}));
    put("sgr-2", "security-group-rule", rule("sgr-2", "sg-app", false, "tcp", 8080, 8080,
                                               {{"ReferencedGroupInfo", {{"GroupId", "sg-web"}}}}));
    put("sgr-3", "security-group-rule", rule("sgr-3", "sg-app", true, "-1", -1, -1, {{"CidrIpv4", "0.0.0.0/0"}}));
    put("sgr-4", "security-group-rule", rule("sgr-4", "sg-app", false, "tcp", 443, 443, {{"CidrIpv6", "::/0"}}));
    // The main table routes everything to an attached gateway; the private subnet's own table
    // only routes the VPC locally and some other range to the gateway.
    put("igw-1", "internet-gateway", {{"InternetGatewayId", "igw-1"}, {"Attachments", {{{"VpcId", "vpc-1"}, {"State", "available"}}}}});
    put("rtb-main", "route-table",
        {{"VpcId", "vpc-1"}, {"Associations", {{{"Main", true}}}},
         {"Routes", {{{"DestinationCidrBlock", "10.0.0.0/16"}, {"GatewayId", "local"}},
                     {{"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", "igw-1"}}}}});
    put("rtb-private", "route-table",
        {{"VpcId", "vpc-1"}, {"Associations", {{{"Main", false}, {"SubnetId", "subnet-private"}}}},
         {"Routes", {{{"DestinationCidrBlock", "10.0.0.0/16"}, {"GatewayId", "local"}},
                     {{"DestinationCidrBlock", "203.0.113.0/24"}, {"GatewayId", "igw-1"}}}}});
    // The default ACL (allow all) needs no chain; a custom one on the private subnet does.
    put("acl-default", "network-acl",
        {{"VpcId", "vpc-1"}, {"Associations", {{{"SubnetId", "subnet-public"}}}},
         {"Entries", {{{"RuleNumber", 100}, {"Protocol", "-1"}, {"RuleAction", "allow"}, {"Egress", false}, {"CidrBlock", "0.0.0.0/0"}},
                      {{"RuleNumber", 100}, {"Protocol", "-1"}, {"RuleAction", "allow"}, {"Egress", true}, {"CidrBlock", "0.0.0.0/0"}}}}});
    put("acl-private", "network-acl",
        {{"VpcId", "vpc-1"}, {"Associations", {{{"SubnetId", "subnet-private"}}}},
         {"Entries", {{{"RuleNumber", 32767}, {"Protocol", "-1"}, {"RuleAction", "deny"}, {"Egress", false}, {"CidrBlock", "0.0.0.0/0"}},
                      {{"RuleNumber", 200}, {"Protocol", "6"}, {"RuleAction", "allow"}, {"Egress", false},
                       {"CidrBlock", "10.0.0.0/16"}, {"PortRange", {{"From", 8080}, {"To", 8080}}}},
                      {{"RuleNumber", 100}, {"Protocol", "1"}, {"RuleAction", "deny"}, {"Egress", false},
                       {"CidrBlock", "10.0.9.0/24"}, {"IcmpTypeCode", {{"Type", 8}, {"Code", -1}}}}}}});
    txn->commit();
  }
  auto txn = store.begin_read();
  auto firewalls = vpc_firewalls(*txn, RouteTableLookup(*txn), network_slot(0).host_address);
  ASSERT_EQ(firewalls.size(), 1u);
  const auto& ports = firewalls["vpc-1"].interfaces;
  ASSERT_EQ(ports.size(), 2u);  // the stopped and terminated instances have no port
  const net::InterfaceFirewall& web = ports[0];
  EXPECT_EQ(web.tap, net::VpcNetwork::tap_name("eni-0000000000000a"));
  EXPECT_EQ(web.addresses, std::vector<std::string>{"10.0.1.10"});
  ASSERT_EQ(web.ingress.size(), 1u);
  EXPECT_EQ(web.ingress[0].peers, std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_TRUE(web.egress.empty());
  EXPECT_TRUE(web.internet);  // the main table routes 0.0.0.0/0 to the attached gateway
  const net::InterfaceFirewall& app = ports[1];
  ASSERT_EQ(app.ingress.size(), 2u);
  // sg-web's members, stopped ones included (their addresses stay theirs), terminated ones not.
  EXPECT_EQ(app.ingress[0].peers, (std::vector<std::string>{"10.0.1.10/32", "10.0.1.12/32"}));
  EXPECT_EQ(app.ingress[0].from_port, 8080);
  EXPECT_TRUE(app.ingress[1].peers.empty());  // an IPv6 peer matches no IPv4 traffic
  EXPECT_FALSE(app.internet);  // its own table has no route towards the host
  ASSERT_EQ(app.egress.size(), 1u);
  EXPECT_EQ(app.egress[0].protocol, "-1");

  const auto& acls = firewalls["vpc-1"].acls;
  ASSERT_EQ(acls.size(), 1u);
  EXPECT_EQ(acls[0].taps, std::vector<std::string>{app.tap});
  ASSERT_EQ(acls[0].inbound.size(), 3u);  // in rule-number order
  EXPECT_FALSE(acls[0].inbound[0].allow);
  EXPECT_EQ(acls[0].inbound[0].traffic.protocol, "1");
  EXPECT_EQ(acls[0].inbound[0].traffic.from_port, 8);
  EXPECT_TRUE(acls[0].inbound[1].allow);
  EXPECT_EQ(acls[0].inbound[1].traffic.from_port, 8080);
  EXPECT_EQ(acls[0].inbound[1].traffic.peers, std::vector<std::string>{"10.0.0.0/16"});
  EXPECT_FALSE(acls[0].inbound[2].allow);
  EXPECT_TRUE(acls[0].outbound.empty());

  // The host's edge address decides what "the internet" is: had this server's slot put it in
  // 203.0.113.0/24, the private table's route there would reach it.
  auto elsewhere = vpc_firewalls(*txn, RouteTableLookup(*txn), "203.0.113.1");
  EXPECT_TRUE(elsewhere["vpc-1"].interfaces[1].internet);
}

// A rule naming a prefix list lets in the list's current entries (an AWS-managed list's too); a
// route to a gateway whose prefix list covers the host's edge address opens the internet.
TEST(VpcFirewalls, PrefixListsStandForTheirEntries) {
  TempDir dir("ifw-pl-test");
  store::SqliteStore store((dir.path() / "db").string());
  const std::string s3 = aws_managed_prefix_lists("us-east-1")[0].id;
  {
    auto txn = store.begin_write();
    auto put = [&](const std::string& id, const std::string& kind, const json& doc) {
      txn->put({id, kind, "us-east-1", doc});
    };
    put("i-web", "instance", instance("i-web", "running", "eni-0000000000000a", "10.0.1.10", {"sg-web"}));
    put("pl-1", "prefix-list", {{"PrefixListId", "pl-1"}, {"AddressFamily", "IPv4"},
                                {"Entries", {{{"Cidr", "192.0.2.0/24"}}, {{"Cidr", "198.51.100.7/32"}}}}});
    put("pl-edge", "prefix-list", {{"PrefixListId", "pl-edge"}, {"AddressFamily", "IPv4"},
                                   {"Entries", {{{"Cidr", "203.0.113.0/24"}}}}});
    put("sgr-1", "security-group-rule", rule("sgr-1", "sg-web", false, "tcp", 22, 22, {{"PrefixListId", "pl-1"}}));
    put("sgr-2", "security-group-rule", rule("sgr-2", "sg-web", true, "tcp", 443, 443, {{"PrefixListId", s3}}));
    put("igw-1", "internet-gateway", {{"InternetGatewayId", "igw-1"}, {"Attachments", {{{"VpcId", "vpc-1"}}}}});
    put("rtb-main", "route-table",
        {{"VpcId", "vpc-1"}, {"Associations", {{{"Main", true}}}},
         {"Routes", {{{"DestinationCidrBlock", "10.0.0.0/16"}, {"GatewayId", "local"}},
                     {{"DestinationPrefixListId", "pl-edge"}, {"GatewayId", "igw-1"}}}}});
    txn->commit();
  }
  auto txn = store.begin_read();
  auto firewalls = vpc_firewalls(*txn, RouteTableLookup(*txn), "203.0.113.1");
  const net::InterfaceFirewall& web = firewalls["vpc-1"].interfaces.at(0);
  ASSERT_EQ(web.ingress.size(), 1u);
  EXPECT_EQ(web.ingress[0].peers, (std::vector<std::string>{"192.0.2.0/24", "198.51.100.7/32"}));
  ASSERT_EQ(web.egress.size(), 1u);
  EXPECT_EQ(web.egress[0].peers, std::vector<std::string>{kS3EndpointCidr});
  EXPECT_TRUE(web.internet);
  EXPECT_FALSE(vpc_firewalls(*txn, RouteTableLookup(*txn), network_slot(0).host_address)["vpc-1"].interfaces[0].internet);
}

}  // namespace
}  // namespace stratus::reconciler
