// Request constraints from the IAM model: lengths, patterns (the model's Java-style patterns,
// \u escapes included), ranges and enums, worded as AWS's ValidationError.

#include "api/constraints.h"

#include <gtest/gtest.h>

#include "common/embedded.h"

namespace stratus::api {
namespace {

const ServiceModel& iam() {
  static auto parsed = ServiceModel::parse(embedded::iam_service_model());
  return *parsed.value();
}

const Shape* input(const char* action) { return iam().operation(action)->input; }

TEST(Constraints, AcceptsWhatTheModelAllows) {
  EXPECT_FALSE(check_constraints(input("CreateUser"), {{"UserName", "alice.b+c@d"}, {"Path", "/team/a/"}}));
  EXPECT_FALSE(check_constraints(input("CreateRole"), {{"RoleName", "r"}, {"AssumeRolePolicyDocument", "{}"},
                                                        {"MaxSessionDuration", 43200}}));
  // Tag patterns use \p{L}: not checked rather than refusing every tag.
  EXPECT_FALSE(check_constraints(input("CreateUser"), {{"UserName", "u"},
                                                        {"Tags", {{{"Key", "dept"}, {"Value", "eng"}}}}}));
}

TEST(Constraints, WordsEachProblemAsAws) {
  auto name = check_constraints(input("CreateUser"), {{"UserName", "bad name"}});
  ASSERT_TRUE(name);
  EXPECT_EQ(name->code, "ValidationError");
  EXPECT_EQ(name->message, "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: "
                           "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  auto path = check_constraints(input("CreateUser"), {{"UserName", "a"}, {"Path", "nope"}});
  ASSERT_TRUE(path);  // the path pattern is written with \u002F escapes
  EXPECT_NE(path->message.find("at 'path'"), std::string::npos);
  auto both = check_constraints(input("CreateRole"), {{"RoleName", std::string(65, 'r')},
                                                       {"AssumeRolePolicyDocument", "{}"},
                                                       {"MaxSessionDuration", 100}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->message.rfind("2 validation errors detected: ", 0), 0u);
  EXPECT_NE(both->message.find("Member must have length less than or equal to 64"), std::string::npos);
  EXPECT_NE(both->message.find("Member must have value greater than or equal to 3600"), std::string::npos);
  auto status = check_constraints(input("UpdateAccessKey"), {{"AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"},
                                                              {"Status", "Sleeping"}});
  ASSERT_TRUE(status);
  EXPECT_NE(status->message.find("enum value set"), std::string::npos);
}

}  // namespace
}  // namespace stratus::api
