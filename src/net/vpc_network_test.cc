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
  std::string subnet = "subnet-0123456789abcdef0";
  Port port{"eni-0123456789abcdef0", "02:00:0a:00:01:0a", "10.0.1.10", "ip-10-0-1-10"};
  std::string ns = VpcNetwork::netns_name(vpc_);

  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet, port).ok());
  // Idempotent: a second pass (as after a restart) changes nothing and starts nothing new.
  pid_t dhcp_pid = pid_in(state_.path() / (vpc_ + "." + subnet + ".dhcp.pid"));
  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_port(vpc_, subnet, port).ok());
  EXPECT_EQ(pid_in(state_.path() / (vpc_ + "." + subnet + ".dhcp.pid")), dhcp_pid);

  EXPECT_TRUE(fs::exists("/run/netns/" + ns));
  std::string bridge = VpcNetwork::bridge_name(subnet);
  std::string tap = VpcNetwork::tap_name(port.eni_id);
  EXPECT_LE(bridge.size(), 15u);
  EXPECT_LE(tap.size(), 15u);
  EXPECT_NE(shell_output("ip -n " + ns + " addr show " + bridge).find("10.0.1.1/24"), std::string::npos);
  EXPECT_NE(shell_output("ip -n " + ns + " addr show lo").find("169.254.169.254/32"), std::string::npos);
  EXPECT_NE(shell_output("ip -n " + ns + " addr show lo").find("10.0.0.2/32"), std::string::npos);
  EXPECT_NE(shell_output("ip -n " + ns + " link show " + tap).find("master " + bridge), std::string::npos);
  EXPECT_NE(read(state_.path() / (vpc_ + "." + subnet + ".dhcp.hosts")).find("02:00:0a:00:01:0a,10.0.1.10,ip-10-0-1-10"),
            std::string::npos);
  EXPECT_NE(read(state_.path() / (vpc_ + ".dns.hosts")).find("10.0.1.10 ip-10-0-1-10"), std::string::npos);
  pid_t dns_pid = pid_in(state_.path() / (vpc_ + ".dns.pid"));
  ASSERT_GT(dns_pid, 0);
  ASSERT_GT(dhcp_pid, 0);
  EXPECT_TRUE(compute::process_alive(dns_pid));
  EXPECT_TRUE(compute::process_alive(dhcp_pid));

  ASSERT_TRUE(network_.remove_port(vpc_, subnet, port).ok());
  EXPECT_EQ(shell_output("ip -n " + ns + " link show " + tap + " 2>/dev/null"), "");
  EXPECT_EQ(read(state_.path() / (vpc_ + "." + subnet + ".dhcp.hosts")).find("10.0.1.10"), std::string::npos);

  ASSERT_TRUE(network_.remove_vpc(vpc_).ok());
  EXPECT_FALSE(fs::exists("/run/netns/" + ns));
  EXPECT_FALSE(compute::process_alive(dns_pid));
  EXPECT_FALSE(compute::process_alive(dhcp_pid));
  EXPECT_TRUE(fs::is_empty(state_.path()));
}

}  // namespace
}  // namespace stratus::net
