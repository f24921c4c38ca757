// Firewall benchmark: compiles a VPC firewall of N interfaces with R security group rules each
// (mixed CIDR and group-reference peers, port ranges, ICMP) and loads it with libnftables into a
// scratch network namespace, as the reconciler does on every change. Prints the ruleset's size
// and the median and worst compile and apply times over a number of rounds.
//
// Usage (root): build/stratus_bench_firewall [interfaces=100] [rules_per_interface=10] [rounds=20]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/firewall_ruleset.h"
#include "net/nftables.h"

namespace {

using stratus::net::FirewallRule;
using stratus::net::InterfaceFirewall;
using stratus::net::VpcFirewall;

VpcFirewall make_firewall(int interfaces, int rules) {
  VpcFirewall firewall;
  std::vector<std::string> members;  // a referenced group: every tenth interface
  for (int i = 0; i < interfaces; i += 10) members.push_back("10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 4) + "/32");
  for (int i = 0; i < interfaces; ++i) {
    InterfaceFirewall port;
    char tap[16];
    std::snprintf(tap, sizeof tap, "st%013x", i);
    char mac[18];
    std::snprintf(mac, sizeof mac, "02:00:00:00:%02x:%02x", i / 256, i % 256);
    port.tap = tap;
    port.mac = mac;
    port.addresses = {"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 4)};
    for (int r = 0; r < rules; ++r) {
      FirewallRule rule;
      switch (r % 4) {
        case 0: rule = {"tcp", 1000 + r, 1000 + r, {"0.0.0.0/0"}}; break;
        case 1: rule = {"tcp", 8000 + r, 8100 + r, {"10." + std::to_string(r) + ".0.0/16", "192.168." + std::to_string(r) + ".0/24"}}; break;
        case 2: rule = {"udp", 5000 + r, 5000 + r, members}; break;
        default: rule = {"icmp", 8, -1, {"172.16.0.0/12"}}; break;
      }
      port.ingress.push_back(rule);
    }
    port.egress.push_back({"-1", -1, -1, {"0.0.0.0/0"}});
    firewall.interfaces.push_back(std::move(port));
  }
  return firewall;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void report(const char* what, std::vector<double> times) {
  std::sort(times.begin(), times.end());
  std::printf("%s: median %.2f ms, worst %.2f ms\n", what, times[times.size() / 2], times.back());
}

}  // namespace

int main(int argc, char** argv) {
  int interfaces = argc > 1 ? std::atoi(argv[1]) : 100;
  int rules = argc > 2 ? std::atoi(argv[2]) : 10;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 20;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "needs root (a scratch network namespace)\n");
    return 2;
  }
  std::string netns = "stratus-fwbench-" + std::to_string(::getpid());
  if (std::system(("ip netns add " + netns).c_str()) != 0) return 1;
  VpcFirewall firewall = make_firewall(interfaces, rules);
  std::vector<double> compile_ms, apply_ms;
  size_t bytes = 0, commands = 0;
  int status = 0;
  for (int round = 0; round < rounds && status == 0; ++round) {
    FirewallRule& changed = firewall.interfaces[round % interfaces].ingress[0];  // a change, as from an API call
    changed.from_port = changed.to_port = 2000 + round;
    auto start = std::chrono::steady_clock::now();
    nlohmann::json ruleset = stratus::net::firewall_ruleset(firewall);
    std::string text = ruleset.dump();
    compile_ms.push_back(ms_since(start));
    bytes = text.size();
    commands = ruleset["nftables"].size();
    start = std::chrono::steady_clock::now();
    auto applied = stratus::net::run_nftables(netns, nlohmann::json::parse(text));
    apply_ms.push_back(ms_since(start));
    if (!applied.ok()) {
      std::fprintf(stderr, "%s\n", applied.error().message.c_str());
      status = 1;
    }
  }
  std::system(("ip netns del " + netns).c_str());
  if (status != 0) return status;
  std::printf("%d interfaces x %d ingress rules (+1 egress rule each): %zu nftables commands, %zu bytes of JSON\n",
              interfaces, rules, commands, bytes);
  report("compile (rules -> JSON text)", compile_ms);
  report("apply (libnftables, one transaction)", apply_ms);
  return 0;
}
