#pragma once
// Key pairs: create (rsa, ed25519; pem), import, describe, delete.

#include "services/ec2/call.h"

namespace stratus::ec2 {

// Registers CreateKeyPair, ImportKeyPair, DescribeKeyPairs and DeleteKeyPair.
void add_key_pair_actions(ActionTable& table);

}  // namespace stratus::ec2
