// libFuzzer target: arbitrary bytes as a form body, decoded against operations of the EC2, IAM
// and STS models; IAM's and STS's are then held to their model's constraints, and a policy
// document they carry is parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/constraints.h"
#include "api/query_decoder.h"
#include "api/service_model.h"
#include "common/embedded.h"
#include "iam/policy.h"

namespace {

using stratus::api::ServiceModel;

struct Target {
  const ServiceModel& model;
  const char* action;
};

const std::vector<Target>& targets() {
  static const auto ec2 = ServiceModel::parse(stratus::embedded::ec2_service_model());
  static const auto iam = ServiceModel::parse(stratus::embedded::iam_service_model());
  static const auto sts = ServiceModel::parse(stratus::embedded::sts_service_model());
  static const std::vector<Target> all = {
      {*ec2.value(), "DescribeVpcs"},          {*ec2.value(), "CreateTags"},
      {*ec2.value(), "AuthorizeSecurityGroupIngress"}, {*ec2.value(), "RunInstances"},
      {*ec2.value(), "DescribeInstanceTypes"}, {*ec2.value(), "CreateSubnet"},
      {*iam.value(), "CreateUser"},            {*iam.value(), "PutUserPolicy"},
      {*iam.value(), "CreatePolicy"},          {*iam.value(), "TagRole"},
      {*iam.value(), "SimulateCustomPolicy"},  {*sts.value(), "AssumeRole"}};
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto params = stratus::api::parse_form(body);
  if (!params.ok()) return 0;
  const Target& target = targets()[size % targets().size()];
  const auto* op = target.model.operation(target.action);
  auto decoded = stratus::api::decode_request(op->input, params.value());
  if (!decoded.ok()) return 0;
  (void)decoded.value().dump();
  if (&target.model == &targets()[0].model) return 0;
  (void)stratus::api::check_constraints(op->input, decoded.value());
  for (const char* member : {"PolicyDocument", "Policy"}) {
    const auto& request = decoded.value();
    if (request.contains(member) && request[member].is_string()) {
      (void)stratus::iam::parse_policy(request[member].get<std::string>(), stratus::iam::PolicyKind::kIdentity);
    }
  }
  return 0;
}
