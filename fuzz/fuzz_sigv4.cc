// libFuzzer target: arbitrary bytes as the Authorization header, query string and body of a
// request, parsed and verified against one known key.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t first = input.find('\n');
  size_t second = first == std::string::npos ? std::string::npos : input.find('\n', first + 1);
  stratus::api::SignedRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers.emplace_back("host", "127.0.0.1:8773");
  request.headers.emplace_back("x-amz-date", "20261127T000000Z");
  request.headers.emplace_back("authorization", input.substr(0, first));
  if (first != std::string::npos) {
    request.raw_query = input.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  }
  if (second != std::string::npos) request.body = input.substr(second + 1);
  auto lookup = [](const std::string& key) -> std::optional<std::string> {
    if (key == "AKIAFUZZFUZZFUZZFUZZ") return std::string("secretsecretsecretsecret");
    return std::nullopt;
  };
  (void)stratus::api::verify_signature(request, lookup, 1795737600);
  request.headers.pop_back();  // and the presigned form
  (void)stratus::api::verify_signature(request, lookup, 1795737600);
  return 0;
}
