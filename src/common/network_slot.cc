#include "common/network_slot.h"

#include <cassert>

namespace stratus {

NetworkSlot network_slot(int index) {
  assert(index >= 0 && index < kNetworkSlots);
  const uint32_t link_base = *parse_ipv4("198.18.0.0") + 4 * static_cast<uint32_t>(index);  // a /30 per slot
  const uint32_t pool_base = *parse_ipv4("198.19.0.0") + (static_cast<uint32_t>(index) << 12);  // a /20 per slot
  std::string suffix = index == 0 ? "" : std::to_string(index);
  return NetworkSlot{index,
                     index == 0 ? "stratus-edge" : "stratus-edge-" + suffix,
                     "stratus-edge" + suffix,
                     format_ipv4(link_base + 1),
                     format_ipv4(link_base + 2),
                     Ipv4Cidr{pool_base, 20}};
}

}  // namespace stratus
