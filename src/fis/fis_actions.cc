#include "fis/fis_actions.h"

#include <regex>

namespace stratus::fis {

using nlohmann::json;

const json& actions() {
  static const json kActions = {
      {"aws:ec2:stop-instances",
       {{"description", "Stop the specified EC2 instances."},
        {"targets", {{"Instances", "aws:ec2:instance"}}},
        {"parameters",
         {{"startInstancesAfterDuration",
           {{"description", "The time to wait before restarting the instances (ISO 8601 duration)."},
            {"required", false}}}}}}},
      {"aws:ec2:reboot-instances",
       {{"description", "Reboot the specified EC2 instances."},
        {"targets", {{"Instances", "aws:ec2:instance"}}},
        {"parameters", json::object()}}},
      {"aws:ec2:terminate-instances",
       {{"description", "Terminate the specified EC2 instances."},
        {"targets", {{"Instances", "aws:ec2:instance"}}},
        {"parameters", json::object()}}},
      {"aws:ec2:send-spot-instance-interruptions",
       {{"description", "Send a Spot Instance interruption notice to the target Spot Instances, then interrupt them."},
        {"targets", {{"SpotInstances", "aws:ec2:spot-instance"}}},
        {"parameters",
         {{"durationBeforeInterruption",
           {{"description", "The time to wait before interrupting the instances (ISO 8601, PT2M to PT15M)."},
            {"required", true}}}}}}},
      {"aws:network:disrupt-connectivity",
       {{"description", "Deny traffic to and from the target subnets (scope all), or between them and the other "
                        "availability zones' subnets (scope availability-zone), for the duration."},
        {"targets", {{"Subnets", "aws:ec2:subnet"}}},
        {"parameters",
         {{"duration", {{"description", "The duration (ISO 8601)."}, {"required", true}}},
          {"scope", {{"description", "all or availability-zone (default all)."}, {"required", false}}}}}}},
      {"aws:fis:wait",
       {{"description", "Wait for the specified duration."},
        {"targets", json::object()},
        {"parameters", {{"duration", {{"description", "The duration (ISO 8601)."}, {"required", true}}}}}}}};
  return kActions;
}

std::optional<int64_t> parse_duration(const std::string& text) {
  static const std::regex kDuration(R"(P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)");
  std::smatch m;
  if (text.size() < 3 || !std::regex_match(text, m, kDuration) || text.back() == 'T') return std::nullopt;
  auto part = [&](size_t i) { return m[i].matched ? std::stoll(m[i].str()) : 0; };
  return part(1) * 86400 + part(2) * 3600 + part(3) * 60 + part(4);
}

bool known_resource_type(const std::string& type) {
  return type == "aws:ec2:instance" || type == "aws:ec2:spot-instance" || type == "aws:ec2:subnet";
}

}  // namespace stratus::fis
