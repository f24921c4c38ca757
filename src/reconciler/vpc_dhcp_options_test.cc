#include "reconciler/vpc_dhcp_options.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "store/sqlite_store.h"

namespace stratus::reconciler {
namespace {

using nlohmann::json;

json values(std::initializer_list<const char*> given) {
  json out = json::array();
  for (const char* v : given) out.push_back({{"Value", v}});
  return out;
}

TEST(VpcDhcpOptions, AssociatedSetsWithAmazonDnsAsTheVpcResolver) {
  TempDir dir("dhcp-options-test");
  store::SqliteStore store((dir.path() / "db").string());
  {
    auto txn = store.begin_write();
    auto put = [&](const std::string& id, const std::string& kind, const json& doc) {
      txn->put({id, kind, "us-east-1", doc});
    };
    put("dopt-corp", "dhcp-options",
        {{"DhcpOptionsId", "dopt-corp"},
         {"DhcpConfigurations",
          {{{"Key", "domain-name"}, {"Values", values({"corp.example"})}},
           {{"Key", "domain-name-servers"}, {"Values", values({"AmazonProvidedDNS", "192.0.2.53"})}},
           {{"Key", "ntp-servers"}, {"Values", values({"192.0.2.123"})}},
           {{"Key", "netbios-node-type"}, {"Values", values({"2"})}}}}});
    put("vpc-a", "vpc", {{"VpcId", "vpc-a"}, {"CidrBlock", "10.1.0.0/16"}, {"DhcpOptionsId", "dopt-corp"}});
    put("vpc-b", "vpc", {{"VpcId", "vpc-b"}, {"CidrBlock", "10.2.0.0/16"}, {"DhcpOptionsId", "default"}});
    txn->commit();
  }
  auto txn = store.begin_read();
  auto options = vpc_dhcp_options(*txn);
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(options["vpc-a"], (net::DhcpOptions{"corp.example", {"10.1.0.2", "192.0.2.53"}, {"192.0.2.123"}, {}, "2"}));
  EXPECT_EQ(options["vpc-b"], net::DhcpOptions{});  // "default": no options set
  EXPECT_EQ(net::dhcp_option_args(options["vpc-a"]),
            (std::vector<std::string>{"--dhcp-option=option:dns-server,10.1.0.2,192.0.2.53",
                                      "--dhcp-option=option:domain-name,corp.example",
                                      "--dhcp-option=option:ntp-server,192.0.2.123",
                                      "--dhcp-option=option:netbios-nodetype,2"}));
  EXPECT_EQ(net::dhcp_option_args(net::DhcpOptions{"a.example b.example", {}, {}, {}, ""}),
            std::vector<std::string>{"--dhcp-option=option:domain-name,\"a.example b.example\""});
}

}  // namespace
}  // namespace stratus::reconciler
