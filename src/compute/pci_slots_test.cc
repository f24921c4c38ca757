#include "compute/pci_slots.h"

#include <gtest/gtest.h>

namespace stratus::compute {
namespace {

// A root port with `children` behind it, shaped as QEMU 7.2's query-pci reports it.
nlohmann::json root_port(const std::string& id, nlohmann::json children) {
  return {{"bus", 0}, {"qdev_id", id}, {"class_info", {{"desc", "PCI bridge"}}},
          {"pci_bridge", {{"bus", {{"secondary", 2}}}, {"devices", std::move(children)}}}};
}

nlohmann::json device(const std::string& id) { return {{"bus", 2}, {"qdev_id", id}, {"slot", 0}}; }

TEST(PciSlots, MapsOccupiedNicSlotsToDeviceIndexes) {
  nlohmann::json buses = nlohmann::json::array({{{"bus", 0},
                                                 {"devices", {device(""),                          // host bridge
                                                              root_port("rp0", {device("")}),      // the root disk
                                                              root_port("rpnic0", {device("nic0")}),
                                                              root_port("rpnic1", nlohmann::json::array()),
                                                              root_port("rpnic2", {device("nic3")}),
                                                              root_port("rp1", nlohmann::json::array())}}}});
  EXPECT_EQ(nics_in_slots(buses), (std::map<int, int>{{0, 0}, {2, 3}}));
}

TEST(PciSlots, MapsOccupiedDiskSlotsToVolumes) {
  nlohmann::json buses = nlohmann::json::array({{{"devices", {root_port("rp0", {device("")}),  // the root disk
                                                              root_port("rpnic0", {device("nic0")}),
                                                              root_port("rp1", nlohmann::json::array()),
                                                              root_port("rp2", {device("disk-vol-1")}),
                                                              root_port("rp3", {device("nic9")})}}}});
  EXPECT_EQ(disks_in_slots(buses), (std::map<int, std::string>{{1, "vol-1"}}));
}

TEST(PciSlots, IgnoresIdsThatOnlyLookAlike) {
  nlohmann::json buses = nlohmann::json::array(
      {{{"devices", {root_port("rpnicX", {device("nic1")}), root_port("rpnic1", {device("nic1a")})}}}});
  EXPECT_TRUE(nics_in_slots(buses).empty());
  EXPECT_TRUE(nics_in_slots(nlohmann::json::array()).empty());
}

}  // namespace
}  // namespace stratus::compute
