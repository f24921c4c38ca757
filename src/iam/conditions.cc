#include "iam/conditions.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "common/ascii_case.h"
#include "common/timestamp.h"
#include "common/wildcard.h"

namespace stratus::iam {
namespace {

using Op = ConditionOperator;

// `text` with the literal stand-ins of ${*} and ${?} back as the characters.
std::string plain(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), kLiteralStar, '*');
  std::replace(out.begin(), out.end(), kLiteralQuestion, '?');
  return out;
}

// `value` with its wildcard characters made literal (a substituted value never is a pattern).
std::string literal(std::string_view value) {
  std::string out(value);
  std::replace(out.begin(), out.end(), '*', kLiteralStar);
  std::replace(out.begin(), out.end(), '?', kLiteralQuestion);
  return out;
}

bool chars_equal(char pattern, char text, bool fold_case) {
  if (pattern == kLiteralStar) return text == '*';
  if (pattern == kLiteralQuestion) return text == '?';
  if (fold_case) return std::tolower(static_cast<unsigned char>(pattern)) == std::tolower(static_cast<unsigned char>(text));
  return pattern == text;
}

// The parts of an ARN: split at its first five colons (the sixth part holds the rest).
std::vector<std::string_view> arn_parts(std::string_view arn) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':');
    if (colon == std::string_view::npos) break;
    parts.push_back(arn.substr(0, colon));
    arn.remove_prefix(colon + 1);
  }
  parts.push_back(arn);
  return parts;
}

// Parses an address of either family into 16 bytes; its bit count (32 or 128), or 0.
int parse_address(const std::string& text, std::array<unsigned char, 16>& bytes) {
  bytes.fill(0);
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return 32;
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) return 128;
  return 0;
}

// A number as the Numeric operators read it; nullopt when not one.
std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// A date as the Date operators read it (ISO 8601, or seconds since the epoch); nullopt when not one.
std::optional<double> date(const std::string& text) {
  if (auto epoch = number(text)) return epoch;
  auto parsed = parse_iso8601(text);
  if (!parsed) return std::nullopt;
  return static_cast<double>(*parsed);
}

bool is_negated(Op op) {
  switch (op) {
    case Op::kStringNotEquals: case Op::kStringNotEqualsIgnoreCase: case Op::kStringNotLike:
    case Op::kNumericNotEquals: case Op::kDateNotEquals: case Op::kNotIpAddress: case Op::kArnNotEquals:
    case Op::kArnNotLike:
      return true;
    default:
      return false;
  }
}

// True for the operators whose values may hold policy variables.
bool takes_variables(Op op) {
  return (op >= Op::kStringEquals && op <= Op::kStringNotLike) || op == Op::kBool ||
         (op >= Op::kArnEquals && op <= Op::kArnNotLike);
}

// The positive test of `op` (the negated operators' counterpart): does request value `value`
// match policy value `pattern`?
bool matches(Op op, const std::string& pattern, const std::string& value) {
  switch (op) {
    case Op::kStringEquals: case Op::kStringNotEquals:
      return plain(pattern) == value;
    case Op::kStringEqualsIgnoreCase: case Op::kStringNotEqualsIgnoreCase:
      return ascii_lower(plain(pattern)) == ascii_lower(value);
    case Op::kStringLike: case Op::kStringNotLike:
      return glob_match(pattern, value, false);
    case Op::kNumericEquals: case Op::kNumericNotEquals: case Op::kNumericLessThan: case Op::kNumericLessThanEquals:
    case Op::kNumericGreaterThan: case Op::kNumericGreaterThanEquals:
    case Op::kDateEquals: case Op::kDateNotEquals: case Op::kDateLessThan: case Op::kDateLessThanEquals:
    case Op::kDateGreaterThan: case Op::kDateGreaterThanEquals: {
      bool dates = op >= Op::kDateEquals;
      auto want = dates ? date(pattern) : number(pattern);
      auto got = dates ? date(value) : number(value);
      if (!want || !got) return false;
      switch (op) {
        case Op::kNumericLessThan: case Op::kDateLessThan: return *got < *want;
        case Op::kNumericLessThanEquals: case Op::kDateLessThanEquals: return *got <= *want;
        case Op::kNumericGreaterThan: case Op::kDateGreaterThan: return *got > *want;
        case Op::kNumericGreaterThanEquals: case Op::kDateGreaterThanEquals: return *got >= *want;
        default: return *got == *want;
      }
    }
    case Op::kBool:
      return ascii_lower(plain(pattern)) == ascii_lower(value);
    case Op::kBinaryEquals:
      return pattern == value;
    case Op::kIpAddress: case Op::kNotIpAddress:
      return ip_in(pattern, value);
    case Op::kArnEquals: case Op::kArnLike: case Op::kArnNotEquals: case Op::kArnNotLike:
      return arn_match(pattern, value);
    case Op::kNull:
      return false;  // decided by presence alone, in condition_holds
  }
  return false;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool fold_case) {
  return wildcard_match(pattern, text, [fold_case](char want, char got) { return chars_equal(want, got, fold_case); });
}

bool arn_match(std::string_view pattern, std::string_view arn) {
  std::vector<std::string_view> want = arn_parts(pattern), got = arn_parts(arn);
  if (want.size() != 6 || got.size() != 6) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (!glob_match(want[i], got[i], false)) return false;
  }
  return true;
}

bool ip_in(std::string_view range, std::string_view address) {
  std::string base(range);
  int prefix = -1;
  if (size_t slash = range.find('/'); slash != std::string_view::npos) {
    base = std::string(range.substr(0, slash));
    std::string bits(range.substr(slash + 1));
    if (bits.empty() || !std::all_of(bits.begin(), bits.end(), ::isdigit) || bits.size() > 3) return false;
    prefix = std::stoi(bits);
  }
  std::array<unsigned char, 16> net{}, addr{};
  int family = parse_address(base, net);
  if (family == 0 || parse_address(std::string(address), addr) != family) return false;
  if (prefix < 0) prefix = family;
  if (prefix > family) return false;
  int whole = prefix / 8, rest = prefix % 8;
  if (std::memcmp(net.data(), addr.data(), whole) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net[whole] & mask) == (addr[whole] & mask);
}

std::optional<std::string> substitute(std::string_view text, ContextView context) {
  std::string out;
  while (true) {
    size_t open = text.find("${");
    if (open == std::string_view::npos) break;
    size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out += text.substr(0, open);
    std::string_view inner = text.substr(open + 2, close - open - 2);
    text.remove_prefix(close + 1);
    if (inner == "*") {
      out += kLiteralStar;
      continue;
    }
    if (inner == "?") {
      out += kLiteralQuestion;
      continue;
    }
    if (inner == "$") {
      out += '$';
      continue;
    }
    std::optional<std::string> fallback;
    if (size_t comma = inner.find(','); comma != std::string_view::npos) {
      std::string_view given = inner.substr(comma + 1);
      while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
      if (given.size() < 2 || given.front() != '\'' || given.back() != '\'') return std::nullopt;
      fallback = std::string(given.substr(1, given.size() - 2));
      inner = inner.substr(0, comma);
    }
    const std::vector<std::string>* found = context.find(ascii_lower(inner));
    if (found != nullptr && found->size() == 1) out += literal((*found)[0]);
    else if (found == nullptr && fallback) out += literal(*fallback);
    else return std::nullopt;
  }
  out += text;
  return out;
}

bool condition_holds(const Condition& condition, ContextView context, bool variables) {
  const std::vector<std::string>* found = context.find(condition.key);
  bool present = found != nullptr && !found->empty();
  if (condition.op == Op::kNull) {
    bool want_absent = std::any_of(condition.values.begin(), condition.values.end(),
                                   [](const std::string& v) { return ascii_lower(v) == "true"; });
    return want_absent ? !present : present;
  }
  if (!present) {
    if (condition.if_exists || condition.qualifier == SetQualifier::kForAllValues) return true;
    if (condition.qualifier == SetQualifier::kForAnyValue) return false;
    return is_negated(condition.op);
  }
  // The condition's values as written, or with their variables substituted when they have any.
  const std::vector<std::string>* patterns_ptr = &condition.values;
  std::vector<std::string> substituted_values;
  bool has_variables = variables && takes_variables(condition.op) &&
                       std::any_of(condition.values.begin(), condition.values.end(),
                                   [](const std::string& v) { return v.find("${") != std::string::npos; });
  if (has_variables) {
    for (const std::string& value : condition.values) {
      // a variable that cannot be resolved matches nothing
      if (auto substituted = substitute(value, context)) substituted_values.push_back(std::move(*substituted));
    }
    patterns_ptr = &substituted_values;
  }
  const std::vector<std::string>& patterns = *patterns_ptr;
  auto positive = [&](const std::string& value) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& pattern) { return matches(condition.op, pattern, value); });
  };
  bool negated = is_negated(condition.op);
  auto holds_for = [&](const std::string& value) { return negated ? !positive(value) : positive(value); };
  const std::vector<std::string>& values = *found;
  switch (condition.qualifier) {
    case SetQualifier::kForAllValues: return std::all_of(values.begin(), values.end(), holds_for);
    case SetQualifier::kForAnyValue: return std::any_of(values.begin(), values.end(), holds_for);
    case SetQualifier::kNone: break;
  }
  return negated ? std::none_of(values.begin(), values.end(), positive)
                 : std::any_of(values.begin(), values.end(), positive);
}

}  // namespace stratus::iam
