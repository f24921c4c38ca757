#pragma once
// Wall-clock time in the forms AWS uses.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// Seconds since the Unix epoch, now.
int64_t unix_now();
// ISO 8601 UTC with milliseconds, as EC2 renders times: "2026-11-27T04:14:07.000Z".
std::string format_iso8601(int64_t unix_seconds);
// ISO 8601 UTC to the second, as the metadata service renders times: "2026-11-27T04:14:07Z".
std::string format_iso8601_seconds(int64_t unix_seconds);
// An HTTP date (RFC 9110's IMF-fixdate, as S3's headers carry times): "Wed, 02 Dec 2026 05:49:09 GMT".
std::string format_http_date(int64_t unix_seconds);
// Parses an IMF-fixdate ("Wed, 02 Dec 2026 05:49:09 GMT", or the same with "+0000" for GMT) to
// Unix seconds; nullopt when malformed.
std::optional<int64_t> parse_http_date(std::string_view text);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm]" (also the compact SigV4 form
// "YYYYMMDDTHHMMSSZ") to Unix seconds; nullopt when malformed.
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace stratus
