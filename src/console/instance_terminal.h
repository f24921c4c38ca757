#pragma once
// The console's terminals: WebSockets under /_stratus/console/ that the browser opens with a
// request it presigned for ec2-instance-connect (InstanceId and the terminal's cols and rows in
// its query; InstanceOSUser for SSH), each bridged to a byte stream on a thread of its own:
// Connect's SSH session (see console/ssh_terminal) or the instance's serial port (see
// console/serial_terminal).
//
// Messages to the browser: binary = terminal output; text = JSON {"status": "connecting" |
// "connected" | "closed"} or {"error": "CODE: message"} (then the socket closes, code 1008).
// From the browser: binary = keystrokes; text = JSON {"resize": [cols, rows]}.

#include <memory>
#include <string>
#include <string_view>

#include "api/websocket.h"
#include "common/result.h"

namespace stratus::console {

// What one terminal shows and types into. read() runs on the connection's thread; write(),
// resize() and hang_up() may come from another, at the same time.
class TerminalStream {
 public:
  virtual ~TerminalStream() = default;
  // The next output: blocks until some arrives; "" once the stream ended.
  virtual std::string read() = 0;
  // Writes all of `data` as input (false when the stream is gone).
  virtual bool write(std::string_view data) = 0;
  // The browser's terminal is now `cols` x `rows`.
  virtual void resize(int cols, int rows) = 0;
  // Ends the stream: read() then returns "".
  virtual void hang_up() = 0;
  // After read() gave "": how it ended (an exit status; 0 for a stream without one).
  virtual int finish() = 0;
};

// Who may open which terminal, and where it goes: the region's side.
class TerminalAccess {
 public:
  virtual ~TerminalAccess() = default;
  // Authorizes the presigned opening request `header` and pushes `public_key` (an OpenSSH line)
  // for its InstanceOSUser through EC2 Instance Connect, as its signer: the address to reach the
  // instance at by SSH (its public IPv4), or the error the API gave. May block (a store write).
  virtual Result<std::string> push_key(const api::HttpRequest& header, const std::string& public_key) = 0;
  // Where an authorized serial session connects: the unix socket of a VM of this machine, or
  // the serial relay (console/serial_relay.h) of the host the instance runs on.
  struct SerialPort {
    std::string socket;         // a local VM's port
    std::string relay_address;  // else its host's relay: the address,
    int relay_port = 0;         // port
    std::string relay_token;    // and the token that opens the instance's port there
  };
  // Authorizes the presigned opening request `header` for its InstanceId's serial port: where the
  // port answers, or the error AWS gives (AccessDeniedException, EC2InstanceNotFoundException,
  // SerialConsoleAccessDisabledException, EC2InstanceStateInvalidException,
  // SerialConsoleSessionUnavailableException).
  virtual Result<SerialPort> serial_port(const api::HttpRequest& header) = 0;
};

// Opens the stream of a connection whose opening request is `header`, for a terminal of `cols` x
// `rows`: authorizes it as its presigning caller and connects; or the error the API gave. May
// block.
using TerminalOpener =
    std::function<Result<std::unique_ptr<TerminalStream>>(const api::HttpRequest& header, int cols, int rows)>;

// Query parameter `name` of the opening request `header` (decoded), or "".
std::string connect_parameter(const api::HttpRequest& header, const std::string& name);

// The WebSocket route at `path`: each connection opens its stream with `open` and pumps it until
// either side ends; the stream is hung up when the browser leaves.
api::WebSocketRoute terminal_route(const std::string& path, TerminalOpener open);

}  // namespace stratus::console
