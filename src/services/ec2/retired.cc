#include "services/ec2/retired.h"

#include "services/ec2/resources.h"

namespace stratus::ec2 {

const std::vector<std::string_view>& retired_actions() {
  static const std::vector<std::string_view> kRetired = {
      "AttachClassicLinkVpc",           "DescribeClassicLinkInstances", "DescribeMovingAddresses",
      "DescribeVpcClassicLink",         "DescribeVpcClassicLinkDnsSupport", "DetachClassicLinkVpc",
      "DisableVpcClassicLink",          "DisableVpcClassicLinkDnsSupport",  "EnableVpcClassicLink",
      "EnableVpcClassicLinkDnsSupport", "MoveAddressToVpc",                 "RestoreAddressToClassic"};
  return kRetired;
}

void add_retired_actions(ActionTable& table) {
  for (std::string_view action : retired_actions()) {
    // Not mutating: nothing to write, so the call stays off the write thread.
    table[std::string(action)] = {[](CallContext&, const json&) -> json {
                                    fail("UnsupportedOperation",
                                         "The functionality you requested is not available in this region.");
                                  },
                                  false};
  }
}

}  // namespace stratus::ec2
