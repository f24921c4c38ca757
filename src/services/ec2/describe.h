#pragma once
// The shared machinery of Describe* actions: filters (with tag filters and wildcards),
// explicit id lists, and MaxResults/NextToken pagination.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "services/ec2/call.h"
#include "services/ec2/resources.h"

namespace stratus::ec2 {

// The values a resource exposes under one filter name (a resource matches a filter
// when any of these matches any filter value).
using FieldGetter = std::function<std::vector<std::string>(const json& doc)>;
// Filter name -> getter. Tag filters (tag:KEY, tag-key, tag-value) need no entry.
using FilterTable = std::map<std::string, FieldGetter, std::less<>>;

// A getter for a dotted path of member names; "[]" after a name walks every element of a
// list: "Attachments[].VpcId". Booleans render as "true"/"false", numbers as decimals.
FieldGetter field(std::string path);

// True when `doc` satisfies every filter in `filters` (the request's Filters array).
// Throws InvalidParameterValue for a filter name the table does not know.
bool matches_filters(const json& doc, const json& filters, const FilterTable& table);

// True when `value` matches `pattern`, where '*' is any run and '?' any one character.
bool wildcard_match(std::string_view pattern, std::string_view value);

// The key a stored resource is paged by (its id); a page resumes after the last key shown.
using PageKey = std::function<std::string(const json& item)>;

// A PageKey reading the top-level string member `member`.
PageKey member_key(std::string member);

// The smallest page AWS serves a Describe action whose model does not bound MaxResults
// (DescribeInstances, DescribeTags, DescribeInstanceStatus).
inline constexpr int64_t kMinMaxResults = 5;

// Applies MaxResults/NextToken to `items` and returns {result_member: page, NextToken?}, each
// item's empty tag set left out unless `keep_empty_tags`: by position for immutable lists (no
// `key`), else in `key` order resuming after the last key shown. Throws InvalidPaginationToken
// for a token this server did not issue, InvalidParameterValue for a MaxResults below
// `min_results`.
json paginate(std::vector<json> items, const json& request, const std::string& result_member,
              bool keep_empty_tags = false, const PageKey& key = nullptr, int64_t min_results = kMinMaxResults);

// How one Describe action reads the store.
struct DescribeSpec {
  const ResourceKind& kind;
  std::string ids_member;     // request member holding explicit ids (e.g. "VpcIds"); "" when none
  std::string id_field;       // resource member holding its id (e.g. "VpcId")
  std::string result_member;  // result member holding the list (e.g. "Vpcs")
  const FilterTable& filters;
  // How a stored document is shown (members derived from other resources), before filtering;
  // empty: as stored.
  std::function<json(json)> present = nullptr;
};

// Describes stored resources: explicit ids (every one must exist, else the kind's NotFound
// error naming the missing ids), then filters, then pagination.
json describe_stored(CallContext& ctx, const json& request, const DescribeSpec& spec);

// Filters and paginates `items` (resources assembled by the caller, or catalogue data) as
// paginate() does: stored resources pass their `key`. Empty tag sets are left out unless
// `keep_empty_tags`.
json describe_values(std::vector<json> items, const json& request, const FilterTable& filters,
                     const std::string& result_member, bool keep_empty_tags = false, const PageKey& key = nullptr);

// Filters and paginates catalogue documents (instance types) that outlive the call, copying
// only those on the page; the documents are shown as they are.
json describe_catalog(const std::vector<const json*>& items, const json& request, const FilterTable& filters,
                      const std::string& result_member);

}  // namespace stratus::ec2
