#include "api/rest_members.h"

#include <cctype>

#include "common/ascii_case.h"

namespace stratus::api {

std::string percent_decode(std::string_view text) {
  auto hex = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10); };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> member_text(const Member& member, const std::map<std::string, std::string>& labels,
                                       const std::vector<std::pair<std::string, std::string>>& query,
                                       const std::vector<std::pair<std::string, std::string>>& headers) {
  std::optional<std::string> text;
  switch (member.location) {
    case Location::kUri: {
      auto it = labels.find(member.location_name);
      if (it != labels.end()) text = it->second;
      break;
    }
    case Location::kQueryString:
      for (const auto& [name, value] : query) {
        if (name == member.location_name) text = value;
      }
      break;
    case Location::kHeader:
      for (const auto& [name, value] : headers) {
        if (iequals_ascii(name, member.location_name)) text = value;
      }
      break;
    case Location::kBody:
    case Location::kHeaders:
      break;
  }
  return text;
}

}  // namespace stratus::api
