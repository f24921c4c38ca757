// libFuzzer target: arbitrary bytes as a JSON-protocol (awsJson1.1) request of Cost Explorer or
// Budgets. The first line names the model and the operation ("ce GetCostAndUsage"), the rest is
// the body; decoded against the operation's input, and encoded back as a response or an error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/rest_json.h"
#include "api/service_model.h"
#include "common/embedded.h"

namespace {

const stratus::api::ServiceModel& model(std::string_view name) {
  static auto ce = stratus::api::ServiceModel::parse(stratus::embedded::ce_service_model());
  static auto budgets = stratus::api::ServiceModel::parse(stratus::embedded::budgets_service_model());
  return name == "ce" ? *ce.value() : *budgets.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  std::string body(newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1));
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  const stratus::api::ServiceModel& service = model(line.substr(0, space));
  const stratus::api::Operation* operation = service.operation(std::string(line.substr(space + 1)));
  if (operation == nullptr) return 0;
  auto decoded = stratus::api::decode_json_request(*operation, body);
  if (!decoded.ok()) {
    (void)stratus::api::encode_json_error(service, decoded.error());
    return 0;
  }
  // What an action would echo: the decoded members as its result.
  (void)stratus::api::encode_json_response(*operation, decoded.value());
  return 0;
}
