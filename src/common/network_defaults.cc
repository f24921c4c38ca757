#include "common/network_defaults.h"

#include "common/digest.h"

namespace stratus {

std::vector<AwsManagedPrefixList> aws_managed_prefix_lists(const std::string& region) {
  std::string name = "com.amazonaws." + region + ".s3";
  // AWS's ids for these lists are 8 hex digits; these are derived from the name, so they stay
  // the same across restarts and differ between regions.
  return {{"pl-" + to_hex(sha256(name)).substr(0, 8), name, {kS3EndpointCidr}}};
}

}  // namespace stratus
