// libFuzzer target: arbitrary bytes as a rest-json request of the EBS direct APIs. The first line
// is the method and path, the second the query string, the third one header (name: value), the
// rest the body; routed, decoded against the operation's input, and encoded back as a response.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/query_decoder.h"
#include "api/rest_json.h"
#include "api/service_model.h"
#include "common/embedded.h"

namespace {

const stratus::api::ServiceModel& model() {
  static auto parsed = stratus::api::ServiceModel::parse(stratus::embedded::ebs_service_model());
  return *parsed.value();
}

// The text up to the next newline of `rest` (which loses it and the newline).
std::string_view take_line(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view request_line = take_line(rest);
  std::string_view query = take_line(rest);
  std::string_view header = take_line(rest);
  size_t space = request_line.find(' ');
  if (space == std::string_view::npos) return 0;
  auto route = stratus::api::match_route(model(), std::string(request_line.substr(0, space)),
                                         std::string(request_line.substr(space + 1)));
  if (!route) return 0;
  auto params = stratus::api::parse_form(query);
  if (!params.ok()) return 0;
  size_t colon = header.find(':');
  std::vector<std::pair<std::string, std::string>> headers;
  if (colon != std::string_view::npos) headers.emplace_back(header.substr(0, colon), header.substr(colon + 1));
  auto decoded = stratus::api::decode_rest_request(*route, params.value(), headers, std::string(rest));
  if (!decoded.ok()) {
    (void)stratus::api::encode_rest_error(model(), decoded.error());
    return 0;
  }
  // What an action would echo: the decoded members as its result.
  (void)stratus::api::encode_rest_response(*route->operation, decoded.value());
  return 0;
}
