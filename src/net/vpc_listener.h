#pragma once
// A service that answers inside every VPC that has running instances (the metadata service, the
// API endpoint for instances): the instance reconciler opens it when a VPC's namespace is ready
// and closes it when the VPC goes.

#include <string>

#include "common/result.h"

namespace stratus::net {

class VpcListener {
 public:
  virtual ~VpcListener() = default;
  // Starts answering inside namespace `netns` of VPC `vpc_id` (replacing an earlier listener of it).
  virtual Result<bool> listen(const std::string& vpc_id, const std::string& netns) = 0;
  // Stops answering for `vpc_id`.
  virtual void stop_listening(const std::string& vpc_id) = 0;
};

}  // namespace stratus::net
