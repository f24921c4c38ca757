#include "services/ec2/describe.h"

#include <charconv>
#include <set>

#include "common/base64.h"
#include "common/wildcard.h"

namespace stratus::ec2 {
namespace {

std::string scalar(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) {
    std::string s = value.dump();
    return s;
  }
  return value.dump();
}

void collect(const json& node, const std::vector<std::pair<std::string, bool>>& steps, size_t i,
             std::vector<std::string>& out) {
  if (i == steps.size()) {
    if (node.is_array()) {
      for (const json& item : node) {
        if (!item.is_null()) out.push_back(scalar(item));
      }
    } else if (!node.is_null()) {
      out.push_back(scalar(node));
    }
    return;
  }
  if (!node.is_object()) return;
  auto it = node.find(steps[i].first);
  if (it == node.end()) return;
  if (steps[i].second) {
    if (!it->is_array()) return;
    for (const json& item : *it) collect(item, steps, i + 1, out);
  } else {
    collect(*it, steps, i + 1, out);
  }
}

// True for the tag filters every Describe takes: tag:KEY, tag-key and tag-value.
bool is_tag_filter(const std::string& name) {
  return name.rfind("tag:", 0) == 0 || name == "tag-key" || name == "tag-value";
}

// The values of the tag-related filters, or nullopt when `name` is not a tag filter.
std::optional<std::vector<std::string>> tag_values(const json& doc, const std::string& name) {
  if (!is_tag_filter(name)) return std::nullopt;
  bool by_key = name.rfind("tag:", 0) == 0;
  std::vector<std::string> out;
  auto tags = doc.find("Tags");
  if (tags == doc.end() || !tags->is_array()) return out;
  for (const json& tag : *tags) {
    std::string key = tag.value("Key", ""), value = tag.value("Value", "");
    if (by_key) {
      if (key == name.substr(4)) out.push_back(value);
    } else {
      out.push_back(name == "tag-key" ? key : value);
    }
  }
  return out;
}

// Fails with AWS's answer to a filter name the action does not have.
[[noreturn]] void fail_unknown_filter(const std::string& name) {
  fail("InvalidParameterValue", "The filter '" + name + "' is invalid");
}

}  // namespace

PageKey member_key(std::string member) {
  return [member = std::move(member)](const json& doc) { return doc.value(member, ""); };
}

FieldGetter field(std::string path) {
  std::vector<std::pair<std::string, bool>> steps;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    bool each = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
    if (each) part.resize(part.size() - 2);
    steps.emplace_back(part, each);
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return [steps](const json& doc) {
    std::vector<std::string> out;
    collect(doc, steps, 0, out);
    return out;
  };
}

bool wildcard_match(std::string_view pattern, std::string_view value) {
  return stratus::wildcard_match(pattern, value, [](char want, char got) { return want == got; });
}

bool matches_filters(const json& doc, const json& filters, const FilterTable& table) {
  if (!filters.is_array()) return true;
  for (const json& filter : filters) {
    std::string name = filter.value("Name", "");
    std::vector<std::string> values;
    if (auto tags = tag_values(doc, name)) {
      values = std::move(*tags);
    } else {
      auto it = table.find(name);
      if (it == table.end()) fail_unknown_filter(name);
      values = it->second(doc);
    }
    bool any = false;
    for (const json& wanted : filter.value("Values", json::array())) {
      std::string pattern = wanted.is_string() ? wanted.get<std::string>() : wanted.dump();
      for (const std::string& value : values) {
        if (wildcard_match(pattern, value)) {
          any = true;
          break;
        }
      }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

namespace {

// The page size the request asks for (MaxResults), or `count` when it names none; a MaxResults
// below `min_results` is refused.
size_t page_limit(const json& request, size_t count, int64_t min_results) {
  if (!request.contains("MaxResults")) return count;
  // The model bounds MaxResults of most actions; the rest (DescribeInstances, DescribeTags...)
  // are bounded here, as AWS does: 0 would page forever, a negative number would wrap.
  int64_t max_results = request["MaxResults"].get<int64_t>();
  if (max_results < min_results) {
    fail("InvalidParameterValue", "Value ( " + std::to_string(max_results) +
                                      " ) for parameter maxResults is invalid. Expecting a value greater than " +
                                      std::to_string(min_results) + ".");
  }
  return static_cast<size_t>(max_results);
}

// What the request's NextToken says after `prefix`, or nullopt without a token. Throws
// InvalidPaginationToken for a token this server did not issue with `prefix`.
std::optional<std::string> token_after(const json& request, std::string_view prefix) {
  std::string token = str(request, "NextToken");
  if (token.empty()) return std::nullopt;
  auto decoded = base64_decode(token);
  if (!decoded || decoded->rfind(prefix, 0) != 0) fail("InvalidPaginationToken", "Invalid pagination token: " + token);
  return decoded->substr(prefix.size());
}

// The part of a list of `count` items that one page shows.
struct PageBounds {
  size_t begin = 0;        // first item on the page
  size_t end = 0;          // one past the last
  std::string next_token;  // "" on the last page
};

// The page of `count` items that the request's MaxResults/NextToken ask for. Throws
// InvalidPaginationToken for a token this server did not issue, InvalidParameterValue for a
// MaxResults below AWS's minimum.
PageBounds page_bounds(size_t count, const json& request, int64_t min_results = kMinMaxResults) {
  size_t offset = 0;
  if (auto text = token_after(request, "offset:")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), offset);
    if (ec != std::errc() || end != text->data() + text->size()) {
      fail("InvalidPaginationToken", "Invalid pagination token: " + str(request, "NextToken"));
    }
  }
  size_t limit = page_limit(request, count, min_results);
  PageBounds page;
  page.begin = std::min(offset, count);
  page.end = page.begin + std::min(limit, count - page.begin);
  if (page.end < count) page.next_token = base64_encode("offset:" + std::to_string(page.end));
  return page;
}

// The page of a list whose items are in `sorted_keys` order that the request asks for: a
// NextToken names the last key of the page before, so items created or deleted between two
// requests neither repeat nor skip others. Throws as page_bounds does.
PageBounds keyed_page_bounds(const std::vector<std::string>& sorted_keys, const json& request, int64_t min_results) {
  PageBounds page;
  if (auto after = token_after(request, "after:")) {
    page.begin = std::upper_bound(sorted_keys.begin(), sorted_keys.end(), *after) - sorted_keys.begin();
  }
  page.end = page.begin + std::min(page_limit(request, sorted_keys.size(), min_results), sorted_keys.size() - page.begin);
  if (page.end < sorted_keys.size()) page.next_token = base64_encode("after:" + sorted_keys[page.end - 1]);
  return page;
}

// {result_member: page, NextToken?} for the items of `page` that `take(i)` moves or copies out.
template <typename Take>
json page_result(const PageBounds& page, const std::string& result_member, bool keep_empty_tags, Take take) {
  json out = json::object();
  json items = json::array();
  for (size_t i = page.begin; i < page.end; ++i) {
    json item = take(i);
    // AWS leaves out the tag set of an untagged resource, except for some kinds.
    auto tags = item.find("Tags");
    if (!keep_empty_tags && tags != item.end() && tags->is_array() && tags->empty()) item.erase(tags);
    items.push_back(std::move(item));
  }
  if (!page.next_token.empty()) out["NextToken"] = page.next_token;
  out[result_member] = std::move(items);
  return out;
}

// Fails for the first name in `filters` (the request's Filters) that `table` does not know.
// Every name is checked up front, as AWS does, whether or not any resource would reach it.
void check_filter_names(const json& filters, const FilterTable& table) {
  for (const json& filter : filters) {
    std::string name = filter.value("Name", "");
    if (!is_tag_filter(name) && table.find(name) == table.end()) fail_unknown_filter(name);
  }
}

}  // namespace

json paginate(std::vector<json> items, const json& request, const std::string& result_member, bool keep_empty_tags,
              const PageKey& key, int64_t min_results) {
  // Unpaged (no MaxResults, no NextToken): everything, in store order, with no sorting to pay for.
  bool paged = request.contains("MaxResults") || !str(request, "NextToken").empty();
  if (!key || !paged) {
    return page_result(page_bounds(items.size(), request, min_results), result_member, keep_empty_tags,
                       [&](size_t i) { return std::move(items[i]); });
  }
  std::vector<std::pair<std::string, size_t>> order;
  order.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) order.emplace_back(key(items[i]), i);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  keys.reserve(order.size());
  for (auto& [k, i] : order) keys.push_back(k);
  return page_result(keyed_page_bounds(keys, request, min_results), result_member, keep_empty_tags,
                     [&](size_t i) { return std::move(items[order[i].second]); });
}

json describe_values(std::vector<json> items, const json& request, const FilterTable& filters,
                     const std::string& result_member, bool keep_empty_tags, const PageKey& key) {
  std::vector<json> kept;
  const json& wanted = request.contains("Filters") ? request["Filters"] : json::array();
  check_filter_names(wanted, filters);
  for (json& item : items) {
    if (matches_filters(item, wanted, filters)) kept.push_back(std::move(item));
  }
  return paginate(std::move(kept), request, result_member, keep_empty_tags, key);
}

json describe_catalog(const std::vector<const json*>& items, const json& request, const FilterTable& filters,
                      const std::string& result_member) {
  std::vector<const json*> kept;
  const json& wanted = request.contains("Filters") ? request["Filters"] : json::array();
  check_filter_names(wanted, filters);
  for (const json* item : items) {
    if (matches_filters(*item, wanted, filters)) kept.push_back(item);
  }
  return page_result(page_bounds(kept.size(), request), result_member, true, [&](size_t i) { return *kept[i]; });
}

json describe_stored(CallContext& ctx, const json& request, const DescribeSpec& spec) {
  std::vector<json> docs = list(ctx, spec.kind);
  if (spec.present) {
    for (json& doc : docs) doc = spec.present(std::move(doc));
  }
  if (!spec.ids_member.empty() && request.contains(spec.ids_member) && !request[spec.ids_member].empty()) {
    if (request.contains("MaxResults")) {
      fail("InvalidParameterCombination",
           "The parameter " + spec.ids_member + " cannot be used with the parameter maxResults");
    }
    std::set<std::string> wanted;
    for (const json& id : request[spec.ids_member]) wanted.insert(id.get<std::string>());
    std::vector<json> chosen;
    std::set<std::string> seen;
    for (json& doc : docs) {
      std::string id = doc.value(spec.id_field, "");
      if (wanted.count(id)) {
        seen.insert(id);
        chosen.push_back(std::move(doc));
      }
    }
    std::string missing;
    for (const std::string& id : wanted) {
      if (seen.count(id)) continue;
      missing += (missing.empty() ? "" : ", ") + id;
    }
    if (!missing.empty()) {
      bool malformed = false;
      for (const std::string& id : wanted) {
        if (!seen.count(id) && kind_for_id(id) != &spec.kind) malformed = true;
      }
      if (malformed && spec.kind.malformed_code != spec.kind.not_found_code) {
        fail(std::string(spec.kind.malformed_code), "Invalid id: \"" + missing + "\"");
      }
      fail(std::string(spec.kind.not_found_code), not_found_message(spec.kind, missing));
    }
    docs = std::move(chosen);
  }
  return describe_values(std::move(docs), request, spec.filters, spec.result_member, spec.kind.shows_empty_tag_set,
                         member_key(spec.id_field));
}

}  // namespace stratus::ec2
