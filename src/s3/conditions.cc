#include "s3/conditions.h"

#include <charconv>

#include "api/rest_members.h"
#include "common/timestamp.h"

namespace stratus::s3 {
namespace {

// The unsigned decimal number that is all of `text`, or nullopt.
std::optional<uint64_t> number(const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// True when `list` (a comma-separated list of quoted ETags, or "*") names `etag`; weak tags
// (W/"...") compare by their value.
bool etag_listed(const std::string& list, const std::string& etag) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(start, comma - start);
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    if (item.rfind("W/", 0) == 0) item = item.substr(2);
    if (item == "*" || item == etag || "\"" + item + "\"" == etag) return true;
    start = comma + 1;
  }
  return false;
}

ApiError precondition_failed() {
  return ApiError{"PreconditionFailed", "At least one of the pre-conditions you specified did not hold"};
}

}  // namespace

Conditions conditions_of(const nlohmann::json& request, const std::string& prefix) {
  Conditions c;
  c.if_match = request.value(prefix + "IfMatch", "");
  c.if_none_match = request.value(prefix + "IfNoneMatch", "");
  if (request.contains(prefix + "IfModifiedSince")) c.if_modified_since = parse_iso8601(request[prefix + "IfModifiedSince"].get<std::string>());
  if (request.contains(prefix + "IfUnmodifiedSince")) c.if_unmodified_since = parse_iso8601(request[prefix + "IfUnmodifiedSince"].get<std::string>());
  return c;
}

Result<CopySource> parse_copy_source(const std::string& header) {
  CopySource out;
  std::string source = header;
  if (size_t q = source.find("?versionId="); q != std::string::npos) {  // before decoding: a key may hold "%3F"
    out.version_id = source.substr(q + 11);
    source = source.substr(0, q);
  }
  source = api::percent_decode(source);
  if (!source.empty() && source[0] == '/') source.erase(0, 1);
  size_t slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == source.size()) {
    return ApiError{"InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"};
  }
  out.bucket = source.substr(0, slash);
  out.key = source.substr(slash + 1);
  return out;
}

Result<std::optional<ByteRange>> parse_range(const std::string& header, uint64_t size) {
  const std::string kUnit = "bytes=";
  if (header.rfind(kUnit, 0) != 0) return std::optional<ByteRange>();
  std::string spec = header.substr(kUnit.size());
  size_t dash = spec.find('-');
  if (dash == std::string::npos || spec.find(',') != std::string::npos) return std::optional<ByteRange>();
  std::string first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
  auto unsatisfiable = [&] {
    return ApiError{"InvalidRange", "The requested range is not satisfiable"};
  };
  if (first_text.empty()) {  // a suffix: the last N bytes
    auto suffix = number(last_text);
    if (!suffix) return std::optional<ByteRange>();
    if (*suffix == 0) return unsatisfiable();
    if (size == 0) return unsatisfiable();
    uint64_t length = std::min(*suffix, size);
    return std::optional<ByteRange>(ByteRange{size - length, length});
  }
  auto first = number(first_text);
  if (!first) return std::optional<ByteRange>();
  std::optional<uint64_t> last;
  if (!last_text.empty()) {
    last = number(last_text);
    if (!last || *last < *first) return std::optional<ByteRange>();  // malformed: the whole object
  }
  if (*first >= size) return unsatisfiable();
  uint64_t end = std::min(last.value_or(size - 1), size - 1);
  return std::optional<ByteRange>(ByteRange{*first, end - *first + 1});
}

std::optional<ApiError> check_conditions(const Conditions& c, const std::string& etag, int64_t modified, bool reads) {
  bool match_passed = false;
  if (!c.if_match.empty()) {
    if (!etag_listed(c.if_match, etag)) return precondition_failed();
    match_passed = true;
  }
  if (c.if_unmodified_since && !match_passed && modified > *c.if_unmodified_since) return precondition_failed();
  auto not_modified = [&] {
    if (!reads) return precondition_failed();
    return ApiError{"NotModified", "Not Modified"};
  };
  if (!c.if_none_match.empty()) {
    if (etag_listed(c.if_none_match, etag)) return not_modified();
    return std::nullopt;  // a passing If-None-Match overrides If-Modified-Since
  }
  if (c.if_modified_since && modified <= *c.if_modified_since) return not_modified();
  return std::nullopt;
}

}  // namespace stratus::s3
