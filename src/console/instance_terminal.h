#pragma once
// The console's Connect: a WebSocket at /_stratus/console/connect, opened by a request the
// browser presigned for ec2-instance-connect (InstanceId, InstanceOSUser, cols, rows in its
// query), becomes an SSH session to the instance as that OS user: a fresh Ed25519 key is pushed
// with SendSSHPublicKey as the presigning caller (so IAM decides), and `ssh` runs on a terminal
// whose output goes to the browser as binary messages and whose input comes back the same way.
//
// Messages to the browser: binary = terminal output; text = JSON {"status": "connecting" |
// "connected" | "closed"} or {"error": "CODE: message"} (then the socket closes, code 1008).
// From the browser: binary = keystrokes; text = JSON {"resize": [cols, rows]}.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/websocket.h"
#include "common/result.h"

namespace stratus::console {

// The path of the WebSocket.
inline constexpr const char* kConnectPath = "/_stratus/console/connect";

// Who may connect where: the region's side of a connection.
class TerminalAccess {
 public:
  virtual ~TerminalAccess() = default;
  // Authorizes the presigned opening request `header` and pushes `public_key` (an OpenSSH line)
  // for its InstanceOSUser through EC2 Instance Connect, as its signer: the address to reach the
  // instance at (its public IPv4), or the error the API gave. May block (a store write).
  virtual Result<std::string> push_key(const api::HttpRequest& header, const std::string& public_key) = 0;
};

// Query parameter `name` of the opening request `header` (decoded), or "".
std::string connect_parameter(const api::HttpRequest& header, const std::string& name);

// The program a connection runs: the argv of an SSH client logging in as `user` at `address`
// with the private key in `key_file`.
using SshCommand = std::function<std::vector<std::string>(const std::string& key_file, const std::string& user,
                                                          const std::string& address)>;

// OpenSSH's client: no host key checks (a new instance's key is unknown), only the given key.
std::vector<std::string> openssh_command(const std::string& key_file, const std::string& user,
                                         const std::string& address);

// The WebSocket route of Connect. Each connection runs on a thread of its own while its SSH
// client runs; the client is hung up when the browser leaves. Private keys are written to
// `key_dir` (mode 0600) and removed when their connection ends. REQUIRES: `access` outlives every
// connection.
api::WebSocketRoute terminal_route(TerminalAccess& access, std::filesystem::path key_dir, SshCommand ssh);

}  // namespace stratus::console
