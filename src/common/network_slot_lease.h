#pragma once
// Which network slot (common/network_slot.h) a data dir's server holds: a flock on a host-wide
// lock file per slot, held for the life of the serving process, so that two servers never
// share a slot's edge namespace or public pool.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/dir_lock.h"

namespace stratus {

// A network slot held by this process; no other lease of it succeeds until this one is
// destroyed or the process dies.
struct NetworkSlotLease {
  int slot = 0;
  std::unique_ptr<DirLock> lock;  // on LOCK_DIR/edge-SLOT.lock
};

// Where the host's slot lock files live: /run/stratus as root; otherwise (no namespaces can be
// made, so slots only keep pools apart) $XDG_RUNTIME_DIR/stratus, else /tmp/stratus-UID.
std::filesystem::path default_network_slot_lock_dir();

// Leases the slot of the data dir `owner` (a canonical path) from the lock files in `lock_dir`
// (created if needed), and writes `owner` into the slot's lock file. With `stored` (the slot the
// data dir was given earlier), that slot; throws std::runtime_error naming the slot (and the
// data dir its lock file names) when another process holds it, or when it is out of range.
// Without, the lowest slot whose lock is free, preferring one whose lock file names no other
// data dir that still exists (a stopped server's instances run on, their public addresses in
// its slot's edge; a deleted data dir gives its slot up); throws when every slot is held.
NetworkSlotLease lease_network_slot(const std::filesystem::path& lock_dir, const std::filesystem::path& owner,
                                    std::optional<int> stored);

// "network slot K (edge namespace N, host address A, public IPv4 P)", for messages and logs.
std::string describe_network_slot(int slot);

}  // namespace stratus
