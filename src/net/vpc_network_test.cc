#include "net/vpc_network.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

#include "common/shell_output.h"
#include "common/temp_dir.h"

namespace stratus::net {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t pid_in(const fs::path& pid_file) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Real namespaces, bridges, taps and dnsmasq; needs root (CI runs as root), else skipped.
// Everything is removed after the test, also when it fails.
class VpcNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (shell_output("command -v dnsmasq").empty()) GTEST_SKIP() << "needs dnsmasq";
    vpc_ = "vpc-" + std::string(9, '0') + std::to_string(10000000 + ::getpid() % 10000000);
  }
  void TearDown() override {
    if (vpc_.empty()) return;
    (void)network_.remove_vpc(vpc_);
    std::system(("ip netns del " + VpcNetwork::netns_name(vpc_) + " 2>/dev/null").c_str());
  }

  compute::SpawnProcessRunner runner_;
  TempDir state_{"vpcnet-test"};
  VpcNetwork network_{runner_, state_.path()};
  std::string vpc_;
};

TEST_F(VpcNetworkTest, BuildsAndRemovesEverything) {
  auto vpc_cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  auto subnet_cidr = *Ipv4Cidr::parse("10.0.1.0/24");
  auto other_cidr = *Ipv4Cidr::parse("10.0.2.0/24");
  std::string subnet = "subnet-0123456789abcdef0", other = "subnet-0123456789abcdef1";
  Port port{"eni-0123456789abcdef0", "02:00:0a:00:01:0a", "10.0.1.10", "ip-10-0-1-10"};
  Port neighbour{"eni-0123456789abcdef1", "02:00:0a:00:01:0b", "10.0.1.11", "ip-10-0-1-11"};
  std::string ns = VpcNetwork::netns_name(vpc_);

  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, port).ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, neighbour).ok());
  // Idempotent: a second pass (as after a restart) changes nothing and starts nothing new.
  fs::path dhcp_pid_file = state_.path() / (vpc_ + ".dhcp.pid");
  pid_t dhcp_pid = pid_in(dhcp_pid_file);
  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, port).ok());
  EXPECT_EQ(pid_in(dhcp_pid_file), dhcp_pid);

  EXPECT_TRUE(fs::exists("/run/netns/" + ns));
  std::string tap = VpcNetwork::tap_name(port.eni_id);
  EXPECT_LE(tap.size(), 15u);
  // A routed tap: the subnet's gateway on it, proxy ARP, a /32 route to the port's address.
  EXPECT_NE(shell_output("ip -n " + ns + " addr show " + tap).find("10.0.1.1/32"), std::string::npos);
  EXPECT_EQ(shell_output("ip netns exec " + ns + " sysctl -n net.ipv4.conf." + tap + ".proxy_arp"), "1\n");
  EXPECT_NE(shell_output("ip -n " + ns + " route show 10.0.1.10").find("dev " + tap), std::string::npos);
  EXPECT_EQ(shell_output("ip -n " + ns + " link show type bridge"), "");
  EXPECT_NE(shell_output("ip -n " + ns + " addr show lo").find("169.254.169.254/32"), std::string::npos);
  EXPECT_NE(shell_output("ip -n " + ns + " addr show lo").find("10.0.0.2/32"), std::string::npos);
  std::string hosts = read(state_.path() / (vpc_ + ".dhcp.hosts"));
  EXPECT_NE(hosts.find("02:00:0a:00:01:0a,10.0.1.10,ip-10-0-1-10"), std::string::npos);
  EXPECT_NE(hosts.find("02:00:0a:00:01:0b,10.0.1.11,ip-10-0-1-11"), std::string::npos);
  EXPECT_NE(read(state_.path() / (vpc_ + ".dns.hosts")).find("10.0.1.10 ip-10-0-1-10"), std::string::npos);
  pid_t dns_pid = pid_in(state_.path() / (vpc_ + ".dns.pid"));
  ASSERT_GT(dns_pid, 0);
  ASSERT_GT(dhcp_pid, 0);
  EXPECT_TRUE(compute::process_alive(dns_pid));
  EXPECT_TRUE(compute::process_alive(dhcp_pid));

  // A second subnet restarts the DHCP server with both ranges.
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, other, other_cidr, "ec2.internal").ok());
  pid_t restarted = pid_in(dhcp_pid_file);
  EXPECT_NE(restarted, dhcp_pid);
  EXPECT_FALSE(compute::process_alive(dhcp_pid));
  std::string cmdline = read("/proc/" + std::to_string(restarted) + "/cmdline");
  EXPECT_NE(cmdline.find("10.0.1.0,static,255.255.255.0"), std::string::npos);
  EXPECT_NE(cmdline.find("10.0.2.0,static,255.255.255.0"), std::string::npos);

  ASSERT_TRUE(network_.remove_port(vpc_, port).ok());
  EXPECT_EQ(shell_output("ip -n " + ns + " link show " + tap + " 2>/dev/null"), "");
  EXPECT_EQ(shell_output("ip -n " + ns + " route show 10.0.1.10"), "");
  EXPECT_EQ(read(state_.path() / (vpc_ + ".dhcp.hosts")).find("10.0.1.10"), std::string::npos);

  ASSERT_TRUE(network_.remove_vpc(vpc_).ok());
  EXPECT_FALSE(fs::exists("/run/netns/" + ns));
  EXPECT_FALSE(compute::process_alive(dns_pid));
  EXPECT_FALSE(compute::process_alive(restarted));
  EXPECT_TRUE(fs::is_empty(state_.path()));
}

TEST_F(VpcNetworkTest, InterfaceRoutesReplaceWhateverTheNamespaceHad) {
  auto vpc_cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  auto subnet_cidr = *Ipv4Cidr::parse("10.0.1.0/24");
  Port nat{"eni-0123456789abcdef0", "02:00:0a:00:01:0a", "10.0.1.10", "ip-10-0-1-10"};
  Port app{"eni-0123456789abcdef1", "02:00:0a:00:01:0b", "10.0.1.11", "ip-10-0-1-11"};
  std::string ns = VpcNetwork::netns_name(vpc_);
  std::string nat_tap = VpcNetwork::tap_name(nat.eni_id), app_tap = VpcNetwork::tap_name(app.eni_id);
  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, "subnet-0123456789abcdef0", subnet_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, nat).ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, app).ok());

  VpcInterfaceRoutes through_nat{{"10.0.0.0/16"}, {{{app_tap, nat_tap}, {{"0.0.0.0/0", nat.ip, nat_tap}}}}};
  ASSERT_TRUE(network_.set_interface_routes(vpc_, through_nat).ok());
  std::string rules = shell_output("ip -n " + ns + " rule show pref 1000");
  EXPECT_NE(rules.find("iif " + app_tap + " lookup 1000"), std::string::npos) << rules;
  EXPECT_EQ(rules.find("iif " + nat_tap), std::string::npos) << rules;
  std::string table = shell_output("ip -n " + ns + " route show table 1000");
  EXPECT_NE(table.find("default via 10.0.1.10 dev " + nat_tap), std::string::npos) << table;
  EXPECT_NE(table.find("throw 10.0.0.0/16"), std::string::npos) << table;

  // A target without a tap yet: dropped, and applied again by the next call once it exists.
  Port late{"eni-0123456789abcdef2", "02:00:0a:00:01:0c", "10.0.1.12", "ip-10-0-1-12"};
  std::string late_tap = VpcNetwork::tap_name(late.eni_id);
  VpcInterfaceRoutes through_late{{"10.0.0.0/16"}, {{{app_tap}, {{"0.0.0.0/0", late.ip, late_tap}}}}};
  ASSERT_TRUE(network_.set_interface_routes(vpc_, through_late).ok());
  EXPECT_NE(shell_output("ip -n " + ns + " route show table 1000").find("blackhole default"), std::string::npos);
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet_cidr, late).ok());
  ASSERT_TRUE(network_.set_interface_routes(vpc_, through_late).ok());
  EXPECT_NE(shell_output("ip -n " + ns + " route show table 1000").find("default via 10.0.1.12 dev " + late_tap),
            std::string::npos);

  // Another VpcNetwork (stratus restarted) replaces what the namespace has, not what it remembers.
  VpcNetwork restarted{runner_, state_.path()};
  VpcInterfaceRoutes dropped{{"10.0.0.0/16"}, {{{app_tap}, {{"10.9.0.0/16", "", ""}}}}};
  ASSERT_TRUE(restarted.set_interface_routes(vpc_, dropped).ok());
  table = shell_output("ip -n " + ns + " route show table 1000");
  EXPECT_EQ(table.find("default"), std::string::npos) << table;
  EXPECT_NE(table.find("blackhole 10.9.0.0/16"), std::string::npos) << table;
  ASSERT_TRUE(restarted.set_interface_routes(vpc_, {{"10.0.0.0/16"}, {}}).ok());
  EXPECT_EQ(shell_output("ip -n " + ns + " rule show pref 1000"), "");
  EXPECT_EQ(shell_output("ip -n " + ns + " route show table all proto 248"), "");
}

// New DHCP options restart the VPC's DHCP server with them; the same ones change nothing.
TEST_F(VpcNetworkTest, DhcpOptionsRestartTheDhcpServer) {
  auto vpc_cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, "subnet-0123456789abcdef0", *Ipv4Cidr::parse("10.0.1.0/24"),
                                     "ec2.internal")
                  .ok());
  fs::path pid_file = state_.path() / (vpc_ + ".dhcp.pid");
  auto cmdline = [&] {
    std::string text = shell_output("tr '\\0' ' ' < /proc/" + std::to_string(pid_in(pid_file)) + "/cmdline");
    return text;
  };
  EXPECT_NE(cmdline().find("option:dns-server,10.0.0.2"), std::string::npos);
  pid_t before = pid_in(pid_file);
  DhcpOptions corp{"corp.example", {"10.0.0.2", "192.0.2.53"}, {}, {}, ""};
  ASSERT_TRUE(network_.set_dhcp_options(vpc_, vpc_cidr, corp).ok());
  EXPECT_NE(pid_in(pid_file), before);
  EXPECT_NE(cmdline().find("option:domain-name,corp.example"), std::string::npos) << cmdline();
  EXPECT_NE(cmdline().find("option:dns-server,10.0.0.2,192.0.2.53"), std::string::npos) << cmdline();
  pid_t after = pid_in(pid_file);
  ASSERT_TRUE(network_.set_dhcp_options(vpc_, vpc_cidr, corp).ok());
  EXPECT_EQ(pid_in(pid_file), after);
}

}  // namespace
}  // namespace stratus::net
