#pragma once
// Where a VM's hot-pluggable devices sit, read from QEMU's PCI tree (QMP query-pci): which NIC
// root ports ("rpnic<slot>") hold which NIC ("nic<device index>"), and which disk root ports
// ("rp<slot + 1>"; "rp0" holds the root disk) hold which volume's disk ("disk-<volume id>").
// See qemu_command.h.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace stratus::compute {

// NIC root port slot -> the device index of the NIC behind it, for every occupied NIC slot of
// the query-pci answer `buses`. Other devices and bridges are ignored.
std::map<int, int> nics_in_slots(const nlohmann::json& buses);

// Disk root port slot -> the volume id of the disk behind it, for every occupied disk slot of
// the query-pci answer `buses`.
std::map<int, std::string> disks_in_slots(const nlohmann::json& buses);

}  // namespace stratus::compute
