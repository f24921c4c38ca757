#pragma once
// Network namespaces by name (the `ip netns` convention: /run/netns/NAME).

#include <functional>
#include <string>

#include "common/result.h"

namespace stratus::net {

// Runs `fn` on the calling thread while it is inside the network namespace `name`, then
// returns the thread to the namespace it was in. Sockets created by `fn` stay in `name`.
// Errors: the namespace does not exist, or the thread cannot enter it (needs CAP_SYS_ADMIN).
Result<bool> run_in_netns(const std::string& name, const std::function<void()>& fn);

}  // namespace stratus::net
