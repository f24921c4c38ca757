#pragma once
// The region's side of the console's Connect: the API authorizes the presigned opening request
// as SendSSHPublicKey of its signer, EC2 Instance Connect pushes the key, and the store gives the
// instance's public address.

#include "api/query_api.h"
#include "api/query_service.h"
#include "console/instance_terminal.h"
#include "store/store.h"

namespace stratus::console {

class RegionTerminalAccess : public TerminalAccess {
 public:
  // `instance_connect`: the service that runs SendSSHPublicKey. REQUIRES: all three outlive it.
  RegionTerminalAccess(api::QueryApi& api, api::QueryService& instance_connect, store::Store& store)
      : api_(api), instance_connect_(instance_connect), store_(store) {}

  // SendSSHPublicKey of `public_key` for the request's InstanceId and InstanceOSUser as its
  // presigning caller, then the instance's public IPv4 address; errors: the API's
  // (AccessDeniedException, EC2InstanceStateInvalidException, ...), or InvalidArgsException for
  // an instance without a public address (the console reaches instances as a browser on the
  // internet would, as AWS's does).
  Result<std::string> push_key(const api::HttpRequest& header, const std::string& public_key) override;

 private:
  api::QueryApi& api_;
  api::QueryService& instance_connect_;
  store::Store& store_;
};

}  // namespace stratus::console
