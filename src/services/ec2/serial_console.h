#pragma once
// The account's serial console access, per region (EnableSerialConsoleAccess,
// DisableSerialConsoleAccess, GetSerialConsoleAccessStatus): off until enabled, as on AWS. The
// console's interactive serial sessions need it on.

#include <string>

#include "services/ec2/call.h"
#include "store/store.h"

namespace stratus::ec2 {

// Registers the three actions above.
void add_serial_console_actions(ActionTable& table);

// Whether `account` has serial console access enabled in `region`.
bool serial_console_access_enabled(store::Transaction& txn, const std::string& account, const std::string& region);

}  // namespace stratus::ec2
