#pragma once
// AWS's rules for general purpose bucket names.

#include <optional>
#include <string>
#include <string_view>

namespace stratus::s3 {

// Nothing when `name` is a valid bucket name: 3 to 63 characters of a-z, 0-9, '.' and '-',
// starting and ending with a letter or digit, no "..", ".-" or "-.", not an IPv4 address, none
// of the reserved prefixes (xn--, sthree-, amzn-s3-demo-) or suffixes (-s3alias, --ol-s3, .mrap,
// --x-s3). Else the reason, for InvalidBucketName's message.
std::optional<std::string> bucket_name_problem(std::string_view name);

}  // namespace stratus::s3
