#include "services/ec2/describe.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace stratus::ec2 {
namespace {

const json kGroup = {{"GroupId", "sg-1"},
                     {"GroupName", "web"},
                     {"IpPermissions", {{{"FromPort", 22}, {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}}}}},
                     {"Tags", {{{"Key", "Name"}, {"Value", "web-prod"}}, {{"Key", "team"}, {"Value", "core"}}}}};

const FilterTable kFilters = {{"group-name", field("GroupName")},
                              {"ip-permission.cidr", field("IpPermissions[].IpRanges[].CidrIp")},
                              {"ip-permission.from-port", field("IpPermissions[].FromPort")}};

json filters(std::initializer_list<std::pair<const char*, std::vector<std::string>>> list) {
  json out = json::array();
  for (const auto& [name, values] : list) out.push_back({{"Name", name}, {"Values", values}});
  return out;
}

TEST(Filters, FieldPathsWalkLists) {
  EXPECT_EQ(field("IpPermissions[].IpRanges[].CidrIp")(kGroup), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(field("IpPermissions[].FromPort")(kGroup), std::vector<std::string>{"22"});
  EXPECT_TRUE(field("Missing.Path")(kGroup).empty());
}

TEST(Filters, MatchingRules) {
  EXPECT_TRUE(matches_filters(kGroup, filters({{"group-name", {"db", "web"}}}), kFilters));  // OR within
  EXPECT_FALSE(matches_filters(kGroup, filters({{"group-name", {"web"}}, {"ip-permission.from-port", {"80"}}}),
                               kFilters));  // AND across
  EXPECT_TRUE(matches_filters(kGroup, filters({{"tag:Name", {"web-*"}}}), kFilters));
  EXPECT_FALSE(matches_filters(kGroup, filters({{"tag:Name", {"db-*"}}}), kFilters));
  EXPECT_TRUE(matches_filters(kGroup, filters({{"tag-key", {"team"}}}), kFilters));
  EXPECT_TRUE(matches_filters(kGroup, filters({{"tag-value", {"c?re"}}}), kFilters));
  EXPECT_THROW(matches_filters(kGroup, filters({{"no-such-filter", {"x"}}}), kFilters), ServiceError);
}

TEST(Filters, Wildcards) {
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("a*c", "abbbc"));
  EXPECT_TRUE(wildcard_match("a?c", "abc"));
  EXPECT_FALSE(wildcard_match("a?c", "ac"));
  EXPECT_FALSE(wildcard_match("abc", "abcd"));
  EXPECT_TRUE(wildcard_match("*d", "abcd"));
}

TEST(Pagination, PagesAndTokens) {
  std::vector<json> items;
  for (int i = 0; i < 7; ++i) items.push_back({{"Id", i}});
  json first = paginate(items, {{"MaxResults", 5}}, "Items");
  ASSERT_EQ(first["Items"].size(), 5u);
  ASSERT_TRUE(first.contains("NextToken"));
  json second = paginate(items, {{"MaxResults", 5}, {"NextToken", first["NextToken"]}}, "Items");
  ASSERT_EQ(second["Items"].size(), 2u);
  EXPECT_EQ(second["Items"][0]["Id"], 5);
  EXPECT_FALSE(second.contains("NextToken"));
  EXPECT_EQ(paginate(items, json::object(), "Items")["Items"].size(), 7u);
  EXPECT_THROW(paginate(items, {{"NextToken", "garbage"}}, "Items"), ServiceError);
}

// The error code paginate() throws for `request`, or "" when it answers.
std::string pagination_error(const json& request) {
  std::vector<json> items(7, json{{"Id", 1}});
  try {
    paginate(items, request, "Items");
    return "";
  } catch (const ServiceError& e) {
    return e.error.code;
  }
}

TEST(Pagination, RefusesBadNumbers) {
  struct Case {
    json request;
    const char* code;
  };
  const Case cases[] = {
      {{{"MaxResults", 0}}, "InvalidParameterValue"},  // would page forever
      {{{"MaxResults", 4}}, "InvalidParameterValue"},
      {{{"MaxResults", -1}}, "InvalidParameterValue"},  // would wrap to a huge size_t
      {{{"MaxResults", INT64_MIN}}, "InvalidParameterValue"},
      {{{"MaxResults", INT64_MAX}}, ""},
      {{{"NextToken", base64_encode("offset:99999999999999999999999")}}, "InvalidPaginationToken"},
      {{{"NextToken", base64_encode("offset:-1")}}, "InvalidPaginationToken"},
      {{{"NextToken", base64_encode("offset:")}}, "InvalidPaginationToken"},
      {{{"NextToken", base64_encode("offset:1x")}}, "InvalidPaginationToken"},
      {{{"NextToken", base64_encode("offset:18446744073709551615")}}, ""},  // past the end: an empty page
      {{{"NextToken", ""}}, ""},
  };
  for (const Case& c : cases) EXPECT_EQ(pagination_error(c.request), c.code) << c.request.dump();
}

// A keyed page resumes after the last key shown, whatever was deleted or created meanwhile.
TEST(Pagination, KeyedTokensSurviveDeletes) {
  std::vector<json> items;
  for (const char* id : {"g", "b", "e", "a", "d", "c", "f"}) items.push_back({{"Id", id}});
  PageKey key = member_key("Id");
  json first = paginate(items, {{"MaxResults", 5}}, "Items", false, key);
  ASSERT_EQ(first["Items"].size(), 5u);
  EXPECT_EQ(first["Items"][0]["Id"], "a");
  EXPECT_EQ(first["Items"][4]["Id"], "e");
  std::vector<json> later;
  for (const char* id : {"g", "b", "a", "0", "f"}) later.push_back({{"Id", id}});  // c, d, e deleted; 0 created
  json second = paginate(later, {{"MaxResults", 5}, {"NextToken", first["NextToken"]}}, "Items", false, key);
  ASSERT_EQ(second["Items"].size(), 2u);
  EXPECT_EQ(second["Items"][0]["Id"], "f");
  EXPECT_EQ(second["Items"][1]["Id"], "g");
  EXPECT_FALSE(second.contains("NextToken"));
  // A positional token is not a keyed one.
  json positional = paginate(items, {{"MaxResults", 5}}, "Items");
  EXPECT_THROW(paginate(items, {{"NextToken", positional["NextToken"]}}, "Items", false, key), ServiceError);
}

}  // namespace
}  // namespace stratus::ec2
