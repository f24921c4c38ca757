#pragma once
// S3 object tags: the x-amz-tagging header's form and AWS's limits on a tag set.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace stratus::s3 {

// The tags a x-amz-tagging value ("k1=v1&k2=v2", URL-encoded) names, as [{Key, Value}]; pairs
// that do not decode are left out (tag_set_problem() then sees fewer tags than were meant, never
// more).
nlohmann::json tags_from_header(const std::string& header);

// Nothing when `tags` ([{Key, Value}]) is a tag set S3 keeps on an object (at most `max` tags,
// keys of 1 to 128 characters, values of up to 256, no key twice, none starting "aws:"); else
// InvalidTag with S3's message.
std::optional<ApiError> tag_set_problem(const nlohmann::json& tags, size_t max = 10);

}  // namespace stratus::s3
