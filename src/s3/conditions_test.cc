#include "s3/conditions.h"

#include <gtest/gtest.h>

namespace stratus::s3 {
namespace {

std::optional<ByteRange> range(const std::string& header, uint64_t size) {
  auto parsed = parse_range(header, size);
  EXPECT_TRUE(parsed.ok()) << header;
  return parsed.ok() ? parsed.value() : std::nullopt;
}

TEST(Ranges, ParseAsS3ServesThem) {
  auto r = range("bytes=0-9", 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0u);
  EXPECT_EQ(r->length, 10u);
  r = range("bytes=90-", 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->length, 10u);
  r = range("bytes=-30", 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 70u);
  r = range("bytes=50-1000", 100);  // clipped to the end
  ASSERT_TRUE(r);
  EXPECT_EQ(r->length, 50u);
  r = range("bytes=-1000", 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0u);
  EXPECT_FALSE(range("bytes=5-2", 100));     // malformed: the whole object
  EXPECT_FALSE(range("bytes=0-1,5-6", 100));  // several ranges: the whole object
  EXPECT_FALSE(range("items=0-1", 100));
  auto past = parse_range("bytes=100-", 100);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code, "InvalidRange");
  EXPECT_FALSE(parse_range("bytes=0-0", 0).ok());
}

TEST(Conditions, FollowS3sPrecedence) {
  const std::string etag = "\"abc\"";
  EXPECT_FALSE(check_conditions({}, etag, 1000));
  EXPECT_FALSE(check_conditions({"\"abc\"", "", {}, {}}, etag, 1000));
  EXPECT_FALSE(check_conditions({"abc", "", {}, {}}, etag, 1000));  // unquoted, as some clients send
  EXPECT_EQ(check_conditions({"\"other\"", "", {}, {}}, etag, 1000)->code, "PreconditionFailed");
  EXPECT_EQ(check_conditions({"", "\"abc\"", {}, {}}, etag, 1000)->code, "NotModified");
  EXPECT_EQ(check_conditions({"", "*", {}, {}}, etag, 1000, /*reads=*/false)->code, "PreconditionFailed");
  // If-Match holding overrides a failing If-Unmodified-Since.
  EXPECT_FALSE(check_conditions({"\"abc\"", "", {}, 500}, etag, 1000));
  EXPECT_EQ(check_conditions({"", "", {}, 500}, etag, 1000)->code, "PreconditionFailed");
  // If-None-Match passing overrides If-Modified-Since failing.
  EXPECT_FALSE(check_conditions({"", "\"zzz\"", 2000, {}}, etag, 1000));
  EXPECT_EQ(check_conditions({"", "", 2000, {}}, etag, 1000)->code, "NotModified");
  EXPECT_FALSE(check_conditions({"", "", 500, {}}, etag, 1000));
}

}  // namespace
}  // namespace stratus::s3
