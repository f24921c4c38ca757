#include "s3/bucket_names.h"

#include <arpa/inet.h>

namespace stratus::s3 {

std::optional<std::string> bucket_name_problem(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.size() < 3 || name.size() > 63) return "Bucket names must be between 3 and 63 characters long.";
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-') {
      return "Bucket names can consist only of lowercase letters, numbers, periods (.), and hyphens (-).";
    }
  }
  if (!alnum(name.front()) || !alnum(name.back())) return "Bucket names must begin and end with a letter or number.";
  for (std::string_view bad : {"..", ".-", "-."}) {
    if (name.find(bad) != std::string_view::npos) return "Bucket names must not contain two adjacent periods.";
  }
  in_addr ignored{};
  if (inet_pton(AF_INET, std::string(name).c_str(), &ignored) == 1) {
    return "Bucket names must not be formatted as an IP address.";
  }
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.substr(0, prefix.size()) == prefix) return "Bucket names must not start with the prefix " + std::string(prefix) + ".";
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"}) {
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return "Bucket names must not end with the suffix " + std::string(suffix) + ".";
    }
  }
  return std::nullopt;
}

}  // namespace stratus::s3
