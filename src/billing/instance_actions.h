#pragma once
// What a budget action does to a region's instances: the seam between the budget watcher and
// EC2. Ec2InstanceActions does it through the EC2 service as the action's execution role, which
// Budgets assumes (its trust policy must allow budgets.amazonaws.com) and whose policies must
// allow ec2:StopInstances (and ec2:StartInstances to reverse), as on AWS.

#include <string>
#include <vector>

#include "api/role_caller.h"
#include "common/result.h"

namespace stratus::billing {

// The instances a budget action stops, as SsmActionDefinition.InstanceIds names them: instance
// ids, and (a stratus extension) "tag:KEY=VALUE" for every instance with that tag and "all" for
// every instance of the account in the region.
using InstanceTargets = std::vector<std::string>;

// Thread-safe.
class InstanceActions {
 public:
  virtual ~InstanceActions() = default;
  // Stops the pending and running on-demand instances `targets` name of `account` in `region`
  // (spot instances are left to their market), acting as role `role_arn`; the ids it stopped
  // (none when none was running), or why it could not.
  virtual Result<std::vector<std::string>> stop(const std::string& account, const std::string& region,
                                                const std::string& role_arn, const InstanceTargets& targets) = 0;
  // Starts those of `ids` that are stopped, likewise; the ids it started.
  virtual Result<std::vector<std::string>> start(const std::string& account, const std::string& region,
                                                 const std::string& role_arn, const std::vector<std::string>& ids) = 0;
};

// True when `target` is one InstanceTargets allows.
bool valid_instance_target(const std::string& target);

class Ec2InstanceActions : public InstanceActions {
 public:
  // REQUIRES: `ec2` (EC2 called as the execution roles Budgets assumes) outlives it.
  explicit Ec2InstanceActions(api::RoleCaller& ec2) : ec2_(ec2) {}

  Result<std::vector<std::string>> stop(const std::string& account, const std::string& region,
                                        const std::string& role_arn, const InstanceTargets& targets) override;
  Result<std::vector<std::string>> start(const std::string& account, const std::string& region,
                                         const std::string& role_arn, const std::vector<std::string>& ids) override;

 private:
  // The ids of the instances of `account` in `region` in one of `states` that `targets` name.
  Result<std::vector<std::string>> find(const std::string& account, const std::string& region,
                                        const InstanceTargets& targets, const std::vector<std::string>& states);
  // Runs EC2 `action` on `ids` as role `role_arn` (assumed even when `ids` is empty: a role it
  // cannot assume is a failure).
  Result<std::vector<std::string>> act(const std::string& action, const std::string& account,
                                       const std::string& region, const std::string& role_arn,
                                       const std::vector<std::string>& ids);

  api::RoleCaller& ec2_;
};

}  // namespace stratus::billing
