#include "services/ec2/ec2_service.h"

#include <gtest/gtest.h>

#include <map>

#include "common/embedded.h"
#include "common/network_slot.h"
#include "common/temp_dir.h"
#include "services/ec2/idempotency.h"
#include "services/ec2/volumes.h"
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
    return {action, region, kAccount, std::move(request), {}, "", ""};
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
  // Makes every ClientToken record `seconds` older, as time passing would.
  void age_client_tokens(int64_t seconds) {
    auto txn = store_->begin_write();
    for (store::Record record : txn->list("client-token", std::nullopt)) {
      record.doc["CreatedAt"] = record.doc["CreatedAt"].get<int64_t>() - seconds;
      txn->put(record);
    }
    txn->commit();
  }

  Catalog catalog_{embedded::instance_types(), embedded::regions()};
  TempDir dir_{"ec2-test"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ec2Service> service_;
  std::string image_, vpc_, subnet_, acl_, group_;  // set by bootstrap()
};

TEST_F(Ec2ServiceTest, PublicAddressesComeFromTheServersPool) {
  EXPECT_TRUE(network_slot(0).public_pool.contains(
      Ipv4Cidr{*parse_ipv4(ok("AllocateAddress", json::object())["PublicIp"].get<std::string>()), 32}));
  // A server on slot 3.
  Ec2Service slot_three(*store_, catalog_);
  Ipv4Cidr pool = network_slot(3).public_pool;
  slot_three.set_public_pool(pool);
  for (int i = 0; i < 4; ++i) {  // with the one above: the default quota of 5
    auto allocated = slot_three.call("AllocateAddress", kRegion, kAccount, json::object());
    ASSERT_TRUE(allocated.ok());
    std::string address = allocated.value()["PublicIp"];
    EXPECT_TRUE(pool.contains(Ipv4Cidr{*parse_ipv4(address), 32})) << address;
  }
}

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
  // In one subnet, so that only the numbers decide what AttachNetworkInterface answers.
  std::string instance = ok("RunInstances", {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1},
                                             {"MaxCount", 1}, {"SubnetId", subnet_}})["Instances"][0]["InstanceId"];
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
      {"RunInstances", run({{"MinCount", INT64_MAX}, {"MaxCount", INT64_MAX}}), "InstanceLimitExceeded"},
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

// Each limit, set small, lets the creates up to it succeed and refuses the next with AWS's code,
// changing nothing. The default VPC counts toward them but is created whatever they say.
TEST_F(Ec2ServiceTest, ConfiguredLimitsAreEnforced) {
  service_->set_limits({.elastic_ips = 1,
                        .vpcs = 2,
                        .internet_gateways = 2,
                        .security_groups = 3,
                        .rules_per_security_group = 2,
                        .subnets_per_vpc = 1,
                        .route_tables_per_vpc = 2,
                        .routes_per_route_table = 1,
                        .network_acls_per_vpc = 2,
                        .rules_per_network_acl = 2,
                        .tags_per_resource = 2,
                        .key_pairs = 1});
  bootstrap();
  EXPECT_EQ(count("DescribeSubnets", "Subnets"), 6u);  // a default subnet in each of us-east-1's zones
  auto refused = [&](const std::string& action, const json& request, const std::string& code, const char* describe,
                     const char* member) {
    size_t before = count(describe, member);
    EXPECT_EQ(error_of(action, request), code) << action;
    EXPECT_EQ(count(describe, member), before) << action;
  };
  std::string vpc = ok("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}})["Vpc"]["VpcId"];
  refused("CreateVpc", {{"CidrBlock", "10.1.0.0/16"}}, "VpcLimitExceeded", "DescribeVpcs", "Vpcs");
  ok("CreateSubnet", {{"VpcId", vpc}, {"CidrBlock", "10.0.0.0/24"}});
  refused("CreateSubnet", {{"VpcId", vpc}, {"CidrBlock", "10.0.1.0/24"}}, "SubnetLimitExceeded", "DescribeSubnets",
          "Subnets");
  std::string igw = ok("CreateInternetGateway", json::object())["InternetGateway"]["InternetGatewayId"];
  refused("CreateInternetGateway", json::object(), "InternetGatewayLimitExceeded", "DescribeInternetGateways",
          "InternetGateways");
  ok("AttachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", vpc}});
  // Route tables: the main one and one more; routes: one beside the local route.
  std::string table = ok("CreateRouteTable", {{"VpcId", vpc}})["RouteTable"]["RouteTableId"];
  refused("CreateRouteTable", {{"VpcId", vpc}}, "RouteTableLimitExceeded", "DescribeRouteTables", "RouteTables");
  ok("CreateRoute", {{"RouteTableId", table}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});
  EXPECT_EQ(error_of("CreateRoute", {{"RouteTableId", table}, {"DestinationCidrBlock", "192.0.2.0/24"},
                                     {"GatewayId", igw}}),
            "RouteLimitExceeded");
  EXPECT_EQ(ok("DescribeRouteTables", {{"RouteTableIds", {table}}})["RouteTables"][0]["Routes"].size(), 2u);
  // Network ACLs: the default one and one more; entries: two a direction, the default deny included.
  std::string acl = ok("CreateNetworkAcl", {{"VpcId", vpc}})["NetworkAcl"]["NetworkAclId"];
  refused("CreateNetworkAcl", {{"VpcId", vpc}}, "NetworkAclLimitExceeded", "DescribeNetworkAcls", "NetworkAcls");
  json entry = {{"NetworkAclId", acl}, {"RuleNumber", 100}, {"Protocol", "-1"}, {"RuleAction", "allow"},
                {"Egress", false}, {"CidrBlock", "0.0.0.0/0"}};
  ok("CreateNetworkAclEntry", entry);
  entry["RuleNumber"] = 101;
  EXPECT_EQ(error_of("CreateNetworkAclEntry", entry), "NetworkAclEntryLimitExceeded");
  entry["Egress"] = true;
  ok("CreateNetworkAclEntry", entry);
  ok("ReplaceNetworkAclEntry", entry);  // replacing an entry adds none
  EXPECT_EQ(ok("DescribeNetworkAcls", {{"NetworkAclIds", {acl}}})["NetworkAcls"][0]["Entries"].size(), 4u);
  ok("AllocateAddress", json::object());
  refused("AllocateAddress", json::object(), "AddressLimitExceeded", "DescribeAddresses", "Addresses");
  ok("CreateKeyPair", {{"KeyName", "a"}});
  refused("ImportKeyPair", {{"KeyName", "b"}, {"PublicKeyMaterial", "c3NoLWVkMjU1MTk="}}, "KeyPairLimitExceeded",
          "DescribeKeyPairs", "KeyPairs");
  // Security groups: the two VPCs' default groups and one more.
  std::string group =
      ok("CreateSecurityGroup", {{"GroupName", "g"}, {"Description", "g"}, {"VpcId", vpc}})["GroupId"];
  refused("CreateSecurityGroup", {{"GroupName", "h"}, {"Description", "h"}, {"VpcId", vpc}},
          "SecurityGroupLimitExceeded", "DescribeSecurityGroups", "SecurityGroups");
  // Rules: two a direction and address family; the new group allows all IPv4 egress, and a
  // group reference counts toward both families.
  auto permission = [&](const char* peers, const json& peer) {
    return json{{"GroupId", group},
                {"IpPermissions", {{{"IpProtocol", "tcp"}, {"FromPort", 22}, {"ToPort", 22}, {peers, {peer}}}}}};
  };
  ok("AuthorizeSecurityGroupEgress", permission("IpRanges", {{"CidrIp", "10.0.0.0/8"}}));
  EXPECT_EQ(error_of("AuthorizeSecurityGroupEgress", permission("IpRanges", {{"CidrIp", "10.1.0.0/16"}})),
            "RulesPerSecurityGroupLimitExceeded");
  ok("AuthorizeSecurityGroupEgress", permission("Ipv6Ranges", {{"CidrIpv6", "2001:db8::/32"}}));
  ok("AuthorizeSecurityGroupIngress", permission("IpRanges", {{"CidrIp", "10.0.0.0/8"}}));
  ok("AuthorizeSecurityGroupIngress", permission("UserIdGroupPairs", {{"GroupId", group}}));
  EXPECT_EQ(error_of("AuthorizeSecurityGroupIngress", permission("IpRanges", {{"CidrIp", "10.1.0.0/16"}})),
            "RulesPerSecurityGroupLimitExceeded");
  ok("AuthorizeSecurityGroupIngress", permission("Ipv6Ranges", {{"CidrIpv6", "2001:db8::/32"}}));
  EXPECT_EQ(error_of("AuthorizeSecurityGroupIngress", permission("Ipv6Ranges", {{"CidrIpv6", "2001:db9::/32"}})),
            "RulesPerSecurityGroupLimitExceeded");
  json rules = ok("DescribeSecurityGroupRules", {{"Filters", {{{"Name", "group-id"}, {"Values", {group}}}}}});
  EXPECT_EQ(rules["SecurityGroupRules"].size(), 6u);
  // Tags: a new key beyond two is refused, a changed value is not.
  json two = {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}};
  ok("CreateTags", {{"Resources", {vpc}}, {"Tags", two}});
  ok("CreateTags", {{"Resources", {vpc}}, {"Tags", {{{"Key", "a"}, {"Value", "3"}}}}});
  auto third = service_->call("CreateTags", kRegion, kAccount, {{"Resources", {vpc}}, {"Tags", {{{"Key", "c"}}}}});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "TagLimitExceeded");
  EXPECT_EQ(third.error().message, "The resultant tag set must not have more than 2 user tags.");
  json three = two;
  three.push_back({{"Key", "c"}, {"Value", "3"}});
  json tagged = {{"ResourceType", "route-table"}, {"Tags", three}};
  refused("CreateRouteTable", {{"VpcId", vpc_}, {"TagSpecifications", json::array({tagged})}}, "TagLimitExceeded",
          "DescribeRouteTables", "RouteTables");
  // Every region's default VPC is created whatever the limits, and counts toward them.
  EXPECT_EQ(count("DescribeSubnets", "Subnets", "eu-west-1"), 3u);
  EXPECT_EQ(service_->call("CreateSubnet", "eu-west-1", kAccount,
                           {{"VpcId", ok("DescribeVpcs", json::object(), "eu-west-1")["Vpcs"][0]["VpcId"]},
                            {"CidrBlock", "172.31.128.0/24"}})
                .error()
                .code,
            "SubnetLimitExceeded");
}

// A route or rule naming a prefix list counts as the list's MaxEntries; a list cannot grow past
// what the tables naming it hold, nor beyond the account's number of lists.
TEST_F(Ec2ServiceTest, PrefixListsWeighAsTheirMaxEntries) {
  service_->set_limits({.routes_per_route_table = 3, .prefix_lists = 1});
  bootstrap();
  json list = ok("CreateManagedPrefixList", {{"PrefixListName", "partners"}, {"AddressFamily", "IPv4"},
                                             {"MaxEntries", 2}, {"Entries", {{{"Cidr", "192.0.2.0/24"}}}}})["PrefixList"];
  std::string pl = list["PrefixListId"];
  EXPECT_EQ(error_of("CreateManagedPrefixList", {{"PrefixListName", "more"}, {"AddressFamily", "IPv4"}, {"MaxEntries", 1}}),
            "PrefixListLimitExceeded");
  // The default VPC's main table: its route to the gateway and one to the list fill it (1 + 2).
  json by_vpc = {{"Filters", {{{"Name", "vpc-id"}, {"Values", {vpc_}}}}}};
  std::string table = ok("DescribeRouteTables", by_vpc)["RouteTables"][0]["RouteTableId"];
  std::string igw = ok("DescribeInternetGateways", json::object())["InternetGateways"][0]["InternetGatewayId"];
  ok("CreateRoute", {{"RouteTableId", table}, {"DestinationPrefixListId", pl}, {"GatewayId", igw}});
  EXPECT_EQ(error_of("CreateRoute", {{"RouteTableId", table}, {"DestinationCidrBlock", "203.0.113.0/24"},
                                     {"GatewayId", igw}}),
            "RouteLimitExceeded");
  EXPECT_EQ(error_of("ModifyManagedPrefixList", {{"PrefixListId", pl}, {"MaxEntries", 3}}), "RouteLimitExceeded");
  json after = ok("DescribeManagedPrefixLists", {{"PrefixListIds", {pl}}})["PrefixLists"][0];
  EXPECT_EQ(after["MaxEntries"], 2);
  EXPECT_EQ(after["Version"], 1);
  // Deleting the route frees the list to grow and to be deleted.
  ok("DeleteRoute", {{"RouteTableId", table}, {"DestinationPrefixListId", pl}});
  ok("ModifyManagedPrefixList", {{"PrefixListId", pl}, {"MaxEntries", 3}});
  ok("DeleteManagedPrefixList", {{"PrefixListId", pl}});
  EXPECT_EQ(error_of("GetManagedPrefixListEntries", {{"PrefixListId", pl}}), "InvalidPrefixListID.NotFound");
}

// Instances recorded before spec and status were apart and before volumes were records of their
// own read as before, and their root volumes become records (a kept one of a terminated
// instance, available).
TEST_F(Ec2ServiceTest, RecordsOfAnEarlierVersionAreUpgraded) {
  bootstrap();
  auto legacy = [&](const std::string& id, const std::string& state, const std::string& volume, bool keep) {
    return json{{"InstanceId", id},
                {"ImageId", image_},
                {"InstanceType", "t2.micro"},
                {"Placement", {{"AvailabilityZone", "us-east-1a"}}},
                {"State", {{"Code", state == "running" ? 16 : 48}, {"Name", state}}},
                {"VpcId", vpc_},
                {"NetworkInterfaces", json::array()},
                {"RootDeviceName", "/dev/xvda"},
                {"BlockDeviceMappings", {{{"DeviceName", "/dev/xvda"},
                                          {"Ebs", {{"VolumeId", volume}, {"DeleteOnTermination", !keep},
                                                   {"AttachTime", "2026-01-01T00:00:00.000Z"}}}}}},
                {"Tags", json::array()},
                {"_ReservationId", "r-0123456789abcdef0"},
                {"_RootVolumeSizeGiB", 9},
                {"_StatusOk", true}};
  };
  {
    auto txn = store_->begin_write();
    txn->put({"i-0000000000000000a", "instance", kRegion,
              legacy("i-0000000000000000a", "running", "vol-0000000000000000a", false)});
    txn->put({"i-0000000000000000b", "instance", kRegion,
              legacy("i-0000000000000000b", "terminated", "vol-0000000000000000b", true)});
    txn->commit();
  }
  upgrade_root_volumes(*store_);
  json running = ok("DescribeInstances", {{"InstanceIds", {"i-0000000000000000a"}}})["Reservations"][0];
  EXPECT_EQ(running["ReservationId"], "r-0123456789abcdef0");
  EXPECT_EQ(running["Instances"][0]["State"]["Name"], "running");
  EXPECT_EQ(running["Instances"][0]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"], "vol-0000000000000000a");
  json volume = ok("DescribeVolumes", {{"VolumeIds", {"vol-0000000000000000a"}}})["Volumes"][0];
  EXPECT_EQ(volume["State"], "in-use");
  EXPECT_EQ(volume["Size"], 9);
  EXPECT_EQ(volume["Attachments"][0]["InstanceId"], "i-0000000000000000a");
  json kept = ok("DescribeVolumes", {{"VolumeIds", {"vol-0000000000000000b"}}})["Volumes"][0];
  EXPECT_EQ(kept["State"], "available");
  EXPECT_TRUE(kept["Attachments"].empty());
  auto txn = store_->begin_read();
  EXPECT_TRUE(txn->get("i-0000000000000000a")->doc.contains("Spec"));  // written back in the new layout
}

// DescribeAccountAttributes reports the configured limits, and refuses an attribute it does not know.
TEST_F(Ec2ServiceTest, AccountAttributesReportTheLimits) {
  service_->set_limits({.instances = 7, .elastic_ips = 3, .security_groups_per_interface = 4});
  bootstrap();
  std::map<std::string, std::string> values;
  json all = ok("DescribeAccountAttributes", json::object());
  for (const json& a : all["AccountAttributes"]) {
    values[a["AttributeName"]] = a["AttributeValues"][0]["AttributeValue"];
  }
  EXPECT_EQ(values, (std::map<std::string, std::string>{{"supported-platforms", "VPC"},
                                                         {"default-vpc", vpc_},
                                                         {"max-instances", "7"},
                                                         {"vpc-max-security-groups-per-interface", "4"},
                                                         {"max-elastic-ips", "3"},
                                                         {"vpc-max-elastic-ips", "3"}}));
  json wanted = ok("DescribeAccountAttributes", {{"AttributeNames", {"max-instances"}}})["AccountAttributes"];
  ASSERT_EQ(wanted.size(), 1u);
  EXPECT_EQ(wanted[0]["AttributeName"], "max-instances");
  EXPECT_EQ(error_of("DescribeAccountAttributes", {{"AttributeNames", json::array({"default-vpc", "max-vpcs"})}}),
            "InvalidParameterValue");
}

// CreateRouteTable, CreateNetworkAcl and CreateNetworkInterface with a ClientToken: a repeat
// with the same parameters answers the first result and creates nothing; other parameters
// are IdempotentParameterMismatch and change nothing.
TEST_F(Ec2ServiceTest, ClientTokenMakesCreatesIdempotent) {
  bootstrap();
  struct Create {
    const char* action;
    const char* result_member;
    const char* id_member;
    const char* describe;
    const char* list_member;
    json request;
    json other;  // the same request with another parameter
  };
  json tags = {{{"ResourceType", "route-table"}, {"Tags", {{{"Key", "n"}, {"Value", "1"}}}}}};
  const std::vector<Create> creates = {
      {"CreateRouteTable", "RouteTable", "RouteTableId", "DescribeRouteTables", "RouteTables", {{"VpcId", vpc_}},
       {{"VpcId", vpc_}, {"TagSpecifications", tags}}},
      {"CreateNetworkAcl", "NetworkAcl", "NetworkAclId", "DescribeNetworkAcls", "NetworkAcls", {{"VpcId", vpc_}},
       {{"VpcId", vpc_}, {"TagSpecifications", {{{"ResourceType", "network-acl"}}}}}},
      {"CreateNetworkInterface", "NetworkInterface", "NetworkInterfaceId", "DescribeNetworkInterfaces",
       "NetworkInterfaces", {{"SubnetId", subnet_}}, {{"SubnetId", subnet_}, {"Description", "other"}}},
  };
  for (const Create& c : creates) {
    SCOPED_TRACE(c.action);
    size_t before = count(c.describe, c.list_member);
    json request = c.request;
    request["ClientToken"] = "token-1";
    json first = ok(c.action, request);
    EXPECT_EQ(first["ClientToken"], "token-1");
    json again = ok(c.action, request);
    EXPECT_EQ(again, first);
    EXPECT_EQ(count(c.describe, c.list_member), before + 1);
    json other = c.other;
    other["ClientToken"] = "token-1";
    auto mismatch = service_->call(c.action, kRegion, kAccount, other);
    ASSERT_FALSE(mismatch.ok());
    EXPECT_EQ(mismatch.error().code, "IdempotentParameterMismatch");
    EXPECT_EQ(count(c.describe, c.list_member), before + 1);
    // DryRun is not a parameter of the result (the API layer answers it before the service).
    json dry = request;
    dry["DryRun"] = false;
    EXPECT_EQ(ok(c.action, dry)[c.result_member][c.id_member], first[c.result_member][c.id_member]);
    // Without a token, or with another one, each call creates.
    ok(c.action, c.request);
    request["ClientToken"] = "token-2";
    EXPECT_NE(ok(c.action, request)[c.result_member][c.id_member], first[c.result_member][c.id_member]);
    EXPECT_EQ(count(c.describe, c.list_member), before + 3);
  }
}

// A token binds one action in one region: the same token elsewhere is another request.
TEST_F(Ec2ServiceTest, ClientTokenIsPerActionAndRegion) {
  bootstrap();
  json table = ok("CreateRouteTable", {{"VpcId", vpc_}, {"ClientToken", "shared"}});
  json acl = ok("CreateNetworkAcl", {{"VpcId", vpc_}, {"ClientToken", "shared"}});
  EXPECT_TRUE(table.contains("RouteTable"));
  EXPECT_TRUE(acl.contains("NetworkAcl"));
  std::string other_vpc = ok("DescribeVpcs", json::object(), "ap-northeast-2")["Vpcs"][0]["VpcId"];
  size_t before = count("DescribeRouteTables", "RouteTables", "ap-northeast-2");
  ok("CreateRouteTable", {{"VpcId", other_vpc}, {"ClientToken", "shared"}}, "ap-northeast-2");
  EXPECT_EQ(count("DescribeRouteTables", "RouteTables", "ap-northeast-2"), before + 1);
}

// In one group commit a repeat sees the first call's record, and a failed call records nothing.
TEST_F(Ec2ServiceTest, ClientTokenInOneBatch) {
  bootstrap();
  size_t before = count("DescribeRouteTables", "RouteTables");
  json request = {{"VpcId", vpc_}, {"ClientToken", "batched"}};
  auto results = service_->call_batch({
      call("CreateRouteTable", {{"VpcId", "vpc-0123456789abcdef0"}, {"ClientToken", "failed-first"}}),
      call("CreateRouteTable", request),
      call("CreateRouteTable", request),
      call("CreateRouteTable", {{"VpcId", vpc_}, {"ClientToken", "failed-first"}}),
      call("CreateRouteTable", {{"VpcId", vpc_}, {"ClientToken", "batched"}, {"TagSpecifications", json::array()}}),
  });
  EXPECT_EQ(results[0].error().code, "InvalidVpcID.NotFound");
  ASSERT_TRUE(results[1].ok());
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(results[1].value(), results[2].value());
  EXPECT_TRUE(results[3].ok());  // the failed call's token bound nothing
  EXPECT_EQ(results[4].error().code, "IdempotentParameterMismatch");
  EXPECT_EQ(count("DescribeRouteTables", "RouteTables"), before + 2);
}

// A token binds for 24 hours; after that the same request creates again, and the next
// service to start sweeps the expired records away.
TEST_F(Ec2ServiceTest, ClientTokenExpiresAfterADay) {
  bootstrap();
  json request = {{"VpcId", vpc_}, {"ClientToken", "daily"}};
  std::string first = ok("CreateRouteTable", request)["RouteTable"]["RouteTableId"];
  age_client_tokens(kClientTokenLifetimeSeconds - 60);
  EXPECT_EQ(ok("CreateRouteTable", request)["RouteTable"]["RouteTableId"], first);
  age_client_tokens(120);
  std::string second = ok("CreateRouteTable", request)["RouteTable"]["RouteTableId"];
  EXPECT_NE(second, first);
  EXPECT_EQ(ok("CreateRouteTable", request)["RouteTable"]["RouteTableId"], second);
  age_client_tokens(kClientTokenLifetimeSeconds);
  auto txn_records = [&] { return store_->begin_read()->list("client-token", std::nullopt).size(); };
  EXPECT_EQ(txn_records(), 1u);
  service_ = std::make_unique<Ec2Service>(*store_, catalog_);
  ok("CreateKeyPair", {{"KeyName", "any-write"}});
  EXPECT_EQ(txn_records(), 0u);
}

// RunInstances: a repeat answers the first reservation with its instances as they are now.
TEST_F(Ec2ServiceTest, ClientTokenMakesRunInstancesIdempotent) {
  bootstrap();
  json request = {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1}, {"MaxCount", 2},
                  {"ClientToken", "launch-1"}};
  json first = ok("RunInstances", request);
  ASSERT_EQ(first["Instances"].size(), 2u);
  std::string id = first["Instances"][0]["InstanceId"];
  EXPECT_EQ(first["Instances"][0]["ClientToken"], "launch-1");
  ok("TerminateInstances", {{"InstanceIds", {id}}});
  json again = ok("RunInstances", request);
  EXPECT_EQ(again["ReservationId"], first["ReservationId"]);
  ASSERT_EQ(again["Instances"].size(), 2u);
  EXPECT_EQ(again["Instances"][0]["InstanceId"], id);
  EXPECT_EQ(again["Instances"][0]["State"]["Name"], "shutting-down");
  EXPECT_EQ(count("DescribeInstances", "Reservations"), 1u);
  // An instance the store no longer holds (terminated long ago) shows as terminated.
  {
    auto txn = store_->begin_write();
    txn->erase(id);
    txn->commit();
  }
  EXPECT_EQ(ok("RunInstances", request)["Instances"][0]["State"]["Name"], "terminated");
  json other = request;
  other["InstanceType"] = "t3.micro";
  EXPECT_EQ(error_of("RunInstances", other), "IdempotentParameterMismatch");
  EXPECT_EQ(count("DescribeInstances", "Reservations"), 1u);
}

}  // namespace
}  // namespace stratus::ec2
