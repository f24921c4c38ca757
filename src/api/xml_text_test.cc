#include "api/xml_text.h"

#include <gtest/gtest.h>

namespace stratus::api {
namespace {

TEST(XmlText, AcceptsWhatXmlCarries) {
  EXPECT_TRUE(is_xml_text(""));
  EXPECT_TRUE(is_xml_text("plain text, tab\\t, lines\n\r"));
  EXPECT_TRUE(is_xml_text("\t\n\r"));
  EXPECT_TRUE(is_xml_text("\xEC\x84\x9C\xEC\x9A\xB8"));      // 서울
  EXPECT_TRUE(is_xml_text("\xF0\x9F\x98\x80"));              // U+1F600
  EXPECT_TRUE(is_xml_text("\xEF\xBF\xBD"));                  // U+FFFD
}

TEST(XmlText, RefusesControlCharactersNonCharactersAndBadUtf8) {
  for (std::string_view bad : {std::string_view("a\x01" "b"), std::string_view("x\x02y"), std::string_view("\x1f"),
                               std::string_view("\0", 1), std::string_view("\x0b"), std::string_view("\xEF\xBF\xBE"),
                               std::string_view("\xEF\xBF\xBF"), std::string_view("\xC0\xAF"),
                               std::string_view("\xED\xA0\x80"), std::string_view("\xFF"), std::string_view("\xE2\x82")}) {
    EXPECT_FALSE(is_xml_text(bad)) << testing::PrintToString(std::string(bad));
  }
  EXPECT_TRUE(is_utf8(std::string_view("a\x01" "b")));  // well-formed, just not XML text
  EXPECT_FALSE(is_utf8("\xC0\xAF"));
}

TEST(XmlText, ReplacesWhatXmlCannotCarry) {
  EXPECT_EQ(to_xml_text("x\x02y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(to_xml_text(std::string_view("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(to_xml_text("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(to_xml_text("ok \xEC\x84\x9C"), "ok \xEC\x84\x9C");
  EXPECT_TRUE(is_xml_text(to_xml_text("\x01\x02\x03\xEF\xBF\xBF\xE2\x82")));
}

}  // namespace
}  // namespace stratus::api
