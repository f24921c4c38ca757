#include "s3/listing.h"

#include <gtest/gtest.h>

namespace stratus::s3 {
namespace {

ObjectIndex index_of(const std::vector<std::string>& keys) {
  ObjectIndex index;
  for (const std::string& key : keys) index[key] = std::make_shared<const nlohmann::json>(nlohmann::json{{"Key", key}});
  return index;
}

std::vector<std::string> keys_of(const ListingPage& page) {
  std::vector<std::string> keys;
  for (const auto& doc : page.objects) keys.push_back(doc->value("Key", ""));
  return keys;
}

TEST(Listing, RollsKeysUpIntoCommonPrefixesThatCountAsOneEntry) {
  ObjectIndex index = index_of({"asdf", "foo/bar", "foo/bar/xyzzy", "quux/thud"});
  ListingQuery query;
  query.delimiter = "/";
  ListingPage page = list_page(index, query);
  EXPECT_EQ(keys_of(page), std::vector<std::string>{"asdf"});
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"foo/", "quux/"}));
  EXPECT_FALSE(page.truncated);
  query.max_keys = 2;
  page = list_page(index, query);
  EXPECT_EQ(keys_of(page), std::vector<std::string>{"asdf"});
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"foo/"});
  EXPECT_TRUE(page.truncated);
  ASSERT_TRUE(resume_from_token(continuation_token(page), query));
  page = list_page(index, query);  // never the keys under foo/ again
  EXPECT_TRUE(keys_of(page).empty());
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"quux/"});
  EXPECT_FALSE(page.truncated);
}

TEST(Listing, PagesThroughKeysInByteOrderWithAPrefixAndMultiCharacterDelimiter) {
  ObjectIndex index = index_of({"a", "b", "b::c", "b::d", "b:e", "c", "\xc3\xa9"});
  ListingQuery query;
  query.prefix = "b";
  query.delimiter = "::";
  ListingPage page = list_page(index, query);
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"b", "b:e"}));
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"b::"});
  ListingQuery all;
  all.max_keys = 3;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    page = list_page(index, all);
    for (const std::string& key : keys_of(page)) seen.push_back(key);
    if (!page.truncated) break;
    all.after = page.last;  // as a v1 marker
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "b::c", "b::d", "b:e", "c", "\xc3\xa9"}));
}

TEST(Listing, StartsAfterAMarkerAndAnswersMaxKeysZeroUntruncated) {
  ObjectIndex index = index_of({"a/1", "a/2", "b/1", "c"});
  ListingQuery query;
  query.delimiter = "/";
  query.after = "a/1";  // the prefix a/ is not past it: left out
  ListingPage page = list_page(index, query);
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"b/"});
  EXPECT_EQ(keys_of(page), std::vector<std::string>{"c"});
  query.max_keys = 0;
  page = list_page(index, query);
  EXPECT_TRUE(page.objects.empty());
  EXPECT_FALSE(page.truncated);
  ListingQuery bad;
  EXPECT_FALSE(resume_from_token("not a token!", bad));
}

}  // namespace
}  // namespace stratus::s3
