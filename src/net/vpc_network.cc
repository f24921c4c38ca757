#include "net/vpc_network.h"

#include <net/if.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "net/arp_announce.h"
#include "net/netns.h"
#include "net/nftables.h"

namespace stratus::net {
namespace {

namespace fs = std::filesystem;

std::string netmask(int prefix) { return format_ipv4(prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix)); }

// Replaces the file at `path` with `lines` (through a temporary file renamed over it).
Result<bool> write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& line : lines) out << line << "\n";
    if (!out) return ApiError{"InternalError", "cannot write " + tmp.string()};
  }
  fs::rename(tmp, path);
  return true;
}

// The address of a line of dnsmasq's lease file ("expiry MAC address name client-id"), or "".
std::string leased_address(const std::string& lease) {
  std::istringstream fields(lease);
  std::string expiry, mac, address;
  return fields >> expiry >> mac >> address ? address : "";
}

// Whether the lease file `leases` has a lease on `address`.
bool leased(const fs::path& leases, const std::string& address) {
  std::ifstream in(leases);
  for (std::string line; std::getline(in, line);) {
    if (leased_address(line) == address) return true;
  }
  return false;
}

// Rewrites the lease file `leases` without its leases on `address` (while its server is down).
Result<bool> drop_lease(const fs::path& leases, const std::string& address) {
  std::vector<std::string> kept;
  {
    std::ifstream in(leases);
    for (std::string line; std::getline(in, line);) {
      if (leased_address(line) != address) kept.push_back(line);
    }
  }
  return write_lines(leases, kept);
}

// The live dnsmasq recorded in `pid_file`, else 0.
pid_t live_pid(const fs::path& pid_file) { return compute::daemon_pid(pid_file.string()); }

// The last `n` characters of an AWS id's hex part.
std::string tail(const std::string& id, size_t n) {
  std::string hex = id.substr(id.find('-') + 1);
  return hex.size() > n ? hex.substr(hex.size() - n) : hex;
}

}  // namespace

VpcNetwork::VpcNetwork(compute::ProcessRunner& runner, fs::path state_dir, NetworkSlot slot, HostNetwork host)
    : runner_(runner), state_dir_(std::move(state_dir)), slot_(std::move(slot)), host_(std::move(host)) {}

std::string VpcNetwork::netns_name(const std::string& vpc_id) const { return "stratus-" + host_.netns_prefix + vpc_id; }
std::string VpcNetwork::tap_name(const std::string& eni_id) { return "st" + tail(eni_id, 13); }
std::string VpcNetwork::peering_link(const std::string& pcx_id) { return "px" + tail(pcx_id, 13); }

fs::path VpcNetwork::file(const std::string& owner, const std::string& suffix) const {
  return state_dir_ / (owner + "." + suffix);
}

Result<bool> VpcNetwork::ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  if (runner_.run(argv) != 0) {
    std::string text;
    for (const auto& a : argv) text += a + " ";
    return ApiError{"InternalError", "network setup failed: " + text};
  }
  return true;
}

Result<bool> VpcNetwork::in_netns(const std::string& vpc_id, const std::vector<std::string>& command) {
  std::vector<std::string> args = {"netns", "exec", netns_name(vpc_id)};
  args.insert(args.end(), command.begin(), command.end());
  return ip(args);
}

Result<bool> VpcNetwork::ensure_dnsmasq(const std::string& vpc_id, const fs::path& pid_file,
                                        std::vector<std::string> args) {
  if (live_pid(pid_file) != 0) return true;
  // dnsmasq daemonizes and writes its pid file; it keeps running when stratus restarts.
  std::vector<std::string> command = {"dnsmasq", "--conf-file=/dev/null", "--user=root", "--group=root",
                                      "--pid-file=" + pid_file.string()};
  command.insert(command.end(), args.begin(), args.end());
  return in_netns(vpc_id, command);
}

Result<bool> VpcNetwork::update_hosts(const fs::path& hosts, const fs::path& pid_file, const std::string& match,
                                      const std::string& line) {
  std::vector<std::string> kept;
  {
    std::ifstream in(hosts);
    std::string existing;
    while (std::getline(in, existing)) {
      if (!existing.empty() && existing.find(match) == std::string::npos) kept.push_back(existing);
    }
  }
  if (!line.empty()) kept.push_back(line);
  auto written = write_lines(hosts, kept);
  if (!written.ok()) return written;
  if (pid_t pid = live_pid(pid_file)) ::kill(pid, SIGHUP);  // dnsmasq re-reads hosts files
  return true;
}

Result<bool> VpcNetwork::ensure_vpc(const std::string& vpc_id, const Ipv4Cidr& vpc_cidr, const std::string& domain,
                                    const std::string& s3_name) {
  std::error_code ec;
  fs::create_directories(state_dir_, ec);
  if (ec) return ApiError{"InternalError", "cannot create " + state_dir_.string() + ": " + ec.message()};
  std::string ns = netns_name(vpc_id);
  std::string resolver = format_ipv4(vpc_cidr.base + 2);
  if (!has_namespace(vpc_id)) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"netns", "add", ns},
             {"-n", ns, "link", "set", "lo", "up"},
             {"-n", ns, "addr", "add", "169.254.169.254/32", "dev", "lo"},
             {"-n", ns, "addr", "add", resolver + "/32", "dev", "lo"}}) {
      auto done = ip(args);
      if (!done.ok()) return done;
    }
    auto forward = in_netns(vpc_id, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=1"});
    if (!forward.ok()) return forward;
  }
  // Also in namespaces made before S3 answered in them ("replace": no error when it is there).
  auto s3 = ip({"-n", ns, "addr", "replace", std::string(kS3Address) + "/32", "dev", "lo"});
  if (!s3.ok()) return s3;
  fs::path hosts = file(vpc_id, "dns.hosts");
  if (!fs::exists(hosts)) std::ofstream(hosts).flush();
  std::vector<std::string> args = {"--port=53", "--listen-address=" + resolver, "--bind-interfaces", "--no-resolv",
                                   "--no-hosts", "--addn-hosts=" + hosts.string(), "--domain=" + domain,
                                   "--expand-hosts", "--log-facility=" + file(vpc_id, "dns.log").string()};
  if (!s3_name.empty()) args.push_back("--address=/" + s3_name + "/" + kS3Address);  // the name and every name under it
  return ensure_dnsmasq(vpc_id, file(vpc_id, "dns.pid"), args);
}

Result<bool> VpcNetwork::ensure_subnet(const std::string& vpc_id, const Ipv4Cidr& vpc_cidr,
                                       const std::string& subnet_id, const Ipv4Cidr& subnet_cidr,
                                       const std::string& domain) {
  fs::path ranges = file(vpc_id, "dhcp.ranges");
  std::string line = subnet_id + " " + subnet_cidr.str();
  bool known = false;
  {
    std::ifstream in(ranges);
    std::string existing;
    while (std::getline(in, existing)) known = known || existing == line;
  }
  if (known && live_pid(file(vpc_id, "dhcp.pid")) != 0) return true;
  if (!known) std::ofstream(ranges, std::ios::app) << line << "\n";
  // The options it ran with or set_dhcp_options() recorded; before any, the VPC resolver and `domain`.
  return restart_dhcp(vpc_id, recorded_dhcp_options(vpc_id).value_or(std::vector<std::string>{
                                  "--dhcp-option=option:dns-server," + format_ipv4(vpc_cidr.base + 2),
                                  "--domain=" + domain}));
}

std::optional<std::vector<std::string>> VpcNetwork::recorded_dhcp_options(const std::string& vpc_id) const {
  std::ifstream in(file(vpc_id, "dhcp.options"));
  if (!in) return std::nullopt;
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg);) args.push_back(arg);
  return args;
}

void VpcNetwork::stop_dhcp(const std::string& vpc_id) {
  pid_t pid = live_pid(file(vpc_id, "dhcp.pid"));
  if (pid == 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && compute::process_alive(pid); ++i) ::usleep(10000);
  if (!compute::process_alive(pid)) return;
  ::kill(pid, SIGKILL);  // a server that does not answer SIGTERM (stopped, stuck) would keep port 67
  for (int i = 0; i < 100 && compute::process_alive(pid); ++i) ::usleep(10000);
}

Result<bool> VpcNetwork::record_dhcp_options(const std::string& vpc_id, const std::vector<std::string>& option_args) {
  if (recorded_dhcp_options(vpc_id) == option_args) return true;
  return write_lines(file(vpc_id, "dhcp.options"), option_args);
}

Result<bool> VpcNetwork::restart_dhcp(const std::string& vpc_id, const std::vector<std::string>& option_args) {
  stop_dhcp(vpc_id);
  auto recorded = record_dhcp_options(vpc_id, option_args);
  if (!recorded.ok()) return recorded;
  fs::path pid_file = file(vpc_id, "dhcp.pid");
  fs::path hosts = file(vpc_id, "dhcp.hosts");
  if (!fs::exists(hosts)) std::ofstream(hosts).flush();
  // Every tap ("st...") of the VPC, including those plugged in later (--bind-dynamic). A
  // request is answered from the range of the subnet whose gateway address its tap carries,
  // and only for a reserved MAC (static ranges).
  std::vector<std::string> args = {"--port=0", "--interface=st*", "--bind-dynamic", "--except-interface=lo",
                                   "--dhcp-hostsfile=" + hosts.string(),
                                   "--dhcp-leasefile=" + file(vpc_id, "dhcp.leases").string(), "--dhcp-authoritative",
                                   "--log-facility=" + file(vpc_id, "dhcp.log").string()};
  args.insert(args.end(), option_args.begin(), option_args.end());
  // Room for VXLAN's header when VPCs span hosts.
  if (!host_.underlay.empty()) args.push_back("--dhcp-option=option:mtu," + std::to_string(kOverlayMtu));
  std::ifstream in(file(vpc_id, "dhcp.ranges"));
  std::string subnet_id, cidr_text;
  while (in >> subnet_id >> cidr_text) {
    auto cidr = Ipv4Cidr::parse(cidr_text);
    if (!cidr) continue;
    args.push_back("--dhcp-range=set:" + subnet_id + "," + format_ipv4(cidr->base) + ",static," + netmask(cidr->prefix));
    args.push_back("--dhcp-option=tag:" + subnet_id + ",option:router," + format_ipv4(cidr->base + 1));
  }
  return ensure_dnsmasq(vpc_id, pid_file, args);
}

Result<bool> VpcNetwork::set_dhcp_options(const std::string& vpc_id, const DhcpOptions& options) {
  std::vector<std::string> wanted = dhcp_option_args(options);
  if (recorded_dhcp_options(vpc_id) == wanted) return true;
  // A running server takes them by restarting; one not started yet reads them when it starts.
  if (live_pid(file(vpc_id, "dhcp.pid")) == 0) return record_dhcp_options(vpc_id, wanted);
  return restart_dhcp(vpc_id, wanted);
}

Result<bool> VpcNetwork::ensure_port(const std::string& vpc_id, const Ipv4Cidr& subnet_cidr, const Port& port) {
  std::string ns = netns_name(vpc_id);
  std::string tap = tap_name(port.eni_id);
  if (runner_.run({"ip", "-n", ns, "link", "show", tap}, /*quiet=*/true) != 0) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"-n", ns, "tuntap", "add", tap, "mode", "tap"},
             {"-n", ns, "addr", "add", format_ipv4(subnet_cidr.base + 1) + "/32", "dev", tap},
             {"-n", ns, "link", "set", tap, "up"}}) {
      auto done = ip(args);
      if (!done.ok()) return done;
    }
    // The VPC router answers ARP on the tap for every other address of the subnet.
    auto proxy = in_netns(vpc_id, {"sysctl", "-q", "-w", "net.ipv4.conf." + tap + ".proxy_arp=1"});
    if (!proxy.ok()) return proxy;
  }
  auto routed = ip({"-n", ns, "route", "replace", port.ip + "/32", "dev", tap});
  if (!routed.ok()) return routed;
  auto dhcp = update_hosts(file(vpc_id, "dhcp.hosts"), file(vpc_id, "dhcp.pid"), port.mac,
                           port.mac + "," + port.ip + "," + port.hostname);
  if (!dhcp.ok()) return dhcp;
  return update_hosts(file(vpc_id, "dns.hosts"), file(vpc_id, "dns.pid"), " " + port.hostname,
                      port.ip + " " + port.hostname);
}

Result<bool> VpcNetwork::remove_port(const std::string& vpc_id, const Port& port) {
  std::string ns = netns_name(vpc_id);
  std::string tap = tap_name(port.eni_id);
  bool tapped = runner_.run({"ip", "-n", ns, "link", "show", tap}, /*quiet=*/true) == 0;
  auto forgotten = forget_lease(vpc_id, port, tapped);
  if (!forgotten.ok()) return forgotten;
  if (tapped) {
    auto done = ip({"-n", ns, "link", "del", tap});  // its address and route go with it
    if (!done.ok()) return done;
  }
  auto dhcp = update_hosts(file(vpc_id, "dhcp.hosts"), file(vpc_id, "dhcp.pid"), port.mac, "");
  if (!dhcp.ok()) return dhcp;
  return update_hosts(file(vpc_id, "dns.hosts"), file(vpc_id, "dns.pid"), " " + port.hostname, "");
}

Result<bool> VpcNetwork::forget_lease(const std::string& vpc_id, const Port& port, bool tapped) {
  fs::path leases = file(vpc_id, "dhcp.leases");
  if (!leased(leases, port.ip)) return true;
  if (tapped) {
    runner_.run({"ip", "netns", "exec", netns_name(vpc_id), "dhcp_release", tap_name(port.eni_id), port.ip, port.mac},
                /*quiet=*/true);
    // dnsmasq reads the release in its own time, and drops it if the tap is gone by then.
    for (int i = 0; i < 100 && leased(leases, port.ip); ++i) ::usleep(20000);
    if (!leased(leases, port.ip)) return true;
  }
  // Not released (no tap to send it through, or a server that did not take it): the server
  // starts again without the lease (it reads its lease file only when it starts).
  stop_dhcp(vpc_id);
  auto dropped = drop_lease(leases, port.ip);
  if (!dropped.ok()) return dropped;
  auto options = recorded_dhcp_options(vpc_id);
  return options ? restart_dhcp(vpc_id, *options) : Result<bool>(true);  // none: it never ran
}

bool VpcNetwork::has_namespace(const std::string& vpc_id) const { return fs::exists("/run/netns/" + netns_name(vpc_id)); }

std::vector<std::string> VpcNetwork::vpcs() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state_dir_, ec)) {
    std::string name = entry.path().filename().string();
    const std::string suffix = ".dns.pid";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(name.substr(0, name.size() - suffix.size()));
    }
  }
  return out;
}

namespace {

constexpr const char* kEdgeLink = "uplink";  // the edge's end of the host<->edge veth
// The metric of the host's unreachable route for the slot's pool: above the edge's route (0).
constexpr const char* kPoolHoldMetric = "4000000000";

// The uplink of `vpc_id`'s namespace as the edge names its end.
std::string edge_side(const std::string& vpc_id) { return "ve" + tail(vpc_id, 13); }

}  // namespace

Result<bool> VpcNetwork::hold_public_pool() {
  if (spans_hosts()) return true;  // public addresses are reached over the underlay
  return ip({"route", "replace", "unreachable", slot_.public_pool.str(), "metric", kPoolHoldMetric});
}

Result<bool> VpcNetwork::ensure_edge() {
  const std::string& edge = slot_.edge_netns;
  if (fs::exists("/run/netns/" + edge)) return true;
  // The host's end of the veth of an edge deleted moments ago may outlive it (the kernel
  // dismantles namespaces asynchronously) and would take the name; the slot's lease makes it ours.
  (void)runner_.run({"ip", "link", "del", slot_.host_link}, /*quiet=*/true);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"netns", "add", edge},
           {"-n", edge, "link", "set", "lo", "up"},
           {"link", "add", slot_.host_link, "type", "veth", "peer", "name", kEdgeLink, "netns", edge},
           {"addr", "add", slot_.host_address + "/30", "dev", slot_.host_link},
           {"link", "set", slot_.host_link, "up"},
           {"-n", edge, "addr", "add", slot_.edge_address + "/30", "dev", kEdgeLink},
           {"-n", edge, "link", "set", kEdgeLink, "up"},
           // Only the public pool is routed into the edge; nothing leaves towards the uplink.
           {"route", "replace", slot_.public_pool.str(), "via", slot_.edge_address, "dev", slot_.host_link}}) {
    auto done = ip(args);
    if (!done.ok()) return done;
  }
  // Except on a host among others: public addresses are reached over the underlay, and replies
  // go back the same way.
  if (spans_hosts()) {
    auto routed = ip({"-n", edge, "route", "replace", "default", "via", slot_.host_address});
    if (!routed.ok()) return routed;
  }
  return ip({"netns", "exec", edge, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"});
}

Result<bool> VpcNetwork::ensure_uplink(const std::string& vpc_id) {
  std::string ns = netns_name(vpc_id);
  if (runner_.run({"ip", "-n", ns, "link", "show", kVpcUplink}, /*quiet=*/true) == 0) return true;
  const std::string& edge = slot_.edge_netns;
  std::string end = edge_side(vpc_id);
  // An edge end left by an earlier namespace of this VPC (the kernel may keep a deleted
  // namespace, and its veth, alive for minutes) would take the name: delete it first.
  (void)runner_.run({"ip", "-n", edge, "link", "del", end}, /*quiet=*/true);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-n", ns, "link", "add", kVpcUplink, "type", "veth", "peer", "name", end, "netns", edge},
           {"-n", ns, "link", "set", kVpcUplink, "up"},
           {"-n", edge, "link", "set", end, "up"}}) {
    auto done = ip(args);
    if (!done.ok()) return done;
  }
  return ip({"netns", "exec", edge, "sysctl", "-q", "-w", "net.ipv4.conf." + end + ".proxy_arp=1"});
}

Result<bool> VpcNetwork::apply_nat(const std::string& vpc_id) {
  std::ifstream in(file(vpc_id, "nat"));
  std::string pre, post, public_ip, private_ip;
  while (in >> public_ip >> private_ip) {
    pre += "    ip daddr " + public_ip + " dnat to " + private_ip + "\n";
    post += "    ip saddr " + private_ip + " oifname \"" + kVpcUplink + "\" snat to " + public_ip + "\n";
  }
  fs::path rules = file(vpc_id, "nft");
  {
    std::ofstream out(rules, std::ios::trunc);
    // Create-then-delete makes the replacement atomic whether or not the table existed.
    out << "table ip stratus_nat\ndelete table ip stratus_nat\ntable ip stratus_nat {\n"
        << "  chain pre {\n    type nat hook prerouting priority dstnat;\n" << pre << "  }\n"
        << "  chain post {\n    type nat hook postrouting priority srcnat;\n" << post << "  }\n}\n";
  }
  return in_netns(vpc_id, {"nft", "-f", rules.string()});
}

std::map<std::string, std::string> VpcNetwork::published(const std::string& vpc_id) const {
  std::map<std::string, std::string> out;
  std::ifstream in(file(vpc_id, "nat"));
  std::string public_ip, private_ip;
  while (in >> public_ip >> private_ip) out[public_ip] = private_ip;
  return out;
}

bool VpcNetwork::outside_pool(const std::string& public_ip) const {
  auto address = parse_ipv4(public_ip);
  return !address || !slot_.public_pool.contains(Ipv4Cidr{*address, 32});
}

Result<bool> VpcNetwork::set_proxy_arp(const std::string& public_ip, bool answer) {
  if (underlay_interface_.empty()) underlay_interface_ = interface_with_address(host_.underlay).value_or("");
  if (underlay_interface_.empty()) return ApiError{"InternalError", "no interface has the underlay address " + host_.underlay};
  if (!answer) {
    announcements_.erase(public_ip);
    (void)runner_.run({"ip", "neigh", "del", "proxy", public_ip, "dev", underlay_interface_}, /*quiet=*/true);
    return true;
  }
  auto done = ip({"neigh", "replace", "proxy", public_ip, "dev", underlay_interface_});
  if (done.ok()) announcements_[public_ip] = {3, std::chrono::steady_clock::now()};
  return done;
}

void VpcNetwork::send_due_announcements() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = announcements_.begin(); it != announcements_.end();) {
    Announcement& a = it->second;
    if (a.next <= now) {
      auto sent = announce_address(underlay_interface_, it->first);
      if (!sent.ok()) std::fprintf(stderr, "stratus: %s\n", sent.error().message.c_str());
      --a.left;
      a.next = now + std::chrono::seconds(1);
    }
    it = a.left > 0 ? std::next(it) : announcements_.erase(it);
  }
}

Result<bool> VpcNetwork::set_published(const std::string& vpc_id,
                                       const std::map<std::string, std::string>& public_to_private) {
  send_due_announcements();
  std::map<std::string, std::string> current = published(vpc_id);
  if (current == public_to_private) return true;
  std::string ns = netns_name(vpc_id);
  const std::string& edge = slot_.edge_netns;
  for (const auto& [public_ip, private_ip] : current) {
    if (public_to_private.count(public_ip)) continue;
    (void)runner_.run({"ip", "-n", ns, "addr", "del", public_ip + "/32", "dev", kVpcUplink}, /*quiet=*/true);
    (void)runner_.run({"ip", "-n", edge, "route", "del", public_ip + "/32", "dev", edge_side(vpc_id)}, /*quiet=*/true);
    if (outside_pool(public_ip)) {
      (void)runner_.run({"ip", "route", "del", public_ip + "/32", "dev", slot_.host_link}, /*quiet=*/true);
    }
    if (spans_hosts()) (void)set_proxy_arp(public_ip, false);
  }
  if (!public_to_private.empty()) {
    for (auto step : {ensure_edge(), ensure_uplink(vpc_id)}) {
      if (!step.ok()) return step;
    }
  }
  for (const auto& [public_ip, private_ip] : public_to_private) {
    // The public address is local to the VPC namespace (so it answers ARP from the edge) and
    // DNAT turns it into the private one before local delivery.
    std::vector<std::vector<std::string>> steps = {
        {"-n", ns, "addr", "replace", public_ip + "/32", "dev", kVpcUplink},
        // The edge answers ARP for the host's side, so the default route needs no gateway.
        // (Set each time: the kernel drops it when the uplink loses its last address.)
        {"-n", ns, "route", "replace", "default", "dev", kVpcUplink},
        {"-n", edge, "route", "replace", public_ip + "/32", "dev", edge_side(vpc_id)}};
    // Given out before pools were per slot (anywhere in 198.19.0.0/16): the host routes it
    // into this edge on its own.
    if (outside_pool(public_ip)) {
      steps.push_back({"route", "replace", public_ip + "/32", "via", slot_.edge_address, "dev", slot_.host_link});
    }
    for (const auto& args : steps) {
      auto done = ip(args);
      if (!done.ok()) return done;
    }
    if (spans_hosts() && !current.count(public_ip)) {
      auto answered = set_proxy_arp(public_ip, true);
      if (!answered.ok()) return answered;
    }
  }
  send_due_announcements();  // the first of the new ones at once
  fs::path mapping = file(vpc_id, "nat");
  {
    std::ofstream out(mapping.string() + ".tmp", std::ios::trunc);
    for (const auto& [public_ip, private_ip] : public_to_private) out << public_ip << " " << private_ip << "\n";
    if (!out) return ApiError{"InternalError", "cannot write " + mapping.string()};
  }
  fs::rename(mapping.string() + ".tmp", mapping);
  return apply_nat(vpc_id);
}

Result<bool> VpcNetwork::apply_firewall(const std::string& vpc_id, const VpcFirewall& firewall) {
  auto applied = firewalls_.find(vpc_id);
  if (applied != firewalls_.end() && applied->second == firewall) return true;  // no compile either
  auto done = run_nftables(netns_name(vpc_id), firewall_ruleset(firewall));
  if (!done.ok()) return done;
  firewalls_[vpc_id] = firewall;
  return true;
}

Result<bool> VpcNetwork::set_interface_routes(const std::string& vpc_id, const VpcInterfaceRoutes& routes) {
  auto applied = routes_.find(vpc_id);
  if (applied != routes_.end() && applied->second == routes) return true;
  // A target whose port (or peering link) is not plugged yet (its instance is still being
  // started) drops for now;
  // the routes are then not remembered as applied, so the next call tries again.
  VpcInterfaceRoutes now = routes;
  bool complete = true;
  for (InterfaceRouteTable& table : now.tables) {
    for (InterfaceRoute& route : table.routes) {
      if (route.next_hop_tap.empty()) continue;  // a blackhole already
      if (runner_.run({"ip", "-n", netns_name(vpc_id), "link", "show", route.next_hop_tap}, /*quiet=*/true) != 0) {
        route = {route.destination, "", ""};
        complete = false;
      }
    }
  }
  fs::path batch = file(vpc_id, "routes");
  {
    std::ofstream out(batch, std::ios::trunc);
    out << interface_route_batch(now);
    if (!out) return ApiError{"InternalError", "cannot write " + batch.string()};
  }
  auto done = ip({"-n", netns_name(vpc_id), "-batch", batch.string()});
  if (!done.ok()) return done;
  if (complete) routes_[vpc_id] = routes;
  return true;
}

VpcOverlay VpcNetwork::recorded_overlay(const std::string& vpc_id) const {
  VpcOverlay out;
  std::ifstream in(file(vpc_id, "overlay"));
  in >> out.vni;
  RemotePort port;
  while (in >> port.ip >> port.hostname >> port.underlay) out.remote.push_back(port);
  return out;
}

Result<bool> VpcNetwork::ensure_overlay_device(const std::string& vpc_id, uint32_t vni) {
  std::string ns = netns_name(vpc_id), device = overlay_device(vpc_id);
  if (runner_.run({"ip", "-n", ns, "link", "show", device}, /*quiet=*/true) == 0) return false;
  // One left in this namespace by a crash between creating and moving it would take the name.
  (void)runner_.run({"ip", "link", "del", device}, /*quiet=*/true);
  for (const auto& args : std::vector<std::vector<std::string>>{
           // Its UDP socket stays in this namespace, where the underlay address is.
           {"link", "add", device, "type", "vxlan", "id", std::to_string(vni), "local", host_.underlay, "dstport",
            std::to_string(kVxlanPort), "nolearning"},
           {"link", "set", device, "address", overlay_mac(host_.underlay), "mtu", std::to_string(kOverlayMtu), "netns", ns},
           {"-n", ns, "link", "set", device, "up"}}) {
    auto done = ip(args);
    if (!done.ok()) return done;
  }
  return true;
}

Result<bool> VpcNetwork::set_overlay(const std::string& vpc_id, const VpcOverlay& overlay) {
  auto applied = overlays_.find(vpc_id);
  if (applied != overlays_.end() && applied->second == overlay) return true;
  VpcOverlay before = recorded_overlay(vpc_id);
  auto created = ensure_overlay_device(vpc_id, overlay.vni);
  if (!created.ok()) return created;
  std::set<std::string> named;  // the remote names the resolver has
  for (const RemotePort& port : before.remote) named.insert(port.ip + " " + port.hostname);
  if (created.value()) before.remote.clear();  // a new device has no neighbours, routes or entries
  std::string ns = netns_name(vpc_id), device = overlay_device(vpc_id);
  fs::path routes = file(vpc_id, "overlay.ip"), fdb = file(vpc_id, "overlay.fdb");
  {
    std::ofstream r(routes, std::ios::trunc), f(fdb, std::ios::trunc);
    r << overlay_route_batch(device, before, overlay);
    f << overlay_fdb_batch(device, before, overlay);
    if (!r || !f) return ApiError{"InternalError", "cannot write " + routes.string()};
  }
  // -force: deleting what a crash already took away is no failure.
  auto routed = ip({"-n", ns, "-force", "-batch", routes.string()});
  if (!routed.ok()) return routed;
  if (runner_.run({"bridge", "-n", ns, "-force", "-batch", fdb.string()}) != 0) {
    return ApiError{"InternalError", "network setup failed: bridge -batch " + fdb.string()};
  }
  std::set<std::string> wanted;
  for (const RemotePort& port : overlay.remote) wanted.insert(port.ip + " " + port.hostname);
  for (const std::string& line : named) {
    if (wanted.count(line)) continue;
    auto unnamed = update_hosts(file(vpc_id, "dns.hosts"), file(vpc_id, "dns.pid"), line.substr(line.find(' ')), "");
    if (!unnamed.ok()) return unnamed;
  }
  for (const std::string& line : wanted) {
    if (named.count(line)) continue;
    auto renamed = update_hosts(file(vpc_id, "dns.hosts"), file(vpc_id, "dns.pid"), line.substr(line.find(' ')), line);
    if (!renamed.ok()) return renamed;
  }
  fs::path record = file(vpc_id, "overlay");
  {
    std::ofstream out(record.string() + ".tmp", std::ios::trunc);
    out << overlay.vni << "\n";
    for (const RemotePort& port : overlay.remote) out << port.ip << " " << port.hostname << " " << port.underlay << "\n";
    if (!out) return ApiError{"InternalError", "cannot write " + record.string()};
  }
  fs::rename(record.string() + ".tmp", record);
  overlays_[vpc_id] = overlay;
  return true;
}

Result<bool> VpcNetwork::ensure_peering(const std::string& pcx_id, const std::string& vpc_a,
                                        const std::string& address_a, const std::string& vpc_b,
                                        const std::string& address_b) {
  std::string link = peering_link(pcx_id);
  std::string a = netns_name(vpc_a), b = netns_name(vpc_b);
  bool up = runner_.run({"ip", "-n", a, "link", "show", link}, /*quiet=*/true) == 0 &&
            runner_.run({"ip", "-n", b, "link", "show", link}, /*quiet=*/true) == 0;
  if (!up) {
    (void)runner_.run({"ip", "-n", a, "link", "del", link}, /*quiet=*/true);  // a half left by a crash
    (void)runner_.run({"ip", "-n", b, "link", "del", link}, /*quiet=*/true);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"-n", a, "link", "add", link, "type", "veth", "peer", "name", link, "netns", b},
             {"-n", a, "addr", "add", address_a + "/32", "dev", link},
             {"-n", b, "addr", "add", address_b + "/32", "dev", link},
             {"-n", a, "link", "set", link, "up"},
             {"-n", b, "link", "set", link, "up"}}) {
      auto done = ip(args);
      if (!done.ok()) return done;
    }
    for (const std::string& vpc : {vpc_a, vpc_b}) {
      auto proxy = in_netns(vpc, {"sysctl", "-q", "-w", "net.ipv4.conf." + link + ".proxy_arp=1"});
      if (!proxy.ok()) return proxy;
    }
  }
  fs::path record = file(pcx_id, "peering");
  if (!fs::exists(record)) {
    std::ofstream out(record, std::ios::trunc);
    out << vpc_a << " " << vpc_b << "\n";
    if (!out) return ApiError{"InternalError", "cannot write " + record.string()};
  }
  return true;
}

Result<bool> VpcNetwork::remove_peering(const std::string& pcx_id) {
  auto known = peerings();
  auto it = known.find(pcx_id);
  if (it != known.end()) {
    // Deleting one end deletes the pair; either namespace may already be gone.
    for (const std::string& vpc : {it->second.first, it->second.second}) {
      if (has_namespace(vpc)) (void)runner_.run({"ip", "-n", netns_name(vpc), "link", "del", peering_link(pcx_id)}, true);
    }
  }
  std::error_code ec;
  fs::remove(file(pcx_id, "peering"), ec);
  return true;
}

std::map<std::string, std::pair<std::string, std::string>> VpcNetwork::peerings() const {
  std::map<std::string, std::pair<std::string, std::string>> out;
  std::error_code ec;
  const std::string suffix = ".peering";
  for (const auto& entry : fs::directory_iterator(state_dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::ifstream in(entry.path());
    std::string a, b;
    if (in >> a >> b) out[name.substr(0, name.size() - suffix.size())] = {a, b};
  }
  return out;
}

bool VpcNetwork::has_lease(const std::string& vpc_id, const std::string& mac) const {
  std::ifstream in(file(vpc_id, "dhcp.leases"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + mac + " ") != std::string::npos) return true;
  }
  return false;
}

Result<bool> VpcNetwork::remove_vpc(const std::string& vpc_id) {
  // Its public addresses first: their routes and ARP answers are outside its namespace.
  if (has_namespace(vpc_id)) (void)set_published(vpc_id, {});
  overlays_.erase(vpc_id);
  firewalls_.erase(vpc_id);
  routes_.erase(vpc_id);
  // The VPC's files (its resolver's and its DHCP server's) start with its id.
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(state_dir_, ec)) {
    if (entry.path().filename().string().rfind(vpc_id + ".", 0) == 0) files.push_back(entry.path());
  }
  for (const fs::path& path : files) {
    if (path.extension() != ".pid") continue;
    if (pid_t pid = live_pid(path)) {
      ::kill(pid, SIGTERM);
      for (int i = 0; i < 100 && compute::process_alive(pid); ++i) ::usleep(10000);
    }
  }
  for (const fs::path& path : files) fs::remove(path, ec);
  if (has_namespace(vpc_id)) {
    auto deleted = ip({"netns", "del", netns_name(vpc_id)});
    if (!deleted.ok()) return deleted;
  }
  // The kernel dismantles a deleted namespace asynchronously (here it has kept one, and the
  // uplink veth with it, for minutes): delete the uplink's edge end (and so the pair) now.
  (void)runner_.run({"ip", "-n", slot_.edge_netns, "link", "del", edge_side(vpc_id)}, /*quiet=*/true);
  return remove_idle_edge();
}

Result<bool> VpcNetwork::remove_idle_edge() {
  const std::string& edge = slot_.edge_netns;
  if (!fs::exists("/run/netns/" + edge)) return true;
  // VPC uplinks in the edge are named "ve...": while one remains, some VPC still uses it.
  bool in_use = false;
  auto listed = run_in_netns(edge, [&] {
    if (struct if_nameindex* links = ::if_nameindex()) {
      for (struct if_nameindex* l = links; l->if_index != 0; ++l) in_use = in_use || std::string(l->if_name).rfind("ve", 0) == 0;
      ::if_freenameindex(links);
    }
  });
  if (!listed.ok()) return listed;
  if (in_use) return true;
  return ip({"netns", "del", edge});  // its veth to the host, and the host's routes, go with it
}

}  // namespace stratus::net
