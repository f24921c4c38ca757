#include "api/role_caller.h"

namespace stratus::api {

Result<nlohmann::json> RoleCaller::call(const Principal& principal, const std::string& account,
                                        const std::string& region, const std::string& action,
                                        const nlohmann::json& request) {
  ServiceCall call{action, region, account, request, principal, "", ""};
  if (auto denied = authorizer_.authorize(call, signing_name_)) return *denied;
  if (!service_.mutates(action)) return service_.call(call);
  return std::move(service_.call_batch({call})[0]);
}

Result<nlohmann::json> RoleCaller::read(const std::string& account, const std::string& region,
                                        const std::string& action, const nlohmann::json& request) {
  return service_.call({action, region, account, request, {}, "", ""});
}

}  // namespace stratus::api
