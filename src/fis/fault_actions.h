#pragma once
// What an experiment does to a region's resources: the seam between the experiment runner and
// EC2. Ec2FaultActions does it through the EC2 service as the experiment's role, which FIS
// assumes (its trust policy must allow fis.amazonaws.com) and whose policies must allow what each
// action calls, as on AWS: ec2:StopInstances (and StartInstances), RebootInstances,
// TerminateInstances, SendSpotInstanceInterruptions, and for a connectivity disruption
// CreateNetworkAcl, CreateNetworkAclEntry, ReplaceNetworkAclAssociation and DeleteNetworkAcl (it
// swaps the subnets' network ACLs for ones that deny the traffic, as FIS does, and the VPC
// routers enforce them).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/role_caller.h"
#include "common/result.h"

namespace stratus::fis {

// Where and as whom an experiment acts.
struct Scope {
  std::string account;
  std::string region;
  std::string role_arn;
};

// Thread-safe.
class FaultActions {
 public:
  virtual ~FaultActions() = default;
  // The ids of the resources experiment target `target` (an ExperimentTemplateTarget) names now,
  // its selectionMode applied.
  virtual Result<std::vector<std::string>> resolve(const Scope& scope, const nlohmann::json& target) = 0;
  // Starts action `action_id` on `ids` with `parameters`; what undo() needs to end it (null when
  // there is nothing to undo).
  virtual Result<nlohmann::json> run(const Scope& scope, const std::string& action_id,
                                     const std::vector<std::string>& ids, const nlohmann::json& parameters) = 0;
  // Ends what run() of `action_id` started (restarts stopped instances, restores network ACLs).
  virtual Result<bool> undo(const Scope& scope, const std::string& action_id, const nlohmann::json& undo) = 0;
};

class Ec2FaultActions : public FaultActions {
 public:
  // REQUIRES: `ec2` (EC2 called as the roles FIS assumes) outlives it.
  explicit Ec2FaultActions(api::RoleCaller& ec2) : ec2_(ec2) {}

  Result<std::vector<std::string>> resolve(const Scope& scope, const nlohmann::json& target) override;
  Result<nlohmann::json> run(const Scope& scope, const std::string& action_id, const std::vector<std::string>& ids,
                             const nlohmann::json& parameters) override;
  Result<bool> undo(const Scope& scope, const std::string& action_id, const nlohmann::json& undo) override;

 private:
  // Swaps the network ACL of each of `subnets` for one denying traffic (`scope` "all": every
  // packet; "availability-zone": to and from the other zones' subnets of its VPC); the swaps made.
  Result<nlohmann::json> disrupt(const api::Principal& role, const Scope& scope, const std::vector<std::string>& subnets,
                                 const std::string& reach);

  api::RoleCaller& ec2_;
};

}  // namespace stratus::fis
