#include "net/vpc_network.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <sstream>

#include "common/network_slot_lease.h"
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

// Leases, as a server would at its first start, the lowest free network slot of this host whose
// edge namespace does not exist yet (a server from before slots holds slot 0's edge without its
// lock); the leases passed over go to `passed_over`, held until the test ends.
NetworkSlotLease lease_unused_slot(const fs::path& owner, std::vector<NetworkSlotLease>& passed_over) {
  for (;;) {
    NetworkSlotLease lease = lease_network_slot(default_network_slot_lock_dir(), owner, std::nullopt);
    if (!fs::exists("/run/netns/" + network_slot(lease.slot).edge_netns)) return lease;
    passed_over.push_back(std::move(lease));
  }
}

// Real namespaces, taps and dnsmasq; needs root (CI runs as root), else skipped. `network_` and
// `other_` stand for two servers: each has its own state and network slot, leased as a server
// leases it. Everything is removed after the test, also when it fails.
class VpcNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (shell_output("command -v dnsmasq").empty()) GTEST_SKIP() << "needs dnsmasq";
    std::string serial = std::to_string(10000000 + ::getpid() % 10000000);
    vpc_ = "vpc-" + std::string(9, '0') + serial;
    other_vpc_ = "vpc-000010000" + serial;
  }
  void TearDown() override {
    if (vpc_.empty()) return;
    for (auto [network, vpc] : {std::pair{&network_, vpc_}, std::pair{&other_, other_vpc_}}) {
      (void)network->remove_vpc(vpc);  // and its slot's edge, now idle
      std::system(("ip netns del " + network->netns_name(vpc) + " 2>/dev/null").c_str());
    }
  }

  compute::SpawnProcessRunner runner_;
  TempDir state_{"vpcnet-test"};
  TempDir other_state_{"vpcnet-other"};
  std::vector<NetworkSlotLease> passed_over_;
  NetworkSlotLease slot_ = lease_unused_slot(state_.path(), passed_over_);
  NetworkSlotLease other_slot_ = lease_unused_slot(other_state_.path(), passed_over_);
  VpcNetwork network_{runner_, state_.path(), network_slot(slot_.slot)};
  VpcNetwork other_{runner_, other_state_.path(), network_slot(other_slot_.slot)};
  std::string vpc_;
  std::string other_vpc_;
};

TEST_F(VpcNetworkTest, BuildsAndRemovesEverything) {
  auto vpc_cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  auto subnet_cidr = *Ipv4Cidr::parse("10.0.1.0/24");
  auto other_cidr = *Ipv4Cidr::parse("10.0.2.0/24");
  std::string subnet = "subnet-0123456789abcdef0", other = "subnet-0123456789abcdef1";
  Port port{"eni-0123456789abcdef0", "02:00:0a:00:01:0a", "10.0.1.10", "ip-10-0-1-10"};
  Port neighbour{"eni-0123456789abcdef1", "02:00:0a:00:01:0b", "10.0.1.11", "ip-10-0-1-11"};
  std::string ns = network_.netns_name(vpc_);

  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal", "s3.us-east-1.amazonaws.com").ok());
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
  // S3's in-VPC address, and the resolver's names for it (the region's, and buckets' under it).
  EXPECT_NE(shell_output("ip -n " + ns + " addr show lo").find(std::string(kS3Address) + "/32"), std::string::npos);
  EXPECT_NE(shell_output("ps -o args= -p " + std::to_string(pid_in(state_.path() / (vpc_ + ".dns.pid"))))
                .find("--address=/s3.us-east-1.amazonaws.com/169.254.171.1"),
            std::string::npos);
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
  std::string ns = network_.netns_name(vpc_);
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
  VpcNetwork restarted{runner_, state_.path(), network_.slot()};
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
  ASSERT_TRUE(network_.set_dhcp_options(vpc_, corp).ok());
  EXPECT_NE(pid_in(pid_file), before);
  EXPECT_NE(cmdline().find("option:domain-name,corp.example"), std::string::npos) << cmdline();
  EXPECT_NE(cmdline().find("option:dns-server,10.0.0.2,192.0.2.53"), std::string::npos) << cmdline();
  pid_t after = pid_in(pid_file);
  ASSERT_TRUE(network_.set_dhcp_options(vpc_, corp).ok());
  EXPECT_EQ(pid_in(pid_file), after);
}

// True once `gone` holds, polled for up to ten seconds (the kernel dismantles a deleted
// namespace, and the host's end of its veth, asynchronously).
bool eventually(const std::function<bool()>& gone) {
  for (int i = 0; i < 100; ++i) {
    if (gone()) return true;
    ::usleep(100000);
  }
  return gone();
}

// A removed port's DHCP lease is gone from its server, so that the next interface given the
// address gets it at once: released through the tap (the server keeps running), or, when the
// server does not take the release (here: stopped), by a restart without the lease.
TEST_F(VpcNetworkTest, RemovedPortsLeaseIsForgotten) {
  auto vpc_cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  auto subnet_cidr = *Ipv4Cidr::parse("10.0.1.0/24");
  std::string subnet = "subnet-0123456789abcdef0";
  ASSERT_TRUE(network_.ensure_vpc(vpc_, vpc_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
  fs::path pid_file = state_.path() / (vpc_ + ".dhcp.pid");
  fs::path leases = state_.path() / (vpc_ + ".dhcp.leases");
  // The port's lease as a guest would have taken it: in the file the server reads when it starts.
  auto leased_port = [&](const Port& port) {
    EXPECT_TRUE(network_.ensure_port(vpc_, subnet_cidr, port).ok());
    pid_t pid = pid_in(pid_file);
    ::kill(pid, SIGTERM);
    EXPECT_TRUE(eventually([&] { return !compute::process_alive(pid); }));
    std::ofstream(leases, std::ios::app) << ::time(nullptr) + 3600 << " " << port.mac << " " << port.ip << " "
                                         << port.hostname << " 01:" << port.mac << "\n";
    EXPECT_TRUE(network_.ensure_subnet(vpc_, vpc_cidr, subnet, subnet_cidr, "ec2.internal").ok());
    EXPECT_NE(read(leases).find(port.ip), std::string::npos);
    return pid_in(pid_file);
  };

  Port released{"eni-0123456789abcdef0", "02:00:0a:00:01:0a", "10.0.1.10", "ip-10-0-1-10"};
  pid_t server = leased_port(released);
  ASSERT_TRUE(network_.remove_port(vpc_, released).ok());
  EXPECT_EQ(read(leases).find("10.0.1.10"), std::string::npos) << read(leases);
  EXPECT_EQ(pid_in(pid_file), server);

  Port unreleased{"eni-0123456789abcdef1", "02:00:0a:00:01:0b", "10.0.1.11", "ip-10-0-1-11"};
  server = leased_port(unreleased);
  ::kill(server, SIGSTOP);
  ASSERT_TRUE(network_.remove_port(vpc_, unreleased).ok());
  EXPECT_EQ(read(leases).find("10.0.1.11"), std::string::npos) << read(leases);
  EXPECT_TRUE(eventually([&] { return !compute::process_alive(server); }));
  EXPECT_NE(pid_in(pid_file), server);
  EXPECT_TRUE(compute::process_alive(pid_in(pid_file)));
  EXPECT_NE(read("/proc/" + std::to_string(pid_in(pid_file)) + "/cmdline").find("option:dns-server,10.0.0.2"),
            std::string::npos);
}

// True when a TCP connection from the host to the VPC resolver's port (53) at `address` is
// accepted within three seconds.
bool reaches_resolver(const std::string& address) {
  return shell_output("timeout 3 bash -c 'exec 3<>/dev/tcp/" + address + "/53' 2>/dev/null && echo open") == "open\n";
}

TEST_F(VpcNetworkTest, ServersOnTwoSlotsKeepTheirEdgesApart) {
  const NetworkSlot& mine = network_.slot();
  const NetworkSlot& theirs = other_.slot();
  ASSERT_NE(mine.index, theirs.index);
  // The same CIDR in both: VPCs of different servers may overlap. Each public address is DNATed
  // to its VPC's resolver (dnsmasq, in the VPC namespace), so a connection from the host to it is
  // accepted from inside that VPC.
  auto cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  ASSERT_TRUE(network_.ensure_vpc(vpc_, cidr, "ec2.internal").ok());
  ASSERT_TRUE(other_.ensure_vpc(other_vpc_, cidr, "ec2.internal").ok());
  std::string my_ip = format_ipv4(mine.public_pool.base + 5);
  std::string their_ip = format_ipv4(theirs.public_pool.base + 5);
  ASSERT_TRUE(network_.set_published(vpc_, {{my_ip, "10.0.0.2"}}).ok());
  ASSERT_TRUE(other_.set_published(other_vpc_, {{their_ip, "10.0.0.2"}}).ok());

  for (const NetworkSlot* slot : {&mine, &theirs}) {
    EXPECT_TRUE(fs::exists("/run/netns/" + slot->edge_netns)) << slot->edge_netns;
    EXPECT_NE(shell_output("ip -o addr show dev " + slot->host_link).find(slot->host_address + "/30"), std::string::npos);
    std::string route = shell_output("ip route show " + slot->public_pool.str());
    EXPECT_NE(route.find("via " + slot->edge_address + " dev " + slot->host_link), std::string::npos) << route;
  }
  EXPECT_TRUE(reaches_resolver(my_ip));
  EXPECT_TRUE(reaches_resolver(their_ip));
  EXPECT_FALSE(reaches_resolver(format_ipv4(mine.public_pool.base + 6)));  // in the pool, not published
  // Each edge routes only its own server's addresses.
  EXPECT_NE(shell_output("ip -n " + mine.edge_netns + " route show " + my_ip), "");
  EXPECT_EQ(shell_output("ip -n " + theirs.edge_netns + " route show " + my_ip), "");
  EXPECT_EQ(shell_output("ip -n " + mine.edge_netns + " route show " + their_ip), "");

  // An address from before pools were per slot (outside this slot's pool) gets a host route of
  // its own into this edge, and loses it when withdrawn.
  int elsewhere = 0;
  while (elsewhere == mine.index || elsewhere == theirs.index) ++elsewhere;
  std::string old_ip = format_ipv4(network_slot(elsewhere).public_pool.base + 7);
  ASSERT_TRUE(network_.set_published(vpc_, {{my_ip, "10.0.0.2"}, {old_ip, "10.0.0.2"}}).ok());
  std::string old_route = shell_output("ip route show " + old_ip + "/32");
  EXPECT_NE(old_route.find("via " + mine.edge_address + " dev " + mine.host_link), std::string::npos) << old_route;
  EXPECT_TRUE(reaches_resolver(old_ip));
  ASSERT_TRUE(network_.set_published(vpc_, {{my_ip, "10.0.0.2"}}).ok());
  EXPECT_EQ(shell_output("ip route show " + old_ip + "/32"), "");

  // One server removing its VPC removes its idle edge, and only its own.
  ASSERT_TRUE(network_.remove_vpc(vpc_).ok());
  ASSERT_TRUE(network_.remove_idle_edge().ok());
  EXPECT_FALSE(fs::exists("/run/netns/" + mine.edge_netns));
  EXPECT_TRUE(eventually([&] { return shell_output("ip route show " + mine.public_pool.str()).empty(); }));
  EXPECT_TRUE(fs::exists("/run/netns/" + theirs.edge_netns));
  EXPECT_TRUE(reaches_resolver(their_ip));
  // The other server's busy edge stays too when it looks for an idle one.
  ASSERT_TRUE(other_.remove_idle_edge().ok());
  EXPECT_TRUE(fs::exists("/run/netns/" + theirs.edge_netns));
  ASSERT_TRUE(other_.remove_vpc(other_vpc_).ok());
  EXPECT_FALSE(fs::exists("/run/netns/" + theirs.edge_netns));
  EXPECT_TRUE(eventually([&] { return shell_output("ip link show " + theirs.host_link + " 2>/dev/null").empty(); }));
}

// The host's route for the slot's pool: unreachable while no edge exists (before the first
// address is published, after the edge went idle), into the edge while it exists; never the
// host's default route.
TEST_F(VpcNetworkTest, TheSlotsPoolNeverTakesTheHostsDefaultRoute) {
  const NetworkSlot& mine = network_.slot();
  const std::string pool = mine.public_pool.str();
  const std::string held = "ip route del unreachable " + pool + " metric 4000000000 2>/dev/null";
  struct Release {
    std::string command;
    ~Release() { std::system(command.c_str()); }
  } release{held};
  const std::string ip = format_ipv4(mine.public_pool.base + 5);
  auto route_to = [&] { return shell_output("ip route get " + ip + " 2>&1"); };
  ASSERT_TRUE(network_.hold_public_pool().ok());
  ASSERT_TRUE(network_.hold_public_pool().ok());  // idempotent
  EXPECT_NE(route_to().find("No route to host"), std::string::npos) << route_to();
  auto cidr = *Ipv4Cidr::parse("10.0.0.0/16");
  ASSERT_TRUE(network_.ensure_vpc(vpc_, cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.set_published(vpc_, {{ip, "10.0.0.2"}}).ok());
  EXPECT_NE(route_to().find("dev " + mine.host_link), std::string::npos) << route_to();
  ASSERT_TRUE(network_.remove_vpc(vpc_).ok());
  ASSERT_TRUE(eventually([&] { return network_.remove_idle_edge().ok() && !fs::exists("/run/netns/" + mine.edge_netns); }));
  EXPECT_TRUE(eventually([&] { return route_to().find("No route to host") != std::string::npos; })) << route_to();
}

// A peering link joins two VPC routers: each reaches the other's resolver over it once routed,
// and removing it (or its record) leaves nothing behind.
TEST_F(VpcNetworkTest, PeeringLinksJoinTwoRouters) {
  std::string peer = "vpc-" + std::string(9, '0') + std::to_string(20000000 + ::getpid() % 10000000);
  auto cleanup = [&] {
    (void)network_.remove_vpc(peer);
    std::system(("ip netns del " + network_.netns_name(peer) + " 2>/dev/null").c_str());
  };
  auto a_cidr = *Ipv4Cidr::parse("10.10.0.0/16"), b_cidr = *Ipv4Cidr::parse("10.20.0.0/16");
  ASSERT_TRUE(network_.ensure_vpc(vpc_, a_cidr, "ec2.internal").ok());
  ASSERT_TRUE(network_.ensure_vpc(peer, b_cidr, "ec2.internal").ok());
  const std::string pcx = "pcx-0123456789abcdef0", link = VpcNetwork::peering_link(pcx);
  ASSERT_TRUE(network_.ensure_peering(pcx, vpc_, "10.10.0.1", peer, "10.20.0.1").ok());
  ASSERT_TRUE(network_.ensure_peering(pcx, vpc_, "10.10.0.1", peer, "10.20.0.1").ok());  // idempotent
  std::string a = network_.netns_name(vpc_), b = network_.netns_name(peer);
  EXPECT_EQ(network_.peerings().at(pcx), std::make_pair(vpc_, peer));
  // Each router reaches the other's resolver from the address of its own end, with ARP resolved
  // by the other side's proxy ARP (the resolver's address is local there, not on the link).
  std::system(("ip -n " + a + " route add 10.20.0.0/16 dev " + link).c_str());
  std::system(("ip -n " + b + " route add 10.10.0.0/16 dev " + link).c_str());
  EXPECT_EQ(shell_output("ip netns exec " + a + " timeout 3 bash -c 'exec 3<>/dev/tcp/10.20.0.2/53' && echo open"),
            "open\n");
  ASSERT_TRUE(network_.remove_peering(pcx).ok());
  EXPECT_NE(shell_output("ip -n " + a + " link show " + link + " 2>&1").find("does not exist"), std::string::npos);
  EXPECT_TRUE(network_.peerings().empty());
  cleanup();
}

}  // namespace
}  // namespace stratus::net
