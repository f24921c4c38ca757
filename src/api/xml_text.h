#pragma once
// Text that XML 1.0 can carry. Request values are checked against it on the way in; whatever
// is stored (records written by older versions included) is made to fit it on the way out,
// so a response always parses.

#include <cstdint>
#include <string>
#include <string_view>

namespace stratus::api {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view s);

// True when code point `cp` is an XML 1.0 Char: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD,
// U+10000..U+10FFFF.
bool is_xml_char(uint32_t cp);

// True when `s` is well-formed UTF-8 and every code point is an XML 1.0 Char: tab, LF, CR,
// U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF (so no NUL or other control character).
bool is_xml_text(std::string_view s);

// `s` with every byte sequence that is not an XML 1.0 Char (control characters, U+FFFE/U+FFFF,
// malformed UTF-8) replaced by U+FFFD. Returns `s` unchanged when is_xml_text(s).
std::string to_xml_text(std::string_view s);

}  // namespace stratus::api
