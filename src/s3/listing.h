#pragma once
// One page of a bucket listing over keys in UTF-8 byte order: S3's prefix, delimiter and
// max-keys rules, where each common prefix counts as one entry and a page never splits one.

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::s3 {

// The current version of each key of a bucket, its record's document (a delete marker, with
// DeleteMarker true, is left out of listings).
using ObjectIndex = std::map<std::string, std::shared_ptr<const nlohmann::json>>;

// Where a page starts and what it holds.
struct ListingQuery {
  std::string prefix;
  std::string delimiter;  // "" rolls nothing up
  std::string after;      // start strictly after this key (a marker or start-after); "" from the start
  bool after_prefix = false;  // `after` is a common prefix returned before: skip everything under it too
  size_t max_keys = 1000;
};

// One page.
struct ListingPage {
  std::vector<std::shared_ptr<const nlohmann::json>> objects;  // in key order
  std::vector<std::string> common_prefixes;                    // in order
  bool truncated = false;
  std::string last;             // the last entry returned (a key or a common prefix); "" when none
  bool last_is_prefix = false;  // `last` is a common prefix
};

// The page of `index` that `query` asks for.
ListingPage list_page(const ObjectIndex& index, const ListingQuery& query);

// The continuation token for resuming after `page` (opaque to clients: base64 of the last entry
// and whether it was a common prefix).
std::string continuation_token(const ListingPage& page);
// The position a continuation token names (sets query.after and after_prefix); false when the
// token is not one this server made.
bool resume_from_token(const std::string& token, ListingQuery& query);

}  // namespace stratus::s3
