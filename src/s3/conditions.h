#pragma once
// The parts of a GET that depend on the object: byte ranges (RFC 9110 as S3 applies it) and the
// conditional headers If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace stratus::s3 {

// A satisfiable byte range of an object.
struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// The range `header` (a Range value) asks of an object of `size` bytes: nullopt when the header
// is absent, malformed or names several ranges (S3 then sends the whole object). Errors:
// InvalidRange (416) when it starts past the end ("bytes=N-" with N >= size, or a suffix of 0).
Result<std::optional<ByteRange>> parse_range(const std::string& header, uint64_t size);

// The conditions of a GET, HEAD or CopyObject source, as sent (absent: empty / nullopt).
struct Conditions {
  std::string if_match;       // an ETag list or "*"
  std::string if_none_match;  // an ETag list or "*"
  std::optional<int64_t> if_modified_since;    // Unix seconds
  std::optional<int64_t> if_unmodified_since;  // Unix seconds
};

// The conditions in a typed request's members PREFIX + IfMatch, IfNoneMatch, IfModifiedSince and
// IfUnmodifiedSince (GetObject's with prefix "", CopyObject's and UploadPartCopy's with
// "CopySource"); timestamps as the rest-xml codec gives them (ISO 8601).
Conditions conditions_of(const nlohmann::json& request, const std::string& prefix);

// What x-amz-copy-source names: [/]BUCKET/KEY[?versionId=V], the key percent-encoded.
struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;  // "" for the current version
};

// `header` parsed. Errors: InvalidArgument when it does not name a bucket and a key.
Result<CopySource> parse_copy_source(const std::string& header);

// Nothing when an object with `etag` (quoted) last modified at `modified` (Unix seconds) meets
// `conditions` as S3 evaluates them: a matching If-Match overrides a failing If-Unmodified-Since,
// a failing If-None-Match overrides a passing If-Modified-Since. Else PreconditionFailed (412) or,
// for `reads` (GET and HEAD, not copies' sources), NotModified (304).
std::optional<ApiError> check_conditions(const Conditions& conditions, const std::string& etag, int64_t modified,
                                         bool reads = true);

}  // namespace stratus::s3
