#pragma once
// The host's physical memory, for the default instance capacity.

#include <cstdint>

namespace stratus::compute {

// MemTotal of /proc/meminfo in MiB, or 0 when it cannot be read.
int64_t host_memory_mib();

}  // namespace stratus::compute
