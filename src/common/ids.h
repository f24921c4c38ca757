#pragma once
// Resource identifiers in AWS's forms.

#include <string>
#include <string_view>

namespace stratus {

// A new random id: `prefix` + "-" + 17 lower-case hex digits (e.g. "vpc-0a1b2c3d4e5f60718").
std::string new_resource_id(std::string_view prefix);
// A new request id in UUID form.
std::string new_request_id();
// True when `id` is `prefix` + "-" + 8 or 17 lower-case hex digits.
bool is_resource_id(std::string_view id, std::string_view prefix);
// A random string of `length` characters drawn from `alphabet`.
std::string random_string(size_t length, std::string_view alphabet);

}  // namespace stratus
