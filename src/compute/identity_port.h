#pragma once
// The host's end of a VM's identity port (qemu_command.h's kIdentitySocket). The warm pool's
// guest agent says "ready" there once its VM can be saved; in a VM restored from that state it
// waits there for its instance's identity (one JSON line) and answers "ok".

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace stratus::compute {

// Waits up to `seconds` for the agent behind the identity socket `socket_path` to say "ready".
Result<bool> await_agent(const std::string& socket_path, int seconds);

// Writes `identity` to the agent behind `socket_path` and waits up to `seconds` for its "ok".
Result<bool> tell_identity(const std::string& socket_path, const nlohmann::json& identity, int seconds);

}  // namespace stratus::compute
