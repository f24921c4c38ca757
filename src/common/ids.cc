#include "common/ids.h"

#include "common/digest.h"

namespace stratus {

std::string new_resource_id(std::string_view prefix) {
  return std::string(prefix) + "-" + to_hex(random_bytes(9)).substr(0, 17);
}

std::string new_request_id() {
  std::string hex = to_hex(random_bytes(16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

bool is_resource_id(std::string_view id, std::string_view prefix) {
  if (id.size() <= prefix.size() + 1 || id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '-') {
    return false;
  }
  std::string_view hex = id.substr(prefix.size() + 1);
  if (hex.size() != 8 && hex.size() != 17) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string random_string(size_t length, std::string_view alphabet) {
  std::string bytes = random_bytes(length);
  std::string out;
  for (unsigned char b : bytes) out.push_back(alphabet[b % alphabet.size()]);
  return out;
}

}  // namespace stratus
