#include "common/network_slot_lease.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "common/network_slot.h"

namespace stratus {
namespace {

namespace fs = std::filesystem;

std::string lock_name(int slot) { return "edge-" + std::to_string(slot) + ".lock"; }

// The data dir the lock file of `slot` names (its last holder), or an empty path.
fs::path last_holder(const fs::path& lock_dir, int slot) {
  std::ifstream in(lock_dir / lock_name(slot));
  std::string line;
  std::getline(in, line);
  return line;
}

// The lease of `slot`, whose `lock` this process holds, after naming `owner` in its lock file.
NetworkSlotLease take(const fs::path& lock_dir, int slot, std::unique_ptr<DirLock> lock, const fs::path& owner) {
  std::ofstream out(lock_dir / lock_name(slot), std::ios::trunc);
  out << owner.string() << "\n";
  if (!out) throw std::runtime_error("cannot write " + (lock_dir / lock_name(slot)).string());
  return NetworkSlotLease{slot, std::move(lock)};
}

}  // namespace

fs::path default_network_slot_lock_dir() {
  if (::geteuid() == 0) return "/run/stratus";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) return fs::path(runtime) / "stratus";
  return "/tmp/stratus-" + std::to_string(::geteuid());
}

std::string describe_network_slot(int slot) {
  NetworkSlot s = network_slot(slot);
  return "network slot " + std::to_string(slot) + " (edge namespace " + s.edge_netns + ", host address " +
         s.host_address + ", public IPv4 " + s.public_pool.str() + ")";
}

NetworkSlotLease lease_network_slot(const fs::path& lock_dir, const fs::path& owner, std::optional<int> stored) {
  std::error_code ec;
  fs::create_directories(lock_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + lock_dir.string() + ": " + ec.message());
  if (stored) {
    if (*stored < 0 || *stored >= kNetworkSlots) {
      throw std::runtime_error("the data dir names network slot " + std::to_string(*stored) + ", but slots are 0 to " +
                               std::to_string(kNetworkSlots - 1));
    }
    auto lock = DirLock::try_lock(lock_dir.string(), lock_name(*stored));
    if (!lock) {
      throw std::runtime_error("the data dir's " + describe_network_slot(*stored) +
                               " is held by another stratus serve (data dir " +
                               last_holder(lock_dir, *stored).string() + "): stop that server first");
    }
    return take(lock_dir, *stored, std::move(lock), owner);
  }
  NetworkSlotLease fallback;  // the lowest free slot that another existing data dir names
  for (int slot = 0; slot < kNetworkSlots; ++slot) {
    auto lock = DirLock::try_lock(lock_dir.string(), lock_name(slot));
    if (!lock) continue;
    fs::path holder = last_holder(lock_dir, slot);
    if (holder.empty() || holder == owner || !fs::is_directory(holder)) {
      return take(lock_dir, slot, std::move(lock), owner);
    }
    if (!fallback.lock) fallback = {slot, std::move(lock)};
  }
  if (fallback.lock) return take(lock_dir, fallback.slot, std::move(fallback.lock), owner);
  throw std::runtime_error("all " + std::to_string(kNetworkSlots) + " network slots of this host are held by other " +
                           "stratus serve processes (lock files in " + lock_dir.string() + "): stop one first");
}

}  // namespace stratus
