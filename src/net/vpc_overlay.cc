#include "net/vpc_overlay.h"

#include <cstdio>
#include <set>

#include "common/cidr.h"

namespace stratus::net {
namespace {

// The underlay addresses of the hosts `overlay` reaches.
std::set<std::string> hosts_of(const VpcOverlay& overlay) {
  std::set<std::string> out;
  for (const RemotePort& port : overlay.remote) out.insert(port.underlay);
  return out;
}

// The remote addresses of `overlay`: address -> its host's underlay.
std::set<std::pair<std::string, std::string>> routes_of(const VpcOverlay& overlay) {
  std::set<std::pair<std::string, std::string>> out;
  for (const RemotePort& port : overlay.remote) out.insert({port.ip, port.underlay});
  return out;
}

}  // namespace

std::string overlay_device(const std::string& vpc_id) {
  std::string hex = vpc_id.substr(vpc_id.find('-') + 1);
  return "vx" + (hex.size() > 13 ? hex.substr(hex.size() - 13) : hex);
}

std::string overlay_mac(const std::string& underlay) {
  uint32_t address = parse_ipv4(underlay).value_or(0);
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:53:%02x:%02x:%02x:%02x", address >> 24, (address >> 16) & 0xff,
                (address >> 8) & 0xff, address & 0xff);
  return mac;
}

std::string overlay_route_batch(const std::string& device, const VpcOverlay& before, const VpcOverlay& after) {
  auto old_routes = routes_of(before), new_routes = routes_of(after);
  std::string out;
  for (const auto& [ip, underlay] : old_routes) {
    if (new_routes.count({ip, underlay})) continue;
    out += "route del " + ip + "/32 dev " + device + "\n";
    out += "neigh del " + ip + " dev " + device + "\n";
  }
  for (const auto& [ip, underlay] : new_routes) {
    if (old_routes.count({ip, underlay})) continue;
    out += "neigh replace " + ip + " lladdr " + overlay_mac(underlay) + " dev " + device + " nud permanent\n";
    out += "route replace " + ip + "/32 dev " + device + "\n";
  }
  return out;
}

std::string overlay_fdb_batch(const std::string& device, const VpcOverlay& before, const VpcOverlay& after) {
  auto old_hosts = hosts_of(before), new_hosts = hosts_of(after);
  std::string out;
  for (const std::string& underlay : old_hosts) {
    if (!new_hosts.count(underlay)) out += "fdb del " + overlay_mac(underlay) + " dev " + device + " self\n";
  }
  for (const std::string& underlay : new_hosts) {
    if (!old_hosts.count(underlay)) {
      out += "fdb replace " + overlay_mac(underlay) + " dev " + device + " dst " + underlay + " self permanent\n";
    }
  }
  return out;
}

}  // namespace stratus::net
