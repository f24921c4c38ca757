#pragma once
// Instance profiles on instances: RunInstances' IamInstanceProfile and the
// *IamInstanceProfileAssociation* actions. An instance has at most one association; it is kept
// in the instance's record (the profile as api["IamInstanceProfile"] {Arn, Id}, the association
// in its spec) and takes effect at once: the metadata service serves the profile's role's
// credentials from the next request on. Removing or replacing it ends the sessions issued for the
// instance's old role.

#include "model/instance.h"
#include "services/ec2/call.h"

namespace stratus::ec2 {

// Associates the instance profile a request's IamInstanceProfile {Arn | Name} names with
// `instance` (not yet stored). Throws InvalidParameterValue when it names no profile of the account.
void associate_profile(CallContext& ctx, model::Instance& instance, const json& specification);

// Ends `instance`'s association and its role's sessions (and, when it is terminating
// (`ended`), its identity credentials).
void end_profile_association(CallContext& ctx, model::Instance& instance, bool ended);

// Adds Associate/Disassociate/ReplaceIamInstanceProfileAssociation and
// DescribeIamInstanceProfileAssociations to `table`.
void add_iam_instance_profile_actions(ActionTable& table);

}  // namespace stratus::ec2
