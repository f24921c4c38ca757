#pragma once
// Tags: validation, TagSpecifications on create calls, and the tag actions.

#include <initializer_list>
#include <string_view>

#include "services/ec2/call.h"

namespace stratus::ec2 {

// The Tags array for a new resource of `resource_type` from the request's TagSpecifications
// (empty array when none). Specifications for `others` (resources the same call creates) are
// passed over. Throws InvalidParameterValue for a specification naming another resource type,
// and for invalid keys or values; TagLimitExceeded beyond the tags a resource may carry
// (ctx.limits).
json tags_from_specifications(const CallContext& ctx, const json& request, std::string_view resource_type,
                              std::initializer_list<std::string_view> others = {});

// Registers CreateTags, DeleteTags and DescribeTags.
void add_tag_actions(ActionTable& table);

}  // namespace stratus::ec2
