// libFuzzer target: arbitrary bytes as a form body, decoded against every operation's input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/query_decoder.h"
#include "api/service_model.h"
#include "common/embedded.h"

namespace {

const stratus::api::ServiceModel& model() {
  static auto parsed = stratus::api::ServiceModel::parse(stratus::embedded::ec2_service_model());
  return *parsed.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kActions[] = {"DescribeVpcs", "CreateTags", "AuthorizeSecurityGroupIngress",
                                         "RunInstances", "DescribeInstanceTypes", "CreateSubnet"};
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto params = stratus::api::parse_form(body);
  if (!params.ok()) return 0;
  const auto* op = model().operation(kActions[size % (sizeof kActions / sizeof kActions[0])]);
  auto decoded = stratus::api::decode_request(op->input, params.value());
  if (decoded.ok()) (void)decoded.value().dump();
  return 0;
}
