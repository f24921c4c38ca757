#include "iam/policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/ascii_case.h"
#include "common/timestamp.h"

namespace stratus::iam {
namespace {

using nlohmann::json;

// Thrown while parsing; parse_policy turns it into the error.
struct Malformed {
  std::string message;
};

[[noreturn]] void malformed(const std::string& message) { throw Malformed{message}; }
[[noreturn]] void syntax_error() { malformed("Syntax errors in policy."); }

struct NamedOperator {
  std::string_view name;
  ConditionOperator op;
};

constexpr NamedOperator kOperators[] = {
    {"StringEquals", ConditionOperator::kStringEquals},
    {"StringNotEquals", ConditionOperator::kStringNotEquals},
    {"StringEqualsIgnoreCase", ConditionOperator::kStringEqualsIgnoreCase},
    {"StringNotEqualsIgnoreCase", ConditionOperator::kStringNotEqualsIgnoreCase},
    {"StringLike", ConditionOperator::kStringLike},
    {"StringNotLike", ConditionOperator::kStringNotLike},
    {"NumericEquals", ConditionOperator::kNumericEquals},
    {"NumericNotEquals", ConditionOperator::kNumericNotEquals},
    {"NumericLessThan", ConditionOperator::kNumericLessThan},
    {"NumericLessThanEquals", ConditionOperator::kNumericLessThanEquals},
    {"NumericGreaterThan", ConditionOperator::kNumericGreaterThan},
    {"NumericGreaterThanEquals", ConditionOperator::kNumericGreaterThanEquals},
    {"DateEquals", ConditionOperator::kDateEquals},
    {"DateNotEquals", ConditionOperator::kDateNotEquals},
    {"DateLessThan", ConditionOperator::kDateLessThan},
    {"DateLessThanEquals", ConditionOperator::kDateLessThanEquals},
    {"DateGreaterThan", ConditionOperator::kDateGreaterThan},
    {"DateGreaterThanEquals", ConditionOperator::kDateGreaterThanEquals},
    {"Bool", ConditionOperator::kBool},
    {"BinaryEquals", ConditionOperator::kBinaryEquals},
    {"IpAddress", ConditionOperator::kIpAddress},
    {"NotIpAddress", ConditionOperator::kNotIpAddress},
    {"ArnEquals", ConditionOperator::kArnEquals},
    {"ArnLike", ConditionOperator::kArnLike},
    {"ArnNotEquals", ConditionOperator::kArnNotEquals},
    {"ArnNotLike", ConditionOperator::kArnNotLike},
    {"Null", ConditionOperator::kNull},
};

// The strings of an element that is one string or a list of them; empty for an empty list.
std::vector<std::string> strings_of(const json& element) {
  if (element.is_string()) return {element.get<std::string>()};
  if (!element.is_array()) syntax_error();
  std::vector<std::string> out;
  for (const json& item : element) {
    if (!item.is_string()) syntax_error();
    out.push_back(item.get<std::string>());
  }
  return out;
}

// An action as IAM checks it: "*", or VENDOR:ACTION with one colon and a plain vendor.
std::string checked_action(const std::string& action) {
  if (action == "*") return action;
  size_t colon = action.find(':');
  if (colon == std::string::npos || colon == 0) {
    malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
  if (action.find(':', colon + 1) != std::string::npos) malformed("Actions/Condition can contain only one colon.");
  std::string vendor = action.substr(0, colon);
  bool plain = std::all_of(vendor.begin(), vendor.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
  if (!plain) malformed("Vendor " + vendor + " is not valid");
  return ascii_lower(action);
}

// A resource as IAM checks it: "*", or an ARN of six parts in a known partition.
void check_resource(const std::string& resource) {
  if (resource == "*") return;
  if (resource.rfind("arn:", 0) != 0) malformed("Resource " + resource + " must be in ARN format or \"*\".");
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = resource.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(resource.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(resource.substr(start));
  if (parts.size() < 3) malformed("Resource vendor must be fully qualified and cannot contain regexes.");
  if (parts.size() < 6) malformed("The policy failed legacy parsing");
  static const std::set<std::string> kPartitions = {"aws", "aws-cn", "aws-us-gov", "*"};
  if (!kPartitions.count(parts[1])) {
    malformed("Partition \"" + parts[1] + "\" is not valid for resource \"" + resource + "\".");
  }
  if (parts[2] == "iam" && !parts[3].empty()) malformed("IAM resource " + resource + " cannot contain region information.");
}

// An AWS principal as IAM checks it: "*", an account id, or an IAM or STS ARN.
void check_aws_principal(const std::string& principal) {
  if (principal == "*") return;
  bool account = principal.size() == 12 && std::all_of(principal.begin(), principal.end(), ::isdigit);
  bool arn = principal.rfind("arn:aws:iam::", 0) == 0 || principal.rfind("arn:aws:sts::", 0) == 0;
  if (!account && !arn) malformed("Invalid principal in policy: \"AWS\":\"" + principal + "\"");
}

Principals principals_of(const json& element) {
  Principals out;
  if (element.is_string()) {
    if (element.get<std::string>() != "*") syntax_error();
    out.anyone = true;
    return out;
  }
  if (!element.is_object() || element.empty()) syntax_error();
  for (const auto& [type, value] : element.items()) {
    std::vector<std::string> names = strings_of(value);
    if (type == "AWS") {
      for (const std::string& name : names) {
        check_aws_principal(name);
        if (name == "*") out.anyone = true;
        else out.aws.push_back(name);
      }
    } else if (type == "Service") {
      out.service.insert(out.service.end(), names.begin(), names.end());
    } else if (type == "Federated") {
      out.federated.insert(out.federated.end(), names.begin(), names.end());
    } else if (type != "CanonicalUser") {
      syntax_error();
    }
  }
  return out;
}

// The operator named `name` ("ForAnyValue:StringLikeIfExists" and the like) into `condition`.
void parse_operator(const std::string& name, Condition& condition) {
  std::string_view rest = name;
  for (auto [prefix, qualifier] : {std::pair{std::string_view("ForAllValues:"), SetQualifier::kForAllValues},
                                   std::pair{std::string_view("ForAnyValue:"), SetQualifier::kForAnyValue}}) {
    if (rest.substr(0, prefix.size()) == prefix) {
      condition.qualifier = qualifier;
      rest.remove_prefix(prefix.size());
      break;
    }
  }
  constexpr std::string_view kIfExists = "IfExists";
  if (rest.size() > kIfExists.size() && rest.substr(rest.size() - kIfExists.size()) == kIfExists) {
    condition.if_exists = true;
    rest.remove_suffix(kIfExists.size());
  }
  for (const NamedOperator& named : kOperators) {
    if (named.name == rest && !(named.op == ConditionOperator::kNull && condition.if_exists)) {
      condition.op = named.op;
      return;
    }
  }
  syntax_error();
}

// True for the Date* operators, whose values must be dates.
bool is_date(ConditionOperator op) {
  return op >= ConditionOperator::kDateEquals && op <= ConditionOperator::kDateGreaterThanEquals;
}

std::vector<Condition> conditions_of(const json& element) {
  if (!element.is_object()) syntax_error();
  std::vector<Condition> out;
  for (const auto& [operator_name, keys] : element.items()) {
    if (!keys.is_object()) syntax_error();
    for (const auto& [key, values] : keys.items()) {
      Condition condition;
      parse_operator(operator_name, condition);
      condition.key = ascii_lower(key);
      for (const json& value : values.is_array() ? values : json::array({values})) {
        if (value.is_string()) condition.values.push_back(value.get<std::string>());
        else if (value.is_boolean() || value.is_number()) condition.values.push_back(value.dump());
        else syntax_error();
      }
      if (is_date(condition.op)) {
        for (const std::string& value : condition.values) {
          bool epoch = !value.empty() && std::all_of(value.begin(), value.end(), ::isdigit);
          if (!epoch && !parse_iso8601(value)) malformed("The policy failed legacy parsing");
        }
      }
      out.push_back(std::move(condition));
    }
  }
  return out;
}

// The element `name` of `statement`, or its negation `not_name` (`negated` then set); nullptr
// when it has neither. Both at once is a syntax error.
const json* either(const json& statement, const char* name, const char* not_name, bool& negated) {
  bool plain = statement.contains(name);
  negated = statement.contains(not_name);
  if (plain && negated) syntax_error();
  if (!plain && !negated) return nullptr;
  return &statement[negated ? not_name : name];
}

Statement statement_of(const json& element, PolicyKind kind) {
  static const std::set<std::string> kKeys = {"Sid",         "Effect",    "Action",       "NotAction", "Resource",
                                              "NotResource", "Principal", "NotPrincipal", "Condition"};
  if (!element.is_object()) syntax_error();
  for (const auto& [key, value] : element.items()) {
    if (!kKeys.count(key)) syntax_error();
  }
  Statement out;
  if (element.contains("Sid")) {
    if (!element["Sid"].is_string()) syntax_error();
    out.sid = element["Sid"].get<std::string>();
  }
  if (!element.contains("Effect") || !element["Effect"].is_string()) syntax_error();
  std::string effect = element["Effect"].get<std::string>();
  if (effect == "Allow") out.effect = Effect::kAllow;
  else if (effect == "Deny") out.effect = Effect::kDeny;
  else if (ascii_lower(effect) == "allow" || ascii_lower(effect) == "deny") malformed("The policy failed legacy parsing");
  else syntax_error();

  const json* actions = either(element, "Action", "NotAction", out.not_action);
  if (actions != nullptr) {
    for (const std::string& action : strings_of(*actions)) out.actions.push_back(checked_action(action));
  }
  if (out.actions.empty()) malformed("Policy statement must contain actions.");

  const json* resources = either(element, "Resource", "NotResource", out.not_resource);
  if (kind == PolicyKind::kTrust) {
    if (resources != nullptr) malformed("Has prohibited field Resource");
  } else {
    if (resources != nullptr) out.resources = strings_of(*resources);
    if (out.resources.empty()) malformed("Policy statement must contain resources.");
    for (const std::string& resource : out.resources) check_resource(resource);
  }

  const json* principals = either(element, "Principal", "NotPrincipal", out.not_principal);
  if (kind == PolicyKind::kIdentity) {
    if (principals != nullptr) malformed("Policy document should not specify a principal.");
  } else {
    if (principals == nullptr) malformed("Missing required field Principal");
    out.principals = principals_of(*principals);
  }
  if (element.contains("Condition")) out.conditions = conditions_of(element["Condition"]);
  return out;
}

}  // namespace

Result<Policy> parse_policy(std::string_view document, PolicyKind kind) {
  try {
    json doc = json::parse(document, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) syntax_error();
    for (const auto& [key, value] : doc.items()) {
      if (key != "Version" && key != "Id" && key != "Statement") syntax_error();
    }
    Policy policy;
    if (doc.contains("Version")) {
      if (!doc["Version"].is_string()) syntax_error();
      std::string version = doc["Version"].get<std::string>();
      if (version != "2012-10-17" && version != "2008-10-17") syntax_error();
      policy.variables = version == "2012-10-17";
    } else {
      policy.variables = false;
    }
    if (!doc.contains("Statement")) syntax_error();
    const json& statements = doc["Statement"];
    if (statements.is_array() && statements.empty()) syntax_error();
    std::set<std::string> sids;
    for (const json& element : statements.is_array() ? statements : json::array({statements})) {
      Statement statement = statement_of(element, kind);
      if (!statement.sid.empty() && !sids.insert(statement.sid).second) {
        malformed("Statement IDs (SID) in a single policy must be unique.");
      }
      policy.statements.push_back(std::move(statement));
    }
    return policy;
  } catch (const Malformed& e) {
    return ApiError{"MalformedPolicyDocument", e.message};
  }
}

}  // namespace stratus::iam
