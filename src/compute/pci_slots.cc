#include "compute/pci_slots.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace stratus::compute {
namespace {

// The number after `prefix` in `id` ("rpnic2" with "rpnic" -> 2), or nullopt.
std::optional<int> numbered(std::string_view id, std::string_view prefix) {
  if (id.size() <= prefix.size() || id.substr(0, prefix.size()) != prefix) return std::nullopt;
  int n = 0;
  auto [end, ec] = std::from_chars(id.data() + prefix.size(), id.data() + id.size(), n);
  if (ec != std::errc() || end != id.data() + id.size()) return std::nullopt;
  return n;
}

void collect(const nlohmann::json& devices, std::map<int, int>& out) {
  for (const nlohmann::json& device : devices) {
    if (!device.contains("pci_bridge")) continue;
    const nlohmann::json& bridge = device["pci_bridge"];
    auto slot = numbered(device.value("qdev_id", ""), "rpnic");
    for (const nlohmann::json& child : bridge.value("devices", nlohmann::json::array())) {
      auto index = numbered(child.value("qdev_id", ""), "nic");
      if (slot && index) out[*slot] = *index;
    }
    collect(bridge.value("devices", nlohmann::json::array()), out);
  }
}

}  // namespace

std::map<int, int> nics_in_slots(const nlohmann::json& buses) {
  std::map<int, int> out;
  for (const nlohmann::json& bus : buses) collect(bus.value("devices", nlohmann::json::array()), out);
  return out;
}

}  // namespace stratus::compute
