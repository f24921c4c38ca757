#include "s3/bucket_names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stratus::s3 {
namespace {

TEST(BucketNames, FollowAwsRules) {
  for (const std::string& good : std::vector<std::string>{"abc", "my-bucket.logs", "a1b", "0bucket9", std::string(63, 'a')}) {
    EXPECT_FALSE(bucket_name_problem(good)) << good;
  }
  for (const char* bad : {"ab", "My-Bucket", "under_score", "-start", "end-", "a..b", "a.-b", "192.168.5.4",
                          "xn--abc", "sthree-x", "bucket-s3alias", "bucket--x-s3", "amzn-s3-demo-x", "a b c"}) {
    EXPECT_TRUE(bucket_name_problem(bad)) << bad;
  }
  EXPECT_TRUE(bucket_name_problem(std::string(64, 'a')));
}

}  // namespace
}  // namespace stratus::s3
