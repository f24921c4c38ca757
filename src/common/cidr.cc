#include "common/cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace stratus {
namespace {

// The decimal number `text` spells with 1 to `max_digits` ASCII digits and no leading zero,
// or nullopt (signs, spaces and anything else refused; from_chars alone would take a '-').
std::optional<int> parse_decimal(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

std::optional<int> parse_prefix(std::string_view text, int max) {
  auto n = parse_decimal(text, 3);
  if (!n || *n > max) return std::nullopt;
  return n;
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t out = 0;
  size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    size_t end = octet == 3 ? text.size() : text.find('.', pos);
    if (end == std::string_view::npos) return std::nullopt;
    auto value = parse_decimal(text.substr(pos, end - pos), 3);
    if (!value || *value > 255) return std::nullopt;
    out = (out << 8) | static_cast<uint32_t>(*value);
    pos = end + 1;
  }
  return out;
}

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

std::optional<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text, bool strict) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parse_ipv4(text.substr(0, slash));
  auto prefix = parse_prefix(text.substr(slash + 1), 32);
  if (!address || !prefix) return std::nullopt;
  uint32_t mask = *prefix == 0 ? 0 : ~uint32_t{0} << (32 - *prefix);
  if (strict && (*address & ~mask) != 0) return std::nullopt;
  return Ipv4Cidr{*address & mask, *prefix};
}

std::string Ipv4Cidr::str() const { return format_ipv4(base) + "/" + std::to_string(prefix); }

bool is_ipv6_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || !parse_prefix(text.substr(slash + 1), 128)) return false;
  std::string address(text.substr(0, slash));
  unsigned char buf[16];
  return inet_pton(AF_INET6, address.c_str(), buf) == 1;
}

}  // namespace stratus
