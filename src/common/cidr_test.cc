#include "common/cidr.h"

#include <gtest/gtest.h>

namespace stratus {
namespace {

struct CidrCase {
  const char* text;
  bool strict_ok;
  const char* canonical;  // when parsed non-strictly
};

TEST(Cidr, ParsesAndCanonicalises) {
  const CidrCase cases[] = {
      {"10.0.0.0/16", true, "10.0.0.0/16"},   {"172.31.16.0/20", true, "172.31.16.0/20"},
      {"10.0.0.1/24", false, "10.0.0.0/24"},  {"0.0.0.0/0", true, "0.0.0.0/0"},
      {"255.255.255.255/32", true, "255.255.255.255/32"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Ipv4Cidr::parse(c.text, true).has_value(), c.strict_ok) << c.text;
    ASSERT_TRUE(Ipv4Cidr::parse(c.text, false)) << c.text;
    EXPECT_EQ(Ipv4Cidr::parse(c.text, false)->str(), c.canonical);
  }
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0/16", "10.0.0.256/24", "10.0.0.0/", "/16", "a.b.c.d/8",
                          "10.0.0.0/016", "010.0.0.0/8", "10.0.0.0/-1", " 10.0.0.0/8"}) {
    EXPECT_FALSE(Ipv4Cidr::parse(bad, false)) << bad;
  }
}

// Numbers that are huge, signed, empty or not numbers at all: refused, never wrapped or thrown.
TEST(Cidr, RejectsBadNumbers) {
  for (const char* bad : {"10.0.0.0/-0", "10.0.0.0/+8", "10.0.0.0/99999999999", "10.0.0.0/4294967304",
                          "10.0.0.-1/32", "10.0.-0.0/16", "-10.0.0.0/8", "99999999999.0.0.0/8", "10..0.0/8",
                          "10.0.0.0/8 ", "10.0.0.0/0x8", "1e1.0.0.0/8", "", "/", "10.0.0.0/1a"}) {
    EXPECT_FALSE(Ipv4Cidr::parse(bad, false)) << bad;
  }
  for (const char* bad : {"1.2.3.-1", "1.2.3.-0", "1.2.3.99999999999", "1.2.3.", "1.2.3.4.5", ""}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
  for (const char* bad : {"::/-0", "::/+1", "::/99999999999", "::/"}) EXPECT_FALSE(is_ipv6_cidr(bad)) << bad;
}

TEST(Cidr, ContainmentAndOverlap) {
  auto vpc = *Ipv4Cidr::parse("10.0.0.0/16");
  auto a = *Ipv4Cidr::parse("10.0.0.0/24");
  auto b = *Ipv4Cidr::parse("10.0.0.128/25");
  auto c = *Ipv4Cidr::parse("10.0.1.0/24");
  auto outside = *Ipv4Cidr::parse("10.1.0.0/24");
  EXPECT_TRUE(vpc.contains(a));
  EXPECT_FALSE(vpc.contains(outside));
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_FALSE(a.overlaps(c));
  EXPECT_EQ(a.size(), 256u);
  EXPECT_EQ(format_ipv4(vpc.last()), "10.0.255.255");
}

TEST(Cidr, Ipv6Syntax) {
  EXPECT_TRUE(is_ipv6_cidr("::/0"));
  EXPECT_TRUE(is_ipv6_cidr("2001:db8::/32"));
  EXPECT_FALSE(is_ipv6_cidr("2001:db8::/129"));
  EXPECT_FALSE(is_ipv6_cidr("2001:db8::"));
  EXPECT_FALSE(is_ipv6_cidr("10.0.0.0/8"));
}

}  // namespace
}  // namespace stratus
