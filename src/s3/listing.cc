#include "s3/listing.h"

#include "common/base64.h"

namespace stratus::s3 {
namespace {

// The least string greater than every string that starts with `prefix` ("" when there is none:
// the prefix is all 0xff bytes).
std::string prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

ListingPage list_page(const ObjectIndex& index, const ListingQuery& query) {
  ListingPage page;
  if (query.max_keys == 0) return page;  // S3: an empty page, not a truncated one
  auto it = index.lower_bound(query.prefix);
  if (!query.after.empty()) {
    auto from = query.after_prefix ? (prefix_successor(query.after).empty() ? index.end()
                                                                            : index.lower_bound(prefix_successor(query.after)))
                                   : index.upper_bound(query.after);
    if (from != index.end() && (it == index.end() || from->first > it->first)) it = from;
    if (from == index.end()) it = index.end();
  }
  size_t count = 0;
  while (it != index.end() && starts_with(it->first, query.prefix)) {
    const std::string& key = it->first;
    if (it->second->value("DeleteMarker", false)) {  // deleted in a versioned bucket: not listed
      ++it;
      continue;
    }
    std::optional<std::string> rolled;
    if (!query.delimiter.empty()) {
      size_t at = key.find(query.delimiter, query.prefix.size());
      if (at != std::string::npos) rolled = key.substr(0, at + query.delimiter.size());
    }
    // A common prefix not past the starting point was returned before (or is before it).
    if (rolled && !query.after.empty() && *rolled <= query.after) {
      std::string next = prefix_successor(*rolled);
      it = next.empty() ? index.end() : index.lower_bound(next);
      continue;
    }
    if (count == query.max_keys) {
      page.truncated = true;
      break;
    }
    ++count;
    if (rolled) {
      page.common_prefixes.push_back(*rolled);
      page.last = *rolled;
      page.last_is_prefix = true;
      std::string next = prefix_successor(*rolled);
      it = next.empty() ? index.end() : index.lower_bound(next);
      continue;
    }
    page.objects.push_back(it->second);
    page.last = key;
    page.last_is_prefix = false;
    ++it;
  }
  return page;
}

std::string continuation_token(const ListingPage& page) {
  return base64_encode((page.last_is_prefix ? "p" : "k") + page.last);
}

bool resume_from_token(const std::string& token, ListingQuery& query) {
  auto decoded = base64_decode(token);
  if (!decoded || decoded->empty() || ((*decoded)[0] != 'p' && (*decoded)[0] != 'k')) return false;
  query.after = decoded->substr(1);
  query.after_prefix = (*decoded)[0] == 'p';
  return true;
}

}  // namespace stratus::s3
