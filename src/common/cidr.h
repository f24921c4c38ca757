#pragma once
// IPv4 and IPv6 CIDR blocks: parsing, containment, overlap.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// An IPv4 network: base address (host bits zero) and prefix length.
struct Ipv4Cidr {
  uint32_t base = 0;
  int prefix = 0;

  // Parses "a.b.c.d/n". Rejects host bits set when `strict`. nullopt when malformed.
  static std::optional<Ipv4Cidr> parse(std::string_view text, bool strict = true);
  // "a.b.c.d/n".
  std::string str() const;
  // Number of addresses in the block (2^(32-prefix)).
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
  // The last address of the block.
  uint32_t last() const { return base + static_cast<uint32_t>(size() - 1); }
  // True when `other` lies wholly inside this block.
  bool contains(const Ipv4Cidr& other) const { return other.base >= base && other.last() <= last(); }
  // True when the blocks share any address.
  bool overlaps(const Ipv4Cidr& other) const { return base <= other.last() && other.base <= last(); }

  bool operator==(const Ipv4Cidr&) const = default;
};

// Parses dotted-quad IPv4 text; nullopt when malformed.
std::optional<uint32_t> parse_ipv4(std::string_view text);
// Renders an IPv4 address as dotted quad.
std::string format_ipv4(uint32_t address);

// True when `text` is a syntactically valid IPv6 CIDR ("2001:db8::/32").
bool is_ipv6_cidr(std::string_view text);

}  // namespace stratus
