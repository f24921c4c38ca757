#pragma once
// The API as instances reach it: the server's own handler, answering on a link-local address
// inside every VPC (instance traffic never leaves the VPC's namespace), where the base image's
// aws CLI is pointed.

#include <cstdint>

#include "api/http_server.h"
#include "net/vpc_listener.h"

namespace stratus::api {

// Where instances find the API: http://169.254.169.254:8773 (the metadata service's address;
// 8773 is the port Eucalyptus served its EC2 API on).
inline constexpr const char* kInstanceEndpointAddress = "169.254.169.254";
inline constexpr uint16_t kInstanceEndpointPort = 8773;

// Opens `server` in each VPC at kInstanceEndpointAddress:kInstanceEndpointPort.
class InstanceEndpoint : public net::VpcListener {
 public:
  // REQUIRES: `server` outlives it.
  explicit InstanceEndpoint(HttpServer& server) : server_(server) {}
  Result<bool> listen(const std::string& vpc_id, const std::string& netns) override {
    return server_.listen_in_netns(vpc_id, netns, kInstanceEndpointAddress, kInstanceEndpointPort);
  }
  void stop_listening(const std::string& vpc_id) override { server_.stop_listening(vpc_id); }

 private:
  HttpServer& server_;
};

}  // namespace stratus::api
