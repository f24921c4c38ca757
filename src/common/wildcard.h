#pragma once
// Matching text against a pattern in which '*' stands for any run of characters (none
// included) and '?' for exactly one: EC2's filter values and IAM's actions and resources.

#include <string_view>

namespace stratus {

// True when `text` matches `pattern`; characters other than the wildcards match when
// `same(pattern_char, text_char)`. Linear backtracking: at most |pattern| * |text| steps.
template <typename Same>
bool wildcard_match(std::string_view pattern, std::string_view text, Same same) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || same(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace stratus
