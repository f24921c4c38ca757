#pragma once
// Connect's SSH sessions (/_stratus/console/connect): a fresh Ed25519 key is pushed with EC2
// Instance Connect's SendSSHPublicKey as the presigning caller (so IAM decides), and `ssh` runs on
// a pseudo-terminal to the instance as the request's InstanceOSUser.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "console/instance_terminal.h"

namespace stratus::console {

// The path of Connect's WebSocket.
inline constexpr const char* kConnectPath = "/_stratus/console/connect";

// The program a session runs: the argv of an SSH client logging in as `user` at `address` with
// the private key in `key_file`.
using SshCommand = std::function<std::vector<std::string>(const std::string& key_file, const std::string& user,
                                                          const std::string& address)>;

// OpenSSH's client: no host key checks (a new instance's key is unknown), only the given key.
std::vector<std::string> openssh_command(const std::string& key_file, const std::string& user,
                                         const std::string& address);

// Opens SSH sessions: the private key goes to `key_dir` (mode 0600) and is removed when its session
// ends; the key is pushed with access.push_key. REQUIRES: `access` outlives every session.
TerminalOpener ssh_opener(TerminalAccess& access, std::filesystem::path key_dir, SshCommand ssh);

}  // namespace stratus::console
