#include "billing/instance_actions.h"

#include <algorithm>
#include <regex>

namespace stratus::billing {

using nlohmann::json;

bool valid_instance_target(const std::string& target) {
  static const std::regex kInstanceId("i-([0-9a-f]{8}|[0-9a-f]{17})");
  if (target == "all" || std::regex_match(target, kInstanceId)) return true;
  size_t equals = target.find('=');
  return target.rfind("tag:", 0) == 0 && equals != std::string::npos && equals > 4;
}

namespace {

// Whether `instance` (as DescribeInstances shows it) is one `target` names.
bool named(const std::string& target, const json& instance) {
  if (target == "all") return true;
  if (target.rfind("tag:", 0) != 0) return instance.value("InstanceId", "") == target;
  size_t equals = target.find('=');
  std::string key = target.substr(4, equals - 4), value = target.substr(equals + 1);
  const json tags = instance.value("Tags", json::array());
  return std::any_of(tags.begin(), tags.end(),
                     [&](const json& tag) { return tag.value("Key", "") == key && tag.value("Value", "") == value; });
}

}  // namespace

Result<std::vector<std::string>> Ec2InstanceActions::find(const std::string& account, const std::string& region,
                                                           const InstanceTargets& targets,
                                                           const std::vector<std::string>& states) {
  auto described = ec2_.read(account, region, "DescribeInstances",
                             {{"Filters", {{{"Name", "instance-state-name"}, {"Values", states}}}}});
  if (!described.ok()) return described.error();
  std::vector<std::string> ids;
  for (const json& reservation : described.value().value("Reservations", json::array())) {
    for (const json& instance : reservation.value("Instances", json::array())) {
      // Spot instances are left to their market (a one-time one cannot be stopped at all).
      if (instance.value("InstanceLifecycle", "") == "spot") continue;
      if (std::any_of(targets.begin(), targets.end(), [&](const std::string& t) { return named(t, instance); })) {
        ids.push_back(instance.value("InstanceId", ""));
      }
    }
  }
  return ids;
}

Result<std::vector<std::string>> Ec2InstanceActions::act(const std::string& action, const std::string& account,
                                                          const std::string& region, const std::string& role_arn,
                                                          const std::vector<std::string>& ids) {
  auto principal = ec2_.assume(account, role_arn);
  if (!principal.ok()) return principal.error();
  if (ids.empty()) return ids;
  auto done = ec2_.call(principal.value(), account, region, action, {{"InstanceIds", ids}});
  if (!done.ok()) return done.error();
  return ids;
}

Result<std::vector<std::string>> Ec2InstanceActions::stop(const std::string& account, const std::string& region,
                                                           const std::string& role_arn, const InstanceTargets& targets) {
  auto running = find(account, region, targets, {"pending", "running"});
  if (!running.ok()) return running.error();
  return act("StopInstances", account, region, role_arn, running.value());
}

Result<std::vector<std::string>> Ec2InstanceActions::start(const std::string& account, const std::string& region,
                                                            const std::string& role_arn,
                                                            const std::vector<std::string>& ids) {
  auto stopped = find(account, region, ids, {"stopped"});
  if (!stopped.ok()) return stopped.error();
  return act("StartInstances", account, region, role_arn, stopped.value());
}

}  // namespace stratus::billing
