#include "api/error_status.h"

#include <map>

namespace stratus::api {

int http_status_for(std::string_view code) {
  static const std::map<std::string_view, int> kStatus = {
      {"AuthFailure", 401},
      {"MissingAuthenticationToken", 401},
      {"InvalidClientTokenId", 403},
      {"ExpiredToken", 403},
      {"UnauthorizedOperation", 403},
      {"AccessDenied", 403},  // IAM and STS (their models define no such exception)
      {"OptInRequired", 403},
      {"Blocked", 403},
      {"DryRunOperation", 412},
      {"RequestTimeout", 408},         // the HTTP server's refusals (QueryApi::refuse)
      {"RequestEntityTooLarge", 413},
      {"InternalError", 500},
      {"InternalFailure", 500},
      {"InsufficientInstanceCapacity", 500},  // AWS lists capacity errors as server errors
      {"InsufficientAddressCapacity", 500},
      {"ServiceUnavailable", 503},
      {"Unavailable", 503},
      {"RequestLimitExceeded", 503},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 400 : it->second;
}

}  // namespace stratus::api
