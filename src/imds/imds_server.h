#pragma once
// The instance metadata service on the wire: listens on 169.254.169.254:80 inside each VPC's
// network namespace, identifies the caller by (VPC, source IPv4), and answers with the
// responder's rules. One thread serves every VPC.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "imds/responder.h"
#include "net/vpc_listener.h"

namespace stratus::imds {

// What IMDS needs to know about a caller.
struct Caller {
  std::string instance_id;
  nlohmann::json tree;  // metadata_tree() of the instance
  MetadataOptions options;
};

// Finds the instance behind `source_ip` in VPC `vpc_id`; nullopt when no instance has it.
using CallerLookup = std::function<std::optional<Caller>(const std::string& vpc_id, const std::string& source_ip)>;

// Serves IMDS. Thread-safe.
class ImdsServer : public net::VpcListener {
 public:
  // REQUIRES: `lookup` is thread-safe and `tokens` outlives the server.
  ImdsServer(CallerLookup lookup, const TokenIssuer& tokens);
  ~ImdsServer();
  ImdsServer(const ImdsServer&) = delete;
  ImdsServer& operator=(const ImdsServer&) = delete;

  // Starts answering on `address`:`port` inside network namespace `netns` for VPC `vpc_id`. The
  // address must already be on an interface there. Replaces an earlier listener of the same VPC.
  Result<bool> listen_at(const std::string& vpc_id, const std::string& netns, const std::string& address,
                         uint16_t port);
  // listen_at() 169.254.169.254:80, where instances look for it.
  Result<bool> listen(const std::string& vpc_id, const std::string& netns) override {
    return listen_at(vpc_id, netns, "169.254.169.254", 80);
  }
  // Stops answering for `vpc_id` (open connections finish their request).
  void stop_listening(const std::string& vpc_id) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::imds
