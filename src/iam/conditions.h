#pragma once
// The matching a policy statement does: wildcard patterns for actions and resources, ARN parts,
// IP ranges, policy variables, and the condition operators with their rules for missing keys,
// several values, IfExists and the ForAllValues/ForAnyValue qualifiers.

#include <optional>
#include <string>
#include <string_view>

#include "iam/evaluator.h"
#include "iam/policy.h"

namespace stratus::iam {

// Stand-ins for the '*' and '?' that ${*} and ${?} produce: they match themselves, never as
// wildcards.
inline constexpr char kLiteralStar = '\x01';
inline constexpr char kLiteralQuestion = '\x02';

// True when `text` matches `pattern`, where '*' matches any run of characters (none included)
// and '?' exactly one; letters compared without case when `fold_case`.
bool glob_match(std::string_view pattern, std::string_view text, bool fold_case);

// ArnLike's matching: the six colon-separated parts of `arn` each match their part of `pattern`
// (wildcards never cross a colon, except in the last part, which holds the rest).
bool arn_match(std::string_view pattern, std::string_view arn);

// True when address `address` lies within `range` (a CIDR block or a bare address; IPv4 or
// IPv6). False when either is malformed or their families differ.
bool ip_in(std::string_view range, std::string_view address);

// `text` with its policy variables replaced from `context`: ${key} by the key's value, ${key,
// 'default'} by the default when the key is missing, ${*} ${?} ${$} by their literal
// characters. Nullopt when a variable names a missing key without a default, or a key with
// several values.
std::optional<std::string> substitute(std::string_view text, ContextView context);

// True when condition `condition` holds for `context`; its values have their variables
// substituted first when `variables` (a 2012-10-17 policy) and the operator takes them.
bool condition_holds(const Condition& condition, ContextView context, bool variables);

}  // namespace stratus::iam
