#include "net/firewall_ruleset.h"

#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sstream>

#include "common/shell_output.h"
#include "net/nftables.h"

namespace stratus::net {
namespace {

using nlohmann::json;

std::vector<FirewallRule> rules_of(const json& list) {
  std::vector<FirewallRule> out;
  for (const json& r : list) {
    out.push_back({r.value("protocol", "-1"), r.value("from", -1), r.value("to", -1),
                   r.value("peers", std::vector<std::string>{})});
  }
  return out;
}

std::vector<InterfaceFirewall> interfaces_of(const json& list) {
  std::vector<InterfaceFirewall> out;
  for (const json& i : list) {
    out.push_back({i["tap"], i["mac"], i["addresses"], i.value("source_dest_check", true), i.value("internet", true),
                   rules_of(i["ingress"]), rules_of(i["egress"])});
  }
  return out;
}

std::vector<SubnetAcl> acls_of(const json& list) {
  std::vector<SubnetAcl> out;
  auto entries = [](const json& items) {
    std::vector<AclEntry> es;
    for (const json& e : items) {
      FirewallRule traffic = rules_of(json::array({e}))[0];
      es.push_back({e["action"] == "allow", traffic});
    }
    return es;
  };
  for (const json& a : list) out.push_back({a["taps"], entries(a["inbound"]), entries(a["outbound"]), a.value("cidr", "")});
  return out;
}

// Chain name -> its rule lines, from `nft list table` text.
std::map<std::string, std::vector<std::string>> chains_of(const std::string& listing) {
  std::map<std::string, std::vector<std::string>> chains;
  std::istringstream in(listing);
  std::string line, current;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of("\t ");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (line.rfind("chain ", 0) == 0) {
      current = line.substr(6, line.find(' ', 6) - 6);
      chains[current];
    } else if (!current.empty() && line != "}" && line.rfind("type ", 0) != 0) {
      chains[current].push_back(line);
    }
    if (line == "}") current.clear();
  }
  return chains;
}

TEST(FirewallRuleset, ReplacesItsTableInOneTransaction) {
  json commands = firewall_ruleset({})["nftables"];
  ASSERT_GE(commands.size(), 3u);
  EXPECT_TRUE(commands[0]["add"].contains("table"));
  EXPECT_TRUE(commands[1]["delete"].contains("table"));
  EXPECT_TRUE(commands[2]["add"].contains("table"));
  EXPECT_EQ(commands[0]["add"]["table"]["name"], kFirewallTable);
}

// Each case of testdata/firewall_cases.json is compiled, loaded into a scratch network
// namespace by libnftables, and listed back by nftables itself: the listing must show the
// expected rules, chain by chain. Needs root (CI runs as root), else skipped.
class FirewallCases : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    netns_ = "stratus-fwtest-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("ip netns add " + netns_).c_str()), 0);
  }
  void TearDown() override {
    if (!netns_.empty()) std::system(("ip netns del " + netns_ + " 2>/dev/null").c_str());
  }
  std::string netns_;
};

TEST_F(FirewallCases, CompileLoadAndListAsExpected) {
  std::ifstream in(std::string(STRATUS_SOURCE_DIR) + "/src/net/testdata/firewall_cases.json");
  json cases = json::parse(in);
  ASSERT_FALSE(cases.empty());
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto loaded = run_nftables(netns_, firewall_ruleset({interfaces_of(c["interfaces"]), acls_of(c.value("acls", json::array()))}));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    auto listing = list_nftables_table(netns_, "inet", kFirewallTable);
    ASSERT_TRUE(listing.ok()) << listing.error().message;
    auto chains = chains_of(listing.value());
    for (const auto& [chain, expected] : c["chains"].items()) {
      EXPECT_EQ(chains[chain], expected.get<std::vector<std::string>>()) << "chain " << chain << " of\n"
                                                                          << listing.value();
    }
  }
  // Loading again replaces the table instead of adding to it.
  ASSERT_TRUE(run_nftables(netns_, firewall_ruleset({})).ok());
  EXPECT_EQ(chains_of(list_nftables_table(netns_, "inet", kFirewallTable).value())["prerouting"].size(), 0u);
}

TEST_F(FirewallCases, AnErrorChangesNothing) {
  ASSERT_TRUE(run_nftables(netns_, firewall_ruleset({})).ok());
  json broken = firewall_ruleset({});
  broken["nftables"].push_back({{"add", {{"rule", {{"family", "inet"}, {"table", kFirewallTable}, {"chain", "nope"},
                                                   {"expr", json::array({{{"accept", nullptr}}})}}}}}});
  auto result = run_nftables(netns_, broken);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("nftables"), std::string::npos);
  EXPECT_TRUE(list_nftables_table(netns_, "inet", kFirewallTable).ok());
}

}  // namespace
}  // namespace stratus::net
