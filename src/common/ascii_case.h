#pragma once
// Case folding of ASCII letters, as AWS names (IAM names, action names, condition keys) are
// compared without regard to case.

#include <string>
#include <string_view>

namespace stratus {

// `text` with A-Z turned into a-z; other bytes as they are.
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace stratus
