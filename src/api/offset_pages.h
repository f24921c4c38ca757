#pragma once
// Pages of a list answered whole by a service: the token is an offset into the list, as Budgets'
// and FIS's List/Describe calls use it here.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace stratus::api {

// How one service names and refuses paging.
struct OffsetPaging {
  std::string token_member;  // the request's and answer's token ("NextToken", "nextToken")
  std::string max_member;    // the request's page size ("MaxResults", "maxResults")
  ApiError bad_token;        // a token this service did not give
  ApiError bad_max;          // a page size outside 1 to 100
};

// One page of `items` under `member`: from the request's token up to its page size (1 to 100,
// default 100), with the next page's token when more are left.
inline Result<nlohmann::json> offset_page(const nlohmann::json& items, const nlohmann::json& request,
                                          const std::string& member, const OffsetPaging& paging) {
  size_t from = 0;
  if (request.contains(paging.token_member)) {
    const std::string token = request.value(paging.token_member, "");
    if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos || token.size() > 9 ||
        std::stoul(token) > items.size()) {
      return paging.bad_token;
    }
    from = std::stoul(token);
  }
  int64_t max = request.value(paging.max_member, int64_t{100});
  if (max < 1 || max > 100) return paging.bad_max;
  size_t count = static_cast<size_t>(max);
  nlohmann::json out = {{member, nlohmann::json::array()}};
  for (size_t i = from; i < items.size() && i < from + count; ++i) out[member].push_back(items[i]);
  if (from + count < items.size()) out[paging.token_member] = std::to_string(from + count);
  return out;
}

}  // namespace stratus::api
