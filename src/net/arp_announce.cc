#include "net/arp_announce.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/cidr.h"

namespace stratus::net {

std::optional<std::string> interface_with_address(const std::string& address) {
  auto wanted = parse_ipv4(address);
  if (!wanted) return std::nullopt;
  struct ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return std::nullopt;
  std::optional<std::string> out;
  for (struct ifaddrs* a = all; a != nullptr && !out; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    uint32_t held = ntohl(reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
    if (held == *wanted) out = a->ifa_name;
  }
  ::freeifaddrs(all);
  return out;
}

Result<bool> announce_address(const std::string& interface, const std::string& address) {
  auto ip = parse_ipv4(address);
  unsigned index = ::if_nametoindex(interface.c_str());
  if (!ip || index == 0) return ApiError{"InternalError", "cannot announce " + address + " on " + interface};
  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (fd < 0) return ApiError{"InternalError", std::string("ARP socket: ") + std::strerror(errno)};
  struct ifreq request {};
  std::strncpy(request.ifr_name, interface.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
    int error = errno;
    ::close(fd);
    return ApiError{"InternalError", "the MAC of " + interface + ": " + std::strerror(error)};
  }
  struct ether_arp arp {};
  arp.arp_hrd = htons(ARPHRD_ETHER);
  arp.arp_pro = htons(ETHERTYPE_IP);
  arp.arp_hln = ETH_ALEN;
  arp.arp_pln = 4;
  arp.arp_op = htons(ARPOP_REQUEST);
  std::memcpy(arp.arp_sha, request.ifr_hwaddr.sa_data, ETH_ALEN);
  uint32_t network_order = htonl(*ip);
  std::memcpy(arp.arp_spa, &network_order, 4);  // sender and target: the address itself
  std::memcpy(arp.arp_tpa, &network_order, 4);
  struct sockaddr_ll to {};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = static_cast<int>(index);
  to.sll_halen = ETH_ALEN;
  std::memset(to.sll_addr, 0xff, ETH_ALEN);  // broadcast
  ssize_t sent = ::sendto(fd, &arp, sizeof arp, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  int error = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(sizeof arp)) {
    return ApiError{"InternalError", "announcing " + address + ": " + std::strerror(error)};
  }
  return true;
}

}  // namespace stratus::net
