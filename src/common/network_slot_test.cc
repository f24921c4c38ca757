#include "common/network_slot.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/network_slot_lease.h"
#include "common/temp_dir.h"

namespace stratus {
namespace {

namespace fs = std::filesystem;

TEST(NetworkSlot, NamesAndAddressesOfEachSlot) {
  struct Case {
    int index;
    const char* edge_netns;
    const char* host_link;
    const char* host_address;
    const char* edge_address;
    const char* public_pool;
  };
  const Case cases[] = {
      // Slot 0 keeps the names and addresses from before slots, so existing hosts and data dirs work on.
      {0, "stratus-edge", "stratus-edge", "198.18.0.1", "198.18.0.2", "198.19.0.0/20"},
      {1, "stratus-edge-1", "stratus-edge1", "198.18.0.5", "198.18.0.6", "198.19.16.0/20"},
      {kNetworkSlots - 1, "stratus-edge-15", "stratus-edge15", "198.18.0.61", "198.18.0.62", "198.19.240.0/20"},
  };
  for (const Case& c : cases) {
    NetworkSlot slot = network_slot(c.index);
    EXPECT_EQ(slot, (NetworkSlot{c.index, c.edge_netns, c.host_link, c.host_address, c.edge_address,
                                 *Ipv4Cidr::parse(c.public_pool)}))
        << c.index;
  }
}

TEST(NetworkSlot, SlotsShareNoNameLinkOrAddress) {
  const Ipv4Cidr links = *Ipv4Cidr::parse("198.18.0.0/26"), pools = *Ipv4Cidr::parse("198.19.0.0/16");
  for (int a = 0; a < kNetworkSlots; ++a) {
    NetworkSlot slot = network_slot(a);
    EXPECT_LE(slot.host_link.size(), 15u) << slot.host_link;  // IFNAMSIZ - 1
    EXPECT_TRUE(pools.contains(slot.public_pool)) << slot.public_pool.str();
    Ipv4Cidr link{*parse_ipv4(slot.host_address) - 1, 30};
    EXPECT_TRUE(links.contains(link));
    EXPECT_EQ(*parse_ipv4(slot.edge_address), link.base + 2);
    for (int b = a + 1; b < kNetworkSlots; ++b) {
      NetworkSlot other = network_slot(b);
      EXPECT_NE(slot.edge_netns, other.edge_netns);
      EXPECT_NE(slot.host_link, other.host_link);
      EXPECT_FALSE(slot.public_pool.overlaps(other.public_pool)) << a << " " << b;
      EXPECT_FALSE(link.overlaps(Ipv4Cidr{*parse_ipv4(other.host_address) - 1, 30})) << a << " " << b;
    }
  }
}

// Slot leases against lock files in a temporary directory; each "data dir" is a directory of
// its own (a lock file naming a deleted one no longer keeps its slot).
class NetworkSlotLeaseTest : public ::testing::Test {
 protected:
  fs::path data_dir(const std::string& name) {
    fs::path dir = dirs_.path() / name;
    fs::create_directories(dir);
    return dir;
  }

  TempDir locks_{"slot-locks"};
  TempDir dirs_{"slot-owners"};
};

TEST_F(NetworkSlotLeaseTest, FirstStartsTakeTheLowestFreeSlot) {
  NetworkSlotLease a = lease_network_slot(locks_.path(), data_dir("a"), std::nullopt);
  NetworkSlotLease b = lease_network_slot(locks_.path(), data_dir("b"), std::nullopt);
  EXPECT_EQ(a.slot, 0);
  EXPECT_EQ(b.slot, 1);
  std::ifstream lock_file(locks_.path() / "edge-1.lock");
  std::string holder;
  std::getline(lock_file, holder);
  EXPECT_EQ(holder, data_dir("b").string());
}

TEST_F(NetworkSlotLeaseTest, AStoredSlotHeldByAnotherServerFailsNamingIt) {
  NetworkSlotLease a = lease_network_slot(locks_.path(), data_dir("a"), std::nullopt);
  try {
    (void)lease_network_slot(locks_.path(), data_dir("b"), 0);
    FAIL() << "leased a held slot";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("network slot 0 (edge namespace stratus-edge"), std::string::npos) << message;
    EXPECT_NE(message.find("data dir " + data_dir("a").string()), std::string::npos) << message;
  }
  // Not stolen: the holder keeps it, and gets it again after a restart.
  a.lock.reset();
  EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("a"), 0).slot, 0);
}

TEST_F(NetworkSlotLeaseTest, AStoredSlotIsKeptEvenWhenLowerOnesAreFree) {
  EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("a"), 3).slot, 3);
  EXPECT_THROW(lease_network_slot(locks_.path(), data_dir("a"), kNetworkSlots), std::runtime_error);
  EXPECT_THROW(lease_network_slot(locks_.path(), data_dir("a"), -1), std::runtime_error);
}

TEST_F(NetworkSlotLeaseTest, AStoppedServersSlotStaysItsWhileItsDataDirExists) {
  (void)lease_network_slot(locks_.path(), data_dir("a"), std::nullopt);  // served, then stopped
  EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("b"), std::nullopt).slot, 1);
  fs::remove_all(data_dir("a"));  // deleted: its slot is free for anyone
  EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("c"), std::nullopt).slot, 0);
}

TEST_F(NetworkSlotLeaseTest, WhenEveryFreeSlotIsNamedTheLowestIsTaken) {
  for (int i = 0; i < kNetworkSlots; ++i) {
    EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("d" + std::to_string(i)), std::nullopt).slot, i);
  }
  NetworkSlotLease zero = lease_network_slot(locks_.path(), data_dir("new"), std::nullopt);
  EXPECT_EQ(zero.slot, 0);
  EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("newer"), std::nullopt).slot, 1);
}

TEST_F(NetworkSlotLeaseTest, AllSlotsHeldFailsStartUp) {
  std::vector<NetworkSlotLease> held;
  for (int i = 0; i < kNetworkSlots; ++i) held.push_back(lease_network_slot(locks_.path(), data_dir("d" + std::to_string(i)), std::nullopt));
  EXPECT_THROW(lease_network_slot(locks_.path(), data_dir("new"), std::nullopt), std::runtime_error);
  held.pop_back();
  EXPECT_EQ(lease_network_slot(locks_.path(), data_dir("new"), std::nullopt).slot, kNetworkSlots - 1);
}

TEST(NetworkSlotLease, DescribesTheSlot) {
  EXPECT_EQ(describe_network_slot(2),
            "network slot 2 (edge namespace stratus-edge-2, host address 198.18.0.9, public IPv4 198.19.32.0/20)");
}

}  // namespace
}  // namespace stratus
