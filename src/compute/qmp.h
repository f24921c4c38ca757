#pragma once
// A minimal QMP (QEMU Machine Protocol) client: one command per connection.

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace stratus::compute {

// Connects to the QMP unix socket at `socket_path`, negotiates capabilities, runs `command`
// with `arguments`, and returns its "return" value. Errors: the socket cannot be reached, the
// reply is not QMP, or QEMU answers with an error. Gives up after a few seconds.
Result<nlohmann::json> qmp_execute(const std::string& socket_path, const std::string& command,
                                   const nlohmann::json& arguments = nlohmann::json::object());

}  // namespace stratus::compute
