#pragma once
// The API as instances reach it: the server's own handler, answering on a link-local address
// inside every VPC (instance traffic never leaves the VPC's namespace), where the base image's
// aws CLI is pointed.

#include <cstdint>
#include <string>
#include <utility>

#include "api/http_server.h"
#include "net/vpc_listener.h"

namespace stratus::api {

// Where instances find the API: http://169.254.169.254:8773 (the metadata service's address;
// 8773 is the port Eucalyptus served its EC2 API on).
inline constexpr const char* kInstanceEndpointAddress = "169.254.169.254";
inline constexpr uint16_t kInstanceEndpointPort = 8773;

// Opens `server` in each VPC at one address and port: by default kInstanceEndpointAddress:
// kInstanceEndpointPort. Each VPC's listener is named after it (VPC_ID, or VPC_ID/SUFFIX for a
// second address), which is how a request's VPC is known (api::source_vpc).
class InstanceEndpoint : public net::VpcListener {
 public:
  // REQUIRES: `server` outlives it; `suffix` tells apart the listeners of one VPC ("" for one).
  explicit InstanceEndpoint(HttpServer& server, std::string address = kInstanceEndpointAddress,
                            uint16_t port = kInstanceEndpointPort, std::string suffix = "")
      : server_(server), address_(std::move(address)), port_(port), suffix_(std::move(suffix)) {}
  Result<bool> listen(const std::string& vpc_id, const std::string& netns) override {
    return server_.listen_in_netns(name(vpc_id), netns, address_, port_);
  }
  void stop_listening(const std::string& vpc_id) override { server_.stop_listening(name(vpc_id)); }

 private:
  std::string name(const std::string& vpc_id) const { return suffix_.empty() ? vpc_id : vpc_id + "/" + suffix_; }

  HttpServer& server_;
  std::string address_;
  uint16_t port_;
  std::string suffix_;
};

}  // namespace stratus::api
