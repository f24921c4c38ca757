#include "compute/pci_slots.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "compute/qemu_command.h"

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

// Root port number (after `port_prefix`) -> the qdev id of the device behind it, for every
// root port of `devices` (and bridges below) with a device that has an id.
void collect(const nlohmann::json& devices, std::string_view port_prefix, std::map<int, std::string>& out) {
  for (const nlohmann::json& device : devices) {
    if (!device.contains("pci_bridge")) continue;
    const nlohmann::json& bridge = device["pci_bridge"];
    auto port = numbered(device.value("qdev_id", ""), port_prefix);
    for (const nlohmann::json& child : bridge.value("devices", nlohmann::json::array())) {
      std::string id = child.value("qdev_id", "");
      if (port && !id.empty()) out[*port] = id;
    }
    collect(bridge.value("devices", nlohmann::json::array()), port_prefix, out);
  }
}

std::map<int, std::string> devices_behind(const nlohmann::json& buses, std::string_view port_prefix) {
  std::map<int, std::string> out;
  for (const nlohmann::json& bus : buses) collect(bus.value("devices", nlohmann::json::array()), port_prefix, out);
  return out;
}

}  // namespace

std::map<int, int> nics_in_slots(const nlohmann::json& buses) {
  std::map<int, int> out;
  for (const auto& [slot, id] : devices_behind(buses, "rpnic")) {
    if (auto index = numbered(id, "nic")) out[slot] = *index;
  }
  return out;
}

std::map<int, std::string> disks_in_slots(const nlohmann::json& buses) {
  std::map<int, std::string> out;
  for (const auto& [port, id] : devices_behind(buses, "rp")) {
    std::string_view prefix = kDiskDevicePrefix;
    if (port >= 1 && id.size() > prefix.size() && id.compare(0, prefix.size(), prefix) == 0) {
      out[port - 1] = id.substr(prefix.size());
    }
  }
  return out;
}

}  // namespace stratus::compute
