#pragma once
// The console's interactive serial console (/_stratus/console/serial): the instance's first
// serial port (what GetConsoleOutput shows, and a login prompt), as AWS's EC2 Serial Console
// gives it: for callers allowed ec2-instance-connect:SendSerialConsoleSSHPublicKey, in an account
// that enabled serial console access (EnableSerialConsoleAccess), one session per instance.

#include <string>

#include "console/instance_terminal.h"

namespace stratus::console {

// The path of the serial console's WebSocket.
inline constexpr const char* kSerialPath = "/_stratus/console/serial";

// Opens serial sessions where access.serial_port says; a second session on an instance while one is open is
// refused (SerialConsoleSessionLimitExceededException). REQUIRES: `access` outlives every session.
TerminalOpener serial_opener(TerminalAccess& access);

}  // namespace stratus::console
