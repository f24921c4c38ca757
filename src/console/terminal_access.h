#pragma once
// The region's side of the console's terminals: the API authorizes each presigned opening request
// as a call of its signer (SendSSHPublicKey for SSH, SendSerialConsoleSSHPublicKey for the serial
// console), EC2 Instance Connect pushes SSH keys, the store says where an instance is and what
// state it is in.

#include <filesystem>
#include <functional>

#include "api/query_api.h"
#include "api/query_service.h"
#include "console/serial_terminal.h"
#include "console/ssh_terminal.h"
#include "store/store.h"

namespace stratus::console {

class RegionTerminalAccess : public TerminalAccess {
 public:
  // `instance_connect`: the service that runs SendSSHPublicKey; `serial_socket`: where the serial
  // port of an instance of host `host_id` (this process's) answers; `relay_secret`: what signs
  // the tokens of other hosts' serial relays. REQUIRES: the first three outlive it.
  RegionTerminalAccess(api::QueryApi& api, api::QueryService& instance_connect, store::Store& store,
                       std::function<std::filesystem::path(const std::string& instance_id)> serial_socket,
                       std::string host_id, std::string relay_secret)
      : api_(api),
        instance_connect_(instance_connect),
        store_(store),
        serial_socket_(std::move(serial_socket)),
        host_id_(std::move(host_id)),
        relay_secret_(std::move(relay_secret)) {}

  // SendSSHPublicKey of `public_key` for the request's InstanceId and InstanceOSUser as its
  // presigning caller, then the instance's public IPv4 address; errors: the API's
  // (AccessDeniedException, EC2InstanceStateInvalidException, ...), or InvalidArgsException for
  // an instance without a public address (the console reaches instances as a browser on the
  // internet would, as AWS's does).
  Result<std::string> push_key(const api::HttpRequest& header, const std::string& public_key) override;

  // The caller may SendSerialConsoleSSHPublicKey to the request's InstanceId, which is its and
  // running, in an account that enabled serial console access here: the port's socket, or its
  // host's relay (SerialConsoleSessionUnavailableException when that host has no underlay address).
  Result<SerialPort> serial_port(const api::HttpRequest& header) override;

 private:
  api::QueryApi& api_;
  api::QueryService& instance_connect_;
  store::Store& store_;
  std::function<std::filesystem::path(const std::string& instance_id)> serial_socket_;
  std::string host_id_;
  std::string relay_secret_;
};

}  // namespace stratus::console
