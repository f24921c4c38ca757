#include "api/xml_text.h"

#include <cstdint>
#include <optional>

namespace stratus::api {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes the code point starting at s[i] and advances `i` past it; nullopt (with `i` past
// one byte) when the bytes there are not well-formed UTF-8.
std::optional<uint32_t> next_code_point(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;
  if (extra == 9 || extra > s.size() - i - 1) {
    ++i;
    return std::nullopt;
  }
  uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
  for (size_t k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return std::nullopt;
  }
  i += extra + 1;
  return cp;
}


}  // namespace

bool is_xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
         (cp >= 0x10000 && cp <= 0x10ffff);
}

bool is_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (!next_code_point(s, i)) return false;
  }
  return true;
}

bool is_xml_text(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto cp = next_code_point(s, i);
    if (!cp || !is_xml_char(*cp)) return false;
  }
  return true;
}

std::string to_xml_text(std::string_view s) {
  if (is_xml_text(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    auto cp = next_code_point(s, i);
    if (cp && is_xml_char(*cp)) out.append(s.substr(start, i - start));
    else out.append(kReplacement);
  }
  return out;
}

}  // namespace stratus::api
