#pragma once
// Where a VM's NICs sit, read from QEMU's PCI tree (QMP query-pci): which NIC root ports
// ("rpnic<slot>", qemu_command.h) hold which NIC ("nic<device index>").

#include <map>
#include <nlohmann/json.hpp>

namespace stratus::compute {

// NIC root port slot -> the device index of the NIC behind it, for every occupied NIC slot of
// the query-pci answer `buses`. Other devices and bridges are ignored.
std::map<int, int> nics_in_slots(const nlohmann::json& buses);

}  // namespace stratus::compute
