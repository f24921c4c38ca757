#pragma once
// What the REST protocols (rest-json, rest-xml) share: finding a request member that travels
// outside the body, in a URI label, the query string or a header.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/service_model.h"

namespace stratus::api {

// `text` with its %XX escapes decoded (a path segment: '+' stays '+').
std::string percent_decode(std::string_view text);

// `text` percent-encoded as RFC 3986 and SigV4 do: unreserved characters (A-Z a-z 0-9 - _ . ~)
// kept, every other byte %XX with upper-case hex; '/' kept too when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);

// The text of `member` when it travels in a URI label (from `labels`, already decoded), the
// query string (`query`, decoded pairs; the last of a repeated name) or a header (`headers`,
// names lower-case); nullopt when the request has none or the member travels elsewhere.
std::optional<std::string> member_text(const Member& member, const std::map<std::string, std::string>& labels,
                                       const std::vector<std::pair<std::string, std::string>>& query,
                                       const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace stratus::api
