#include "net/interface_routes.h"

#include <algorithm>

namespace stratus::net {

std::string interface_route_batch(const VpcInterfaceRoutes& routes) {
  const std::string preference = std::to_string(kInterfaceRoutePreference);
  const std::string protocol = std::to_string(kInterfaceRouteProtocol);
  std::string out = "rule flush pref " + preference + "\n" + "route flush table all proto " + protocol + "\n";
  for (size_t i = 0; i < routes.tables.size(); ++i) {
    const InterfaceRouteTable& table = routes.tables[i];
    const std::string number = std::to_string(kFirstInterfaceRouteTable + static_cast<int>(i));
    const std::string suffix = " table " + number + " proto " + protocol + "\n";
    for (const std::string& cidr : routes.vpc_cidrs) out += "route add throw " + cidr + suffix;
    for (const InterfaceRoute& route : table.routes) {
      if (route.next_hop_tap.empty()) {
        out += "route add blackhole " + route.destination + suffix;
      } else if (route.next_hop.empty()) {
        out += "route add " + route.destination + " dev " + route.next_hop_tap + suffix;  // a peering link
      } else {
        out += "route add " + route.destination + " via " + route.next_hop + " dev " + route.next_hop_tap + " onlink" +
               suffix;
      }
    }
    for (const std::string& tap : table.taps) {
      bool is_target = std::any_of(table.routes.begin(), table.routes.end(),
                                   [&](const InterfaceRoute& r) { return !r.next_hop.empty() && r.next_hop_tap == tap; });
      if (!is_target) out += "rule add iif " + tap + " lookup " + number + " pref " + preference + "\n";
    }
    for (const std::string& cidr : table.overlay_sources) {
      out += "rule add iif " + routes.overlay + " from " + cidr + " lookup " + number + " pref " + preference + "\n";
    }
  }
  return out;
}

}  // namespace stratus::net
