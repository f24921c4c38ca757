#pragma once
// The standard output of a shell command: for tests that inspect the host (`ip`, `pgrep`), and
// for version strings.

#include <cstdio>
#include <string>

namespace stratus {

// Runs `command` with /bin/sh and returns what it printed on stdout ("" when it cannot run).
inline std::string shell_output(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

}  // namespace stratus
