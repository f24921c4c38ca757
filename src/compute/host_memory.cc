#include "compute/host_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace stratus::compute {

int64_t host_memory_mib() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream fields(line.substr(9));
    int64_t kib = 0;
    fields >> kib;
    return kib / 1024;
  }
  return 0;
}

}  // namespace stratus::compute
