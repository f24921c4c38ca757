#pragma once
// Whole writes to stream sockets.

#include <string_view>

namespace stratus {

// Sends all of `data` to stream socket `fd` (no SIGPIPE; retried on EINTR): false when the other
// side is gone.
bool send_all(int fd, std::string_view data);

}  // namespace stratus
