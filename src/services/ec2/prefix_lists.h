#pragma once
// Managed prefix lists: named sets of CIDR blocks that security group rules and routes name as
// one peer or destination. The region's AWS-managed lists (common/network_defaults.h) are
// read-only and owned by "AWS"; the account's own lists have versions (each change of entries
// makes one, and an earlier one can be restored). The reconciler expands a list into its entries.

#include <string>
#include <vector>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// The prefix list `id` of the call's region (AWS-managed or the account's) as
// DescribeManagedPrefixLists shows it, with its current entries under "Entries". Throws
// InvalidPrefixListID.NotFound (or .Malformed).
json require_prefix_list(CallContext& ctx, const std::string& id);

// How many rules or routes one reference to `list` (a require_prefix_list result) counts as
// toward a quota: its MaxEntries, as on AWS.
int64_t prefix_list_weight(const json& list);

// Registers CreateManagedPrefixList, ModifyManagedPrefixList, DeleteManagedPrefixList,
// DescribeManagedPrefixLists, GetManagedPrefixListEntries, GetManagedPrefixListAssociations,
// RestoreManagedPrefixListVersion and DescribePrefixLists.
void add_prefix_list_actions(ActionTable& table);

}  // namespace stratus::ec2
