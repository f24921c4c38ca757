#pragma once
// The policy simulator: SimulateCustomPolicy (documents given in the request) and
// SimulatePrincipalPolicy (a user's, group's or role's own policies, plus any given), decided by
// the same evaluator that enforces IAM on every call.

#include "services/iam/iam_call.h"

namespace stratus::iam {

// Adds SimulateCustomPolicy and SimulatePrincipalPolicy to `table`.
void add_simulation_actions(ActionTable& table);

}  // namespace stratus::iam
