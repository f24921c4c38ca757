#include "services/ec2/retired.h"

#include "services/ec2/resources.h"

namespace stratus::ec2 {

void add_retired_actions(ActionTable& table) {
  static const char* const kRetired[] = {
      "AttachClassicLinkVpc",           "DescribeClassicLinkInstances", "DescribeMovingAddresses",
      "DescribeVpcClassicLink",         "DescribeVpcClassicLinkDnsSupport", "DetachClassicLinkVpc",
      "DisableVpcClassicLink",          "DisableVpcClassicLinkDnsSupport",  "EnableVpcClassicLink",
      "EnableVpcClassicLinkDnsSupport", "MoveAddressToVpc",                 "RestoreAddressToClassic"};
  for (const char* action : kRetired) {
    // Not mutating: nothing to write, so the call stays off the write thread.
    table[action] = {[](CallContext&, const json&) -> json {
                       fail("UnsupportedOperation", "The functionality you requested is not available in this region.");
                     },
                     false};
  }
}

}  // namespace stratus::ec2
