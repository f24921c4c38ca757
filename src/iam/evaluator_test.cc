// The policy evaluator and parser against the data-driven cases of testdata/evaluator_cases.txt
// (the format is described at the top of that file), plus the matching primitives.

#include "iam/evaluator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "iam/conditions.h"

namespace stratus::iam {
namespace {

// One case of the file: a request, the policies, and what must come of it.
struct Case {
  int line = 0;
  std::string name;
  std::vector<std::pair<std::string, std::string>> policies;  // (kind, document)
  AuthRequest request;
  std::string expect;
};

// The file's cases; each starts at a "case:" line and runs to the next.
std::vector<Case> read_cases(const std::string& path) {
  std::ifstream in(path);
  std::vector<Case> cases;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.empty() || text[0] == '#') continue;
    size_t colon = text.find(": ");
    if (colon == std::string::npos) throw std::runtime_error(path + ":" + std::to_string(number) + ": no 'key: value'");
    std::string key = text.substr(0, colon), value = text.substr(colon + 2);
    if (key == "case") {
      cases.push_back({});
      cases.back().line = number;
      cases.back().name = value;
      cases.back().request.caller = {"111122223333", "arn:aws:iam::111122223333:user/dev", "", ""};
      cases.back().request.resource = "*";
      continue;
    }
    if (cases.empty()) throw std::runtime_error(path + ":" + std::to_string(number) + ": before the first case");
    Case& c = cases.back();
    if (key == "identity" || key == "boundary" || key == "session" || key == "resource-policy" ||
        key == "trust-policy" || key == "parse-identity" || key == "parse-resource" || key == "parse-trust") {
      c.policies.emplace_back(key, value);
    } else if (key == "caller") {
      c.request.caller.arn = value;
    } else if (key == "caller-account") {
      c.request.caller.account = value;
    } else if (key == "caller-role") {
      c.request.caller.role_arn = value;
    } else if (key == "caller-service") {
      c.request.caller.service = value;
    } else if (key == "action") {
      c.request.action = value;
    } else if (key == "resource") {
      c.request.resource = value;
    } else if (key == "resource-unresolved") {
      c.request.resource_unresolved = value == "true";
    } else if (key == "resource-account") {
      c.request.resource_account = value;
    } else if (key == "context") {
      size_t equals = value.find('=');
      std::string name = value.substr(0, equals);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
      std::vector<std::string>& values = c.request.context[name];
      if (equals == std::string::npos) continue;  // present with no values
      std::stringstream rest(value.substr(equals + 1));
      for (std::string item; std::getline(rest, item, '|');) values.push_back(item);
    } else if (key == "expect") {
      c.expect = value;
    } else {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": unknown key '" + key + "'");
    }
  }
  return cases;
}

// The outcome of one case as its `expect` line words it.
std::string outcome(const Case& c) {
  std::vector<Policy> parsed;
  parsed.reserve(c.policies.size());
  PolicySet set;
  std::vector<std::pair<std::string, size_t>> placed;
  for (const auto& [kind, document] : c.policies) {
    PolicyKind parse_as = kind == "resource-policy" || kind == "parse-resource" ? PolicyKind::kResource
                          : kind == "trust-policy" || kind == "parse-trust"       ? PolicyKind::kTrust
                                                                                  : PolicyKind::kIdentity;
    auto policy = parse_policy(document, parse_as);
    if (kind.rfind("parse-", 0) == 0) {
      return policy.ok() ? "parsed" : "malformed " + policy.error().message;
    }
    if (!policy.ok()) return "unexpectedly malformed: " + policy.error().message;
    parsed.push_back(std::move(policy.value()));
    placed.emplace_back(kind, parsed.size() - 1);
  }
  for (const auto& [kind, index] : placed) {
    const Policy* policy = &parsed[index];
    if (kind == "identity") set.identity.push_back(policy);
    if (kind == "resource-policy" || kind == "trust-policy") set.resource.push_back(policy);
    if (kind == "trust-policy") set.resource_must_allow = true;
    if (kind == "boundary") {
      if (!set.boundary) set.boundary.emplace();
      set.boundary->push_back(policy);
    }
    if (kind == "session") {
      if (!set.session) set.session.emplace();
      set.session->push_back(policy);
    }
  }
  Evaluation evaluation = evaluate(c.request, set);
  switch (evaluation.decision) {
    case Decision::kAllowed: return "allow";
    case Decision::kExplicitDeny: return "explicit-deny by " + policy_role_name(evaluation.deciding);
    case Decision::kImplicitDeny: return "implicit-deny by " + policy_role_name(evaluation.deciding);
  }
  return "?";
}

TEST(EvaluatorCases, EveryCaseDecidesAsItSays) {
  std::string path = std::string(STRATUS_SOURCE_DIR) + "/src/iam/testdata/evaluator_cases.txt";
  std::vector<Case> cases = read_cases(path);
  ASSERT_GE(cases.size(), 200u);
  for (const Case& c : cases) {
    std::string got = outcome(c);
    // "implicit-deny" and "explicit-deny" alone accept any deciding policy.
    bool matches = got == c.expect || (c.expect.find(' ') == std::string::npos && got.rfind(c.expect + " ", 0) == 0);
    EXPECT_TRUE(matches) << path << ":" << c.line << " (" << c.name << "): expected '" << c.expect << "', got '" << got
                         << "'";
  }
}

TEST(GlobMatch, WildcardsAndLiterals) {
  EXPECT_TRUE(glob_match("ec2:describe*", "ec2:describeinstances", false));
  EXPECT_TRUE(glob_match("a?c", "abc", false));
  EXPECT_FALSE(glob_match("a?c", "ac", false));
  EXPECT_TRUE(glob_match("*", "", false));
  EXPECT_TRUE(glob_match("EC2:Run*", "ec2:runinstances", true));
  EXPECT_FALSE(glob_match("EC2:Run*", "ec2:runinstances", false));
  EXPECT_TRUE(glob_match(std::string("a") + kLiteralStar, "a*", false));
  EXPECT_FALSE(glob_match(std::string("a") + kLiteralStar, "ab", false));
}

TEST(IpIn, BothFamiliesAndBadInput) {
  EXPECT_TRUE(ip_in("10.0.0.0/8", "10.200.1.1"));
  EXPECT_FALSE(ip_in("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(ip_in("203.0.113.7", "203.0.113.7"));
  EXPECT_TRUE(ip_in("10.0.0.0/9", "10.127.0.1"));
  EXPECT_FALSE(ip_in("10.0.0.0/9", "10.128.0.1"));
  EXPECT_TRUE(ip_in("2001:db8::/32", "2001:db8:1::5"));
  EXPECT_FALSE(ip_in("2001:db8::/32", "10.0.0.1"));
  EXPECT_FALSE(ip_in("10.0.0.0/33", "10.0.0.1"));
  EXPECT_FALSE(ip_in("nonsense", "10.0.0.1"));
}

TEST(Substitute, VariablesDefaultsAndLiterals) {
  ContextKeys context = {{"aws:username", {"dev"}}, {"aws:tagkeys", {"a", "b"}}};
  EXPECT_EQ(substitute("home/${aws:username}/*", context), "home/dev/*");
  EXPECT_EQ(substitute("home/${AWS:UserName}", context), "home/dev");
  EXPECT_EQ(substitute("x/${aws:userid, 'anonymous'}", context), "x/anonymous");
  EXPECT_EQ(substitute("${*}${?}${$}", context), std::string() + kLiteralStar + kLiteralQuestion + "$");
  EXPECT_EQ(substitute("${aws:userid}", context), std::nullopt);
  EXPECT_EQ(substitute("${aws:tagkeys}", context), std::nullopt);  // several values
}

}  // namespace
}  // namespace stratus::iam
